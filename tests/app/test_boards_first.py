"""The first rescore shows the boards as soon as they are scored, before every ledger row's columns
are built for the drilldowns; those follow from the same rescore and replace the boards-only scores."""

from __future__ import annotations

import threading

import pytest
from appkit import loaded, make_app, wait_for

import spiff_tui.core.snapshot as snapshot_module
from spiff_tui.ui.last_board import card_path
from spiff_tui.ui.screens.rep_ledger import RepLedgerScreen


@pytest.fixture
def held_full_scoring(monkeypatch):
    """Building every ledger row's columns waits until the test sets the gate; scoring the boards
    alone does not. Yields the gate and the steps taken so far: 'boards' and 'rows'."""
    gate = threading.Event()
    steps = []
    boards, rows = snapshot_module.board_ledger_parts, snapshot_module.build_ledger_parts

    def held_boards(*args, **kwargs):
        steps.append("boards")
        return boards(*args, **kwargs)

    def held_rows(*args, **kwargs):
        steps.append("rows")
        gate.wait(30)
        return rows(*args, **kwargs)

    monkeypatch.setattr(snapshot_module, "board_ledger_parts", held_boards)
    monkeypatch.setattr(snapshot_module, "build_ledger_parts", held_rows)
    yield gate, steps
    gate.set()


def _board(app) -> dict[str, list[str]]:
    reps, teams = app.table("reps-table"), app.table("teams-table")
    return {"reps": reps.visible_keys(), "total": reps.column_texts("total"),
            "teams": teams.visible_keys(), "team total": teams.column_texts("total")}


# Hand-worked in appkit.py: Ann 6, Bob 3, Cy 2, Di 0; Alpha 6 + 3 = 9, Beta 2 + 0 = 2.
EXPECTED = {"reps": ["Ann Lee", "Bob Ray", "Cy Dunn", "Di Fox"], "total": ["6", "3", "2", "0"],
            "teams": ["Alpha", "Beta"], "team total": ["9", "2"]}


async def test_the_first_board_is_shown_before_the_drilldown_rows_are_built(small, held_full_scoring):
    gate, steps = held_full_scoring
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None, "the boards-only scores")
        await pilot.pause()
        assert not app.snapshot.full_rows
        assert _board(app) == EXPECTED
        # The full scoring is running (held): the header says so, and no card is kept yet.
        assert steps == ["boards", "rows"] and app.rescoring
        assert "scoring" in app.query_one("#header").plain
        assert not card_path(small.data).exists()
        # A boards-only ledger has no reasons to show.
        assert "reason" not in app.snapshot.ledger_parts[0]
        gate.set()
        await loaded(pilot)
        assert app.snapshot.full_rows
        assert _board(app) == EXPECTED
        assert card_path(small.data).exists()


async def test_a_rep_asked_for_early_opens_when_the_rows_are_ready(small, held_full_scoring):
    gate, _ = held_full_scoring
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        notes = []
        original = app.notify
        app.notify = lambda message, **options: (notes.append(message), original(message, **options))
        await wait_for(pilot, lambda: app.snapshot is not None, "the boards-only scores")
        await pilot.pause()
        app.table("reps-table").focus()
        await pilot.press("enter")   # the cursor is on the leader, Ann Lee
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert notes == ["gathering the rows behind the board; Ann Lee's opens in a moment"]
        gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, RepLedgerScreen), "Ann Lee's drilldown")
        assert app.screen.rep == "Ann Lee"


async def test_later_rescores_score_only_once(small, held_full_scoring):
    gate, steps = held_full_scoring
    gate.set()
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        assert steps == ["boards", "rows"]
        first = app.snapshot.generation
        app.action_rescore()
        await wait_for(pilot, lambda: app.snapshot.generation > first and not app.rescoring, "the rescore")
        # Every row at once: the board already had scores to show.
        assert steps == ["boards", "rows", "rows"]
        assert app.snapshot.full_rows and _board(app) == EXPECTED
        # Once the result was out, the rescore thread made what the next activities export needs.
        assert app._memo.last("activity_ids") is not None


async def test_rows_that_fail_to_build_leave_the_board_and_say_so(small, monkeypatch):
    real = snapshot_module.build_ledger_parts

    def broken(*args, **kwargs):
        raise MemoryError("no room for the rows")

    monkeypatch.setattr(snapshot_module, "build_ledger_parts", broken)
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        notes = []
        original = app.notify
        app.notify = lambda message, **options: (notes.append(message), original(message, **options))
        await wait_for(pilot, lambda: app.failure is not None and not app.rescoring, "the failed rescore")
        # The boards stay as scored, and the header names the failure.
        assert _board(app) == EXPECTED and not app.snapshot.full_rows
        assert "no room for the rows" in app.query_one("#header").plain
        app.table("reps-table").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert notes[-1] == "the rows behind the board could not be gathered; r rescores"
        # A rescore that can build them opens the way.
        monkeypatch.setattr(snapshot_module, "build_ledger_parts", real)
        app.action_rescore()
        await loaded(pilot)
        assert app.snapshot.full_rows and app.failure is None
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RepLedgerScreen), "Ann Lee's drilldown")


async def test_an_added_activities_export_shows_its_boards_before_its_rows_reasons(small, monkeypatch):
    """A later rescore that adds an export after the others to a big activities join shows the new
    boards before the added rows' reasons are written; the drilldown's rows follow."""
    import spiff_tui.core.ledger as ledger_module

    monkeypatch.setattr(ledger_module, "BOARDS_FIRST_FROM", 0)   # the rows as if they were many
    gate, appending = threading.Event(), []
    real_append = ledger_module.append

    def held_append(*args):
        appending.append(True)
        gate.wait(30)
        return real_append(*args)

    app = make_app(small)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await loaded(pilot)
            activity = app.table("activity-table")

            def bob() -> tuple[str, str]:   # his activities and calls, each as "done/needed"
                return tuple(activity.cell_text("Bob Ray", column).split()[-1] for column in ("activities", "calls"))

            # Bob Ray has one email (appkit.py): one activity of two, no call of one.
            assert bob() == ("1/2", "0/1")
            first = app.snapshot.generation
            monkeypatch.setattr(ledger_module, "append", held_append)
            # A later export: Bob's email again (counted once) and a new call of his.
            small.write("acts_2.csv", "Activity ID,Assigned,Task Subtype,Date,Account Name\n"
                                      "A3,Bob Ray,Email,2026-04-03,Cork\nA7,Bob Ray,Call,2026-04-06,Cork\n")
            app.action_rescore()
            await wait_for(pilot, lambda: app.snapshot.generation > first, "the boards of the added export")
            await pilot.pause()
            assert appending and not app.snapshot.full_rows and app.rescoring
            assert bob() == ("2/2", "1/1")
            assert "scoring" in app.query_one("#header").plain
            gate.set()
            await loaded(pilot)
            assert app.snapshot.full_rows
            assert bob() == ("2/2", "1/1")
            ledger = app.snapshot.ledger
            added = ledger[ledger["file"] == "acts_2.csv"]
            assert added["reason"].tolist() == ["same Activity ID as acts.csv:4", ""]
            assert added["counted"].tolist() == [False, True]
    finally:
        gate.set()   # a failed check must not leave the rescore thread waiting
