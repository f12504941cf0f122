"""The app's pure parts: formatting, the settle check, export naming, the watcher's filter, the demo."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from watchdog.events import (
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from spiff_tui.core.rules import load_rules
from spiff_tui.ui import demo
from spiff_tui.ui import format as fmt
from spiff_tui.ui.exporting import export_folder, export_name
from spiff_tui.ui.rescore import Settle, folder_stamps, rescore
from spiff_tui.ui.tv import next_pane
from spiff_tui.ui.watcher import FolderWatcher


def test_points_day_label_and_movement(small):
    rules = load_rules(small.rules)
    assert [fmt.points(v) for v in (24.0, 16.5, 0.25, 0.0)] == ["24", "16.5", "0.25", "0"]
    assert fmt.day_label(rules, dt.date(2026, 4, 1)) == "day 1 of 30"
    assert fmt.day_label(rules, dt.date(2026, 4, 30)) == "day 30 of 30"
    assert fmt.day_label(rules, dt.date(2026, 5, 1)) == "Final"
    assert fmt.day_label(rules, dt.date(2026, 3, 30)) == "starts in 2 days"
    assert fmt.business_days(rules, dt.date(2026, 4, 15)) == (10, 12)
    assert [fmt.movement(p, 3).plain for p in (None, 3, 5, 1)] == ["–", "–", "▲2", "▼2"]


def test_pace_is_at_risk_past_one_and_a_half_times_the_average():
    # 100 done in 10 days is 10 a day.
    assert fmt.pace(500, 500, 0, 10, 5) == fmt.QUALIFIED
    assert fmt.pace(100, 500, 10, 10, 40) == fmt.ON_PACE
    assert fmt.pace(100, 500, 14, 10, 29) == fmt.BEHIND
    assert fmt.pace(100, 500, 16, 10, 25) == fmt.AT_RISK
    assert fmt.pace(100, 500, 0, 10, 0) == fmt.AT_RISK  # no days left and short
    assert fmt.pace(0, 500, 25, 0, 20) == fmt.UNKNOWN  # nothing to average yet
    assert fmt.worst(fmt.QUALIFIED, fmt.BEHIND, fmt.ON_PACE) == fmt.BEHIND


def test_progress_bar_and_stage_breakdown():
    assert fmt.progress_bar(412, 500, 10).plain == "████████░░ 412/500"
    assert fmt.progress_bar(90, 150, 10).plain == "██████░░░░  90/150"
    assert fmt.progress_bar(700, 500, 4).plain == "████ 700/500"
    ranks = {"closed won": 4005, "proposal": 3003, "demo": 2002, "closed lost": 6}
    assert fmt.stage_breakdown([("Demo", 3), ("Closed Won", 2), ("Proposal", 1), ("Verbal", 1)], ranks) == \
        "CW 2 · Prop 1 · Demo 3 · Verb 1"


def test_settle_needs_two_equal_looks_and_stamps_skip_partial_files(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("x")
    (tmp_path / "a.csv").write_text("1")
    (tmp_path / ".a.csv.tmp").write_text("half")
    (tmp_path / "~$b.xlsx").write_text("lock")
    (tmp_path / "notes.txt").write_text("n")
    stamps = folder_stamps(tmp_path, rules)
    assert sorted(Path(name).name for name, _, _ in stamps) == ["a.csv", "rules.toml"]
    settle = Settle()
    assert not settle.observe(stamps)
    assert settle.observe(stamps)
    (tmp_path / "a.csv").write_text("12")
    assert not settle.observe(folder_stamps(tmp_path, rules))
    assert folder_stamps(tmp_path / "gone", rules) == frozenset(s for s in stamps if "rules" in s[0])


def test_exports_never_go_to_the_data_folder(tmp_path, monkeypatch):
    data, elsewhere, home = tmp_path / "data", tmp_path / "work", tmp_path / "home"
    for folder in (data, elsewhere, home):
        folder.mkdir()
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    assert export_folder(elsewhere, data) == elsewhere
    assert export_folder(data, data) == home
    assert export_name("ledger-Ann Lee/../x", dt.datetime(2026, 4, 30, 9, 5, 7)) == \
        "spiff-ledger-ann-lee-x-20260430-090507.csv"


def test_a_rescore_hands_over_the_boards_before_it_scores_the_rows(small):
    """The boards-only outcome comes first, from the same read and stamps, with the same boards."""
    from spiff_tui.core.folder import FolderReader
    from spiff_tui.core.ledger import ScoringMemo

    handed = []
    memo = ScoringMemo()

    def boards_first(outcome):
        # Handed over before the full scoring has put anything in the memo.
        handed.append((outcome, memo.last("boards")))

    outcome = rescore(small.data, small.rules, FolderReader(), None, dt.date(2026, 4, 15), memo,
                      boards_first=boards_first)
    [(boards, memo_then)] = handed
    assert memo_then is None
    assert not boards.snapshot.full_rows and outcome.snapshot.full_rows
    assert boards.stamps == outcome.stamps and boards.rules_error is None
    # Hand-worked in appkit.py: Ann 6, Bob 3, Cy 2, Di 0.
    for result in (boards, outcome):
        reps = result.snapshot.view("reps").set_index("rep")["total_points"]
        assert reps.to_dict() == {"Ann Lee": 6, "Bob Ray": 3, "Cy Dunn": 2, "Di Fox": 0}
    # Nothing to show: no rules, so nothing is handed over.
    small.rules.write_text("[contest\n", encoding="utf-8")
    handed.clear()
    failed = rescore(small.data, small.rules, FolderReader(), None, dt.date(2026, 4, 15), ScoringMemo(),
                     boards_first=boards_first)
    assert failed.snapshot is None and failed.failure and handed == []


def test_tv_cycles_teams_reps_activity():
    assert [next_pane(p) for p in ("teams", "reps", "activity", "data")] == \
        ["reps", "activity", "teams", "teams"]


def test_watcher_filter_takes_writes_renames_deletes_and_ignores_reads(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    watcher = FolderWatcher(data, tmp_path / "rules.toml", lambda: None)
    relevant = watcher.is_relevant
    assert relevant(FileCreatedEvent(str(data / "a.csv")))
    assert relevant(FileModifiedEvent(str(data / "b.XLSX")))
    assert relevant(FileClosedEvent(str(data / "a.csv")))
    assert relevant(FileMovedEvent(str(data / ".a.csv.tmp"), str(data / "a.csv")))
    assert relevant(FileMovedEvent(str(data / "a.csv"), str(tmp_path / "elsewhere.txt")))
    assert relevant(FileModifiedEvent(str(tmp_path / "rules.toml")))
    assert not relevant(FileOpenedEvent(str(data / "a.csv")))
    assert not relevant(FileClosedNoWriteEvent(str(data / "a.csv")))
    assert not relevant(FileCreatedEvent(str(data / ".a.csv.tmp")))
    assert not relevant(FileCreatedEvent(str(data / "~$a.xlsx")))
    assert not relevant(FileCreatedEvent(str(data / "a.csv.crdownload")))
    assert not relevant(FileCreatedEvent(str(data / "notes.txt")))
    assert not relevant(FileCreatedEvent(str(data / "sub" / "a.csv")))
    assert not relevant(FileModifiedEvent(str(tmp_path / "other.toml")))


def _wait(event: threading.Event, seconds: float) -> bool:
    return event.wait(seconds)


def test_real_observer_reports_a_drop_but_not_our_reads(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x,y\n1,2\n")
    changed = threading.Event()
    watcher = FolderWatcher(data, tmp_path / "rules.toml", changed.set)
    assert watcher.start() == "events"
    try:
        (data / "a.csv").read_bytes()
        with open(data / "a.csv", encoding="utf-8") as handle:
            handle.read()
        assert not _wait(changed, 0.5)
        temporary = data / ".b.csv.tmp"
        temporary.write_text("x,y\n3,4\n")
        assert not _wait(changed, 0.3)  # the partial file is not an export
        temporary.replace(data / "b.csv")
        assert _wait(changed, 5.0)
    finally:
        watcher.stop()
    assert not watcher.is_alive()


def test_watcher_falls_back_to_polling_and_restarts(tmp_path):
    def refuse():
        raise OSError(28, "inotify watch limit reached")

    changed = threading.Event()
    watcher = FolderWatcher(tmp_path, tmp_path / "rules.toml", changed.set, observer_factory=refuse)
    assert watcher.start() == "polling"
    try:
        assert watcher.is_alive()
        watcher._observer.stop()
        watcher._observer.join(2)
        assert not watcher.is_alive()
        watcher.restart()
        assert watcher.is_alive()
        (tmp_path / "new.csv").write_text("a\n")
        assert _wait(changed, 5.0)
    finally:
        watcher.stop()


def test_demo_drops_files_atomically_in_a_sensible_order(tmp_path):
    sample = demo.sample_folder()
    if not sample.is_dir():
        pytest.skip("no sample_data beside the package")
    files = demo.arrival_order(sample)
    assert files[0].name == "accounts.csv"
    target = tmp_path / "exports"
    target.mkdir()
    demo.drop(files[0], target)
    assert [p.name for p in target.iterdir()] == ["accounts.csv"]
    assert (target / "accounts.csv").read_bytes() == files[0].read_bytes()
    stop = threading.Event()
    demo.feed(files[1:], target, 0.0, stop)
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in files)


def test_demo_without_sample_data_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(demo, "sample_folder", lambda: tmp_path / "sample_data")
    assert demo.run_demo(0.1) == 2
    err = capsys.readouterr().err
    assert "sample_data" in err and len(err.strip().splitlines()) == 1


def test_a_reps_drilldown_lists_opportunities_by_kind_then_activities_each_in_file_order(tmp_path):
    from contest import ACTS_HEADER, OPPS_HEADER, act, csv_text, make_contest, opp, score_dir, write

    from spiff_tui.ui.ledger_rows import FIELDS, rep_ledger

    folder = make_contest(tmp_path)
    write(folder, "a_activities.csv", csv_text(ACTS_HEADER, [
        act("x1", "Ava Patel", "Call"), act("x2", "Ben Ortiz", "Call"),
        act("x3", "Ava Patel", "Email", date="3/1/2026")]))
    write(folder, "b_opportunities.csv", csv_text(OPPS_HEADER, [
        opp("u1", "Zed Zed", "Closed Won", type_="Upsell", ae="Ava Patel", amount="9000"),
        opp("n1", "Ava Patel", "Demo"), opp("n2", "Ben Ortiz", "Demo")]))
    write(folder, "c_opportunities.csv", csv_text(OPPS_HEADER, [
        opp("n3", "Ava Patel", "Closed Won"),
        opp("u2", "Zed Zed", "Demo", type_="Upsell", ae="Ava Patel", amount="100")]))
    snapshot = score_dir(folder)
    frame = rep_ledger(snapshot.ledger_parts_of("Ava Patel", FIELDS))
    assert list(zip(frame["show_kind"], frame["stage_or_type"], frame["show_points"], frame["show_counted"],
                    frame["show_where"])) == [
        ("new biz", "Demo", "2", "✓", "b_opportunities.csv:3"),
        ("new biz", "Closed Won", "4", "✓", "c_opportunities.csv:2"),
        ("upsell", "Closed Won", "3", "✓", "b_opportunities.csv:2"),
        ("upsell", "Demo", "0", "✗", "c_opportunities.csv:3"),
        ("activity", "Call", "0", "✓", "a_activities.csv:2"),
        ("activity", "Email", "0", "✗", "a_activities.csv:4"),
    ]
    # The reasons are the whole ledger's, row for row.
    ledger = snapshot.view("ledger")
    reasons = {f"{f}:{line}": reason for f, line, reason, rep in
               zip(ledger["file"], ledger["line"], ledger["reason"], ledger["rep"]) if rep == "Ava Patel"}
    assert dict(zip(frame["show_where"], frame["reason"])) == reasons
    assert "not over 5,000" in reasons["c_opportunities.csv:3"]


def test_the_app_and_its_watcher_start_without_loading_pandas(tmp_path):
    """The first frame and the watcher come before the engine: pandas loads on the rescore thread."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from spiff_tui.ui.app import SpiffApp; "
            "from spiff_tui.ui.watcher import FolderWatcher; "
            "w = FolderWatcher(Path(sys.argv[1]), Path(sys.argv[1]) / 'rules.toml', lambda: None); "
            "w.start(); w.stop(); assert 'pandas' not in sys.modules, 'pandas was loaded'")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_the_reader_counts_the_files_it_reads_for_the_board(tmp_path, workers):
    from contest import ACTS_HEADER, act, csv_text, make_contest, opp, write

    from spiff_tui.core.folder import FolderReader

    folder = make_contest(tmp_path, opps=[opp("1", "Ava Patel", "Demo")])
    write(folder, "activities.csv", csv_text(ACTS_HEADER, [act("a", "Ava Patel", "Call")]))
    rules = load_rules(folder / "rules.toml")
    reader, seen = FolderReader(workers=workers), []
    reader.read(folder, rules, lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]   # accounts, activities, opportunities
    (folder / "activities.csv").write_text(csv_text(ACTS_HEADER, [act("b", "Ava Patel", "Call")]))
    seen.clear()
    reader.read(folder, rules, lambda done, total: seen.append((done, total)))
    assert seen == [(1, 1)]   # only the changed file is read again


async def test_the_header_says_how_far_a_read_has_got():
    from textual.app import App

    from spiff_tui.ui.widgets.header import BoardHeader

    class Host(App):
        def compose(self):
            yield BoardHeader()

    async with Host().run_test() as pilot:
        header = pilot.app.query_one(BoardHeader)
        _shows_progress(header)


def _shows_progress(header) -> None:
    header.show(None, busy=True, progress=(1, 3))
    assert header.plain == "spiff-tui · reading export 2 of 3…"
    header.show(None, busy=True, progress=(3, 3))
    assert header.plain == "spiff-tui · scoring 3 exports…"
    header.show(None, busy=True)
    assert header.plain == "spiff-tui · reading exports… · rescoring…"
