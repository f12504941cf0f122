"""Live: the real watcher on a copy of the sample, broken files, rules edits, coalescing, flashes."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from appkit import Contest, loaded, make_app, rescored, wait_for

from spiff_tui.ui.app import SpiffApp
from spiff_tui.ui.live import default_watcher
from spiff_tui.ui.messages import FolderChanged

REPO = Path(__file__).parents[2]

# One more New Business opportunity for Noah Fischer, created in April, Closed Won, on Summit Health —
# an account he owns with Target Account = "Yes" in sample_data/accounts.csv. Closed Won is worth 4.
NOAH_WINS = (
    '"Opportunity ID","Opportunity Name","Account ID","Account Name","Opportunity Owner",'
    '"Account Executive","Type","Stage","Amount","Created Date","Close Date"\r\n'
    '"006TEST0000NOAH1","Summit Health - New Business","001Ao00000v2DzXIAU","Summit Health",'
    '"Noah Fischer","","New Business","Closed Won","$10,000.00","4/20/2026","4/29/2026"\r\n'
)


def notes_of(app: SpiffApp) -> list[str]:
    notes: list[str] = []
    original = app.notify

    def record(message, **options):
        notes.append(message)
        original(message, **options)

    app.notify = record
    return notes


async def test_real_watcher_rescores_the_sample_when_an_export_is_dropped(tmp_path):
    data = tmp_path / "exports"
    shutil.copytree(REPO / "sample_data", data)
    shutil.copyfile(REPO / "rules.toml", tmp_path / "rules.toml")
    app = SpiffApp(data, tmp_path / "rules.toml", dt.date(2026, 4, 30), watcher_factory=default_watcher)
    notes = notes_of(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        assert app.watcher is not None and app.watcher.is_alive()
        reps = app.table("reps-table")
        # The sample as worked out in tests/data/sample_expected.json: Noah last with 9.
        assert reps.cell_text("Noah Fischer", "total") == "9"
        assert reps.cell_text("Noah Fischer", "rank") == "14"
        generation = app.snapshot.generation
        Contest(data, tmp_path / "rules.toml").write("opportunities_2026-05-01.csv", NOAH_WINS)
        await rescored(pilot, generation, "the board after the drop")
        # 9 + 4 = 13 ties Hiro Tanaka and Jonas Weber; ten reps have more, so rank 11, up 3.
        assert reps.cell_text("Noah Fischer", "total") == "13"
        assert reps.cell_text("Noah Fischer", "rank") == "11"
        assert reps.cell_text("Noah Fischer", "move") == "▲3"
        assert reps.cell_text("Isla Murphy", "move") == "▼1"  # 12 points: now below the three 13s
        assert any("Noah Fischer closed Summit Health (+4 points)" in n for n in notes)
        assert "6 files" in app.query_one("#header").plain


async def test_broken_files_keep_the_last_good_board_and_show_the_problem(small):
    app = make_app(small, watcher_factory=default_watcher)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        reps = app.table("reps-table")
        before = [reps.cell_text(k, "total") for k in reps.visible_keys()]
        assert before == ["6", "3", "2", "0"]

        generation = app.snapshot.generation
        small.write("junk.csv", "\x00\x01\x02garbage\x00" * 20)
        await rescored(pilot, generation, "the rescore after the garbage file")
        assert [reps.cell_text(k, "total") for k in reps.visible_keys()] == before
        assert "1 problem" in app.query_one("#header").plain
        problems = app.table("problems-table")
        assert "junk.csv" in problems.column_texts("where")

        generation = app.snapshot.generation
        good = (small.data / "opps.csv").read_text()
        (small.data / "opps.csv").write_text(good[:150])  # cut off in the middle of row 2
        await rescored(pilot, generation, "the rescore after the truncated rewrite")
        assert [reps.cell_text(k, "total") for k in reps.visible_keys()] == before
        assert "2 problems" in app.query_one("#header").plain
        messages = problems.column_texts("message")
        assert any("last good version is scored" in m for m in messages)

        generation = app.snapshot.generation
        (small.data / "opps.csv").write_text(good.replace("Closed Lost", "Demo"))  # fixed, and Di +2
        (small.data / "junk.csv").unlink()
        await wait_for(pilot, lambda: reps.cell_text("Di Fox", "total") == "2" and not app.rescoring,
                       "the fixed file to score")
        assert "0 problems" in app.query_one("#header").plain


async def test_an_invalid_rules_edit_keeps_the_old_rules_and_a_fixed_one_applies(small):
    app = make_app(small, watcher_factory=default_watcher)
    notes = notes_of(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        good = small.rules.read_text()
        generation = app.snapshot.generation
        small.rules.write_text(good.replace("end = 2026-04-30", "end = 2026-03-01"))
        await rescored(pilot, generation, "the rescore with invalid rules")
        assert app.rules_error is not None and "end" in app.rules_error
        header = app.query_one("#header").plain
        assert "1 problem" in header and "the previous rules are kept" in header
        assert app.table("reps-table").cell_text("Ann Lee", "total") == "6"
        assert "rules.toml" in app.table("problems-table").column_texts("where")
        assert any("before start" in n for n in notes)

        generation = app.snapshot.generation
        small.rules.write_text(good.replace('"Demo" = 2', '"Demo" = 5'))
        await rescored(pilot, generation, "the rescore with fixed rules")
        assert app.rules_error is None
        # Ann: Closed Won 4 + Demo 5 = 9; Cy: Demo 5.
        assert app.table("reps-table").cell_text("Ann Lee", "total") == "9"
        assert app.table("reps-table").cell_text("Cy Dunn", "total") == "5"
        assert "0 problems" in app.query_one("#header").plain


async def test_a_rescore_moves_ranks_flashes_changes_keeps_the_cursor_and_announces_closed_won(small):
    app = make_app(small)
    notes = notes_of(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        reps = app.table("reps-table")
        await pilot.press("down")  # Bob Ray
        generation = app.snapshot.generation
        small.write("opps.csv", (small.data / "opps.csv").read_text().replace("Closed Lost", "Closed Won"))
        await pilot.press("r")
        await rescored(pilot, generation)
        # Di's deal now scores 4: Ann 6, Di 4, Bob 3, Cy 2.
        assert reps.visible_keys() == ["Ann Lee", "Di Fox", "Bob Ray", "Cy Dunn"]
        assert reps.column_texts("move") == ["–", "▲2", "▼1", "▼1"]
        assert reps.selected_key == "Bob Ray"
        assert "reverse" in str(reps._shown["Di Fox"][6].style) or any(
            "reverse" in str(span.style) for span in reps._shown["Di Fox"][6].spans)
        assert not any("reverse" in str(s.style) for s in reps._shown["Ann Lee"][6].spans)
        assert notes == ["Di Fox closed Echo (+4 points)"]
        # An unchanged rescore keeps the arrows: they show the last change, not nothing.
        generation = app.snapshot.generation
        await pilot.press("r")
        await rescored(pilot, generation)
        assert reps.column_texts("move") == ["–", "▲2", "▼1", "▼1"]
        assert len(notes) == 1


async def test_a_rescore_that_joins_the_activities_anew_shows_the_boards_first_and_still_announces(
        small, monkeypatch):
    import spiff_tui.core.ledger as ledger_module
    import spiff_tui.core.snapshot as snapshot_module

    monkeypatch.setattr(ledger_module, "BOARDS_FIRST_FROM", 0)   # as if its few rows were a million
    boards_shown = []   # each boards-alone snapshot handed over before its rows
    real_score = snapshot_module.score

    def score(rules, files, as_of, memo=None, boards_first=None):
        return real_score(rules, files, as_of, memo,
                          boards_first and (lambda boards: boards_shown.append(boards) or boards_first(boards)))

    monkeypatch.setattr(snapshot_module, "score", score)
    app = make_app(small)
    notes = notes_of(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        assert len(boards_shown) == 1   # the first start
        reps = app.table("reps-table")
        opportunities = (small.data / "opps.csv").read_text()
        # Di's deal won and a new email of Bob's, at once: the boards come first, then the rows.
        small.write("opps.csv", opportunities.replace("Closed Lost", "Closed Won"))
        small.write("acts.csv", (small.data / "acts.csv").read_text() + "A7,Bob Ray,Email,2026-04-05,Cork\n")
        generation = app.snapshot.generation
        await pilot.press("r")
        await rescored(pilot, generation)
        assert len(boards_shown) == 2 and app.snapshot.full_rows
        assert reps.visible_keys() == ["Ann Lee", "Di Fox", "Bob Ray", "Cy Dunn"]
        assert reps.column_texts("move") == ["–", "▲2", "▼1", "▼1"]
        # Announced against the last board with rows behind it, not the boards alone just shown.
        assert notes == ["Di Fox closed Echo (+4 points)"]
        # New opportunities alone, or nothing new: the memo's activities stand, the boards come in one go.
        small.write("opps.csv", opportunities)
        for _ in range(2):
            generation = app.snapshot.generation
            await pilot.press("r")
            await rescored(pilot, generation)
        assert len(boards_shown) == 2
        assert reps.visible_keys()[:2] == ["Ann Lee", "Bob Ray"] and len(notes) == 1


async def test_a_burst_of_change_hints_rescores_once(small):
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        requests, generation = app._requests, app.snapshot.generation
        small.write("opps.csv", (small.data / "opps.csv").read_text().replace("Demo", "Proposal"))
        for _ in range(50):
            app.post_message(FolderChanged())
        await rescored(pilot, generation)
        assert app._requests == requests + 1
        assert app.table("reps-table").cell_text("Cy Dunn", "total") == "3"


async def test_the_rescan_timer_catches_changes_without_a_watcher(small):
    app = make_app(small, rescan_seconds=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        generation = app.snapshot.generation
        (small.data / "acts.csv").unlink()
        await rescored(pilot, generation, "the rescan")
        assert app.table("activity-table").column_texts("qualified") == ["✗", "✗", "✗", "✗"]


async def test_a_scoring_failure_keeps_the_board_and_says_so(small, monkeypatch):
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        import spiff_tui.core.snapshot as snapshot_module

        def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(snapshot_module, "score", broken)
        requests = app._requests
        await pilot.press("r")
        await wait_for(pilot, lambda: app._requests > requests and not app.rescoring and app.failure,
                       "the failure")
        assert "boom" in app.failure
        assert "the last good scores are kept" in app.query_one("#header").plain
        assert app.table("reps-table").cell_text("Ann Lee", "total") == "6"


async def test_what_lives_forever_is_left_out_of_collections_but_no_scored_rows(small):
    import gc

    app = make_app(small)
    gc.disable()   # as the command line starts every process
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await loaded(pilot)
            assert gc.isenabled()   # collecting again once the start is over
            assert gc.get_freeze_count() > 10_000   # the modules, classes and widgets loaded at start
            # gc.get_objects() lists the collected generations only: the ledger is among them.
            tracked = {id(o) for o in gc.get_objects()}
            assert all(id(part) in tracked for part in app.snapshot.ledger_parts)
    finally:
        gc.enable()
    assert gc.get_freeze_count() == 0

