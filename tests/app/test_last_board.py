"""The last run's board: shown at once on a restart over the same files, replaced by fresh scores,
never shown when anything it was scored from has changed."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import threading

import pytest
from appkit import AS_OF, Contest, loaded, make_app, wait_for

import spiff_tui.ui.live as live_module
from spiff_tui.ui.last_board import card_path


@pytest.fixture
def held_rescores(monkeypatch):
    """Once the test clears the gate, rescores wait until it is set again, so the board before the
    first score can be read."""
    gate = threading.Event()
    gate.set()
    real = live_module.rescore

    def held(*args, **kwargs):
        gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(live_module, "rescore", held)
    yield gate
    gate.set()


async def _run_once(contest: Contest, **options) -> None:
    app = make_app(contest, **options)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("q")


async def test_a_restart_shows_the_last_board_at_once_then_the_fresh_scores(small, held_rescores):
    # One bad line, so the Problems table has a row to bring back.
    acts = small.data / "acts.csv"
    acts.write_text(acts.read_text(encoding="utf-8") + "A7,Ann Lee,Call,not a date,Acme\n", encoding="utf-8")
    await _run_once(small)
    assert card_path(small.data).exists()
    held_rescores.clear()
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        # Nothing is scored yet: the rescore is held.
        assert app.snapshot is None
        reps = app.table("reps-table")
        # Ann Lee: O1 Closed Won (4) + O2 Demo (2); Alpha adds Bob Ray's Proposal (3) — see appkit.
        assert reps.cell_text("Ann Lee", "total") == "6"
        assert reps.cell_text("Ann Lee", "rank") == "1"
        assert app.table("teams-table").cell_text("Alpha", "total") == "9"
        header = app.query_one("#header").plain
        assert "the last run's board" in header and "Test Spiff" in header
        problems = app.table("problems-table")
        assert [problems.cell_text(key, "where") for key in problems.visible_keys()] == ["acts.csv:8"]
        held_rescores.set()
        await loaded(pilot)
        header = app.query_one("#header").plain
        assert "the last run's board" not in header
        assert reps.cell_text("Ann Lee", "total") == "6"


async def test_a_changed_export_or_day_means_no_last_board(small, held_rescores):
    await _run_once(small)
    held_rescores.clear()
    # Another day: pacing and the activity board depend on it.
    app = make_app(small, as_of=AS_OF + dt.timedelta(days=1))
    async with app.run_test(size=(120, 30)):
        assert app.card is None and app.table("reps-table").row_count == 0
    # A changed export: its size and time are in the card's key.
    stamp = os.stat(small.data / "acts.csv")
    os.utime(small.data / "acts.csv", ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
    app = make_app(small)
    async with app.run_test(size=(120, 30)):
        assert app.card is None and app.table("reps-table").row_count == 0
        assert "the last run's board" not in app.query_one("#header").plain


async def test_a_changed_rules_file_means_no_last_board(small, held_rescores):
    await _run_once(small)
    small.rules.write_text(small.rules.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    held_rescores.clear()
    app = make_app(small)
    async with app.run_test(size=(120, 30)):
        assert app.card is None and app.table("reps-table").row_count == 0


async def test_drilldowns_wait_for_the_fresh_scores(small, held_rescores):
    await _run_once(small)
    held_rescores.clear()
    app = make_app(small)
    notes: list[str] = []
    async with app.run_test(size=(120, 30)) as pilot:
        original = app.notify
        app.notify = lambda message, **options: (notes.append(message), original(message, **options))
        app.table("reps-table").focus()
        await pilot.press("enter")
        await pilot.press("e")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert any("drilldowns open then" in n for n in notes)
        assert any("exports open then" in n for n in notes)
        held_rescores.set()
        await loaded(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.screen_stack) == 2, "the drilldown")


async def test_without_the_cache_nothing_is_kept_or_shown(small, held_rescores):
    await _run_once(small, last_board=False)
    assert not card_path(small.data).exists()
    await _run_once(small)
    held_rescores.clear()
    app = make_app(small, last_board=False)
    async with app.run_test(size=(120, 30)):
        assert app.card is None and app.table("reps-table").row_count == 0


async def test_a_damaged_card_is_ignored(small, held_rescores):
    await _run_once(small)
    card_path(small.data).write_bytes(b"\x80\x05not a pickle at all")
    held_rescores.clear()
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.card is None
        held_rescores.set()
        await loaded(pilot)
        assert app.table("reps-table").cell_text("Ann Lee", "total") == "6"
    # The fresh board replaced the damaged card.
    app = make_app(small)
    held_rescores.clear()
    async with app.run_test(size=(120, 30)):
        assert app.table("reps-table").cell_text("Ann Lee", "total") == "6" and app.snapshot is None


async def test_a_card_loads_without_pandas_or_numpy(small, held_rescores):
    await _run_once(small)
    code = ("import sys; from pathlib import Path; from spiff_tui.ui import last_board as lb; "
            f"card = lb.load_card(Path({str(small.data)!r}), 'any key'); "
            f"import pickle; saved = pickle.loads(lb.card_path(Path({str(small.data)!r})).read_bytes()); "
            "assert saved['card'].tables['reps-table']; "
            "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow') if m in sys.modules))")
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", code], capture_output=True,
                                   text=True, check=True, env=os.environ.copy())
    assert done.stdout.strip() == "[]"


async def test_tv_mode_starts_on_the_last_board_with_its_banner(small, held_rescores):
    from textual.widgets import Digits

    await _run_once(small)
    held_rescores.clear()
    app = make_app(small, tv=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.snapshot is None and app.tv
        # Alpha leads: Ann Lee 6 + Bob Ray 3 (see appkit).
        assert app.query_one("#tv-lead-team").render().plain == "ALPHA"
        assert app.query_one(Digits).value == "9"
        top = app.query_one("#tv-top-reps").render().plain.splitlines()
        assert "Ann Lee" in top[0] and top[0].rstrip().endswith("6")
        held_rescores.set()
        await loaded(pilot)
        assert app.query_one(Digits).value == "9"
