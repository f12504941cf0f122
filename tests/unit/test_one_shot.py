"""One-shot scoring (check, export): files spread over threads and rows freed once scored must not
change a single ledger row."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from contest import view_texts

import spiff_tui.core.ledger as ledger_module
from spiff_tui.core.folder import FolderReader
from spiff_tui.core.ledger import score_export
from spiff_tui.core.rules import load_rules
from spiff_tui.core.scoring import BOARD_COLUMNS
from spiff_tui.core.snapshot import score_folder

REPO = Path(__file__).parents[2]
SAMPLE = REPO / "sample_data"
AS_OF = dt.date(2026, 4, 20)


@pytest.mark.parametrize("workers", [1, 2])
def test_scoring_for_the_boards_only_gives_the_same_boards_and_counts(tmp_path, workers):
    """export of a board and check build no row's reason, account or id: the boards, and check's
    text (its counts of rows counted), must be what the full ledger gives. The sample has replaced
    opportunity rows, repeated activities, rows off the roster, off target and out of the contest;
    a second activities export repeats some of its rows again, one without an id."""
    from spiff_tui.core.report import check_text

    folder = tmp_path / "data"
    folder.mkdir()
    for path in SAMPLE.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    first = sorted(folder.glob("activities*"))[0].read_text(encoding="utf-8-sig").splitlines()
    # Sorting before the others, so that every activities export is joined anew.
    lines = first[:40] + ['"","Ava Patel","Call","x","4/14/2026","",""']
    (folder / "activities_00.csv").write_text("\n".join(lines) + "\n")
    rules = load_rules(SAMPLE.parent / "rules.toml")
    full = score_folder(folder, rules, AS_OF, workers=workers)
    boards = score_folder(folder, rules, AS_OF, workers=workers, full_rows=False)
    assert all(list(part.columns) == BOARD_COLUMNS for part in boards.ledger_parts)
    assert "reason" in full.ledger_parts[1]
    assert (~full.ledger["counted"]).sum() > 100
    for view in ("reps", "activity", "teams", "stages"):
        pd.testing.assert_frame_equal(view_texts(boards, view), view_texts(full, view))
    assert check_text(boards) == check_text(full)


@pytest.mark.parametrize("workers", [1, 2])
def test_boards_first_then_every_row_gives_what_one_scoring_gives(tmp_path, workers, monkeypatch):
    """The live board's first rescore hands over the boards, then builds each file's full part from
    the work done for them: the boards and the ledger must be those of a scoring in one go, also
    when the memo already holds some files' parts (they are not scored again)."""
    from spiff_tui.core.ledger import ScoringMemo
    from spiff_tui.core.snapshot import score

    monkeypatch.setattr(ledger_module, "BOARDS_FIRST_FROM", 0)   # the sample's rows as if they were many
    folder = tmp_path / "data"
    folder.mkdir()
    for path in SAMPLE.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    rules = load_rules(SAMPLE.parent / "rules.toml")
    memo = ScoringMemo(workers)
    reader = FolderReader()
    score(rules, reader.read(folder, rules), AS_OF, memo)   # the sample's parts, memoised
    first = sorted(folder.glob("activities*"))[0].read_text(encoding="utf-8-sig").splitlines()
    # Sorting before the others, so that every activities export is joined anew.
    lines = first[:40] + ['"","Ava Patel","Call","x","4/14/2026","",""']
    (folder / "activities_00.csv").write_text("\n".join(lines) + "\n")
    opportunities = (folder / "opportunities_2026-04-30.csv").read_text(encoding="utf-8-sig").splitlines()
    (folder / "opportunities_zz.csv").write_text("\n".join(opportunities[:30]) + "\n")
    scored_anew = []

    def scored_again(*args):
        scored_anew.append(args)
        return score_export(*args)

    monkeypatch.setattr(ledger_module, "score_export", scored_again)
    marked_again = []
    for mark in ("mark_superseded", "mark_duplicates"):
        monkeypatch.setattr(ledger_module, mark, lambda part, mark=getattr(ledger_module, mark):
                            marked_again.append(part) or mark(part))
    for memo_now in (memo, ScoringMemo(workers)):
        handed = []
        staged = score(rules, reader.read(folder, rules), AS_OF, memo_now, boards_first=handed.append)
        # Each file's full part was built from the work done for the boards, or taken from the memo;
        # the rules that cross files marked the rows once, for the boards.
        assert scored_anew == [] and marked_again == []
        with monkeypatch.context() as unpatched:
            unpatched.setattr(ledger_module, "score_export", score_export)
            whole = score_folder(folder, rules, AS_OF)
        marked_again.clear()
        [boards] = handed
        assert not boards.full_rows and staged.full_rows
        assert all(set(part.columns) <= set(BOARD_COLUMNS) for part in boards.ledger_parts)
        assert (~whole.ledger["counted"]).sum() > 100 and whole.ledger["reason"].str.startswith("same ").any()
        for view in ("reps", "activity", "teams", "stages"):
            pd.testing.assert_frame_equal(view_texts(boards, view), view_texts(whole, view))
            pd.testing.assert_frame_equal(view_texts(staged, view), view_texts(whole, view))
        pd.testing.assert_frame_equal(view_texts(staged, "ledger"), view_texts(whole, "ledger"))


@pytest.mark.parametrize("big_from", [0, None])
def test_a_rescore_hands_over_the_boards_first_only_where_a_big_join_is_made_anew(
        tmp_path, monkeypatch, big_from):
    """The live board's rescores: the boards alone come first when a big join is made anew — of the
    activities (one changed, new rules; an export sorting before the others, whose boards come from
    the last join's marks), or of either kind while the other's is kept (an opportunities export
    new or gone, an activities export added after the others), whose rows that stopped counting are
    then named after the boards are out; not when nothing is new. Either way the boards and the rows are those of a scoring in one go.
    The sample's rows are too few to be big, unless big starts at 0."""
    from spiff_tui.core.ledger import ScoringMemo
    from spiff_tui.core.snapshot import score

    if big_from is not None:
        monkeypatch.setattr(ledger_module, "BOARDS_FIRST_FROM", big_from)
        monkeypatch.setattr(ledger_module, "OPPORTUNITY_BOARDS_FIRST_FROM", big_from)
    anew = 1 if big_from is not None else 0

    folder = tmp_path / "data"
    folder.mkdir()
    for path in SAMPLE.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    rules_path = tmp_path / "rules.toml"
    rules_path.write_text((SAMPLE.parent / "rules.toml").read_text(encoding="utf-8"), encoding="utf-8")
    reader, memo = FolderReader(keep_last_good=True), ScoringMemo()
    activities = sorted(folder.glob("activities*"))[0].read_text(encoding="utf-8-sig").splitlines()
    opportunities = (folder / "opportunities_2026-04-30.csv").read_text(encoding="utf-8-sig").splitlines()

    def rescored(change) -> int:
        change()
        rules = load_rules(rules_path)
        handed = []
        snapshot = score(rules, reader.read(folder, rules), AS_OF, memo, handed.append)
        memo.finish_later()
        whole = score_folder(folder, rules, AS_OF)
        assert all(not boards.full_rows and [list(part.columns) for part in boards.ledger_parts] == [BOARD_COLUMNS] * 2
                   for boards in handed)
        for view in ("reps", "activity", "teams", "stages"):
            pd.testing.assert_frame_equal(view_texts(snapshot, view), view_texts(whole, view))
            for boards in handed:
                pd.testing.assert_frame_equal(view_texts(boards, view), view_texts(whole, view))
        pd.testing.assert_frame_equal(view_texts(snapshot, "ledger"), view_texts(whole, "ledger"))
        return len(handed)

    def write(name: str, lines: list[str]) -> None:
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert rescored(lambda: None) == 1   # the first scoring
    assert rescored(lambda: None) == 0   # nothing new
    # Newer rows of opportunities already scored: the boards must count the older ones no more.
    assert rescored(lambda: write("opportunities_zz.csv", opportunities[:30])) == anew
    # Added after the others; April's rows, each repeating a counted one: the boards must count none.
    assert rescored(lambda: write("activities_zz.csv", activities[:1] + activities[200:260])) == anew
    assert rescored(lambda: write("activities_00.csv", activities[:1] + activities[40:90])) == anew
    assert rescored(lambda: write("activities_zz.csv", activities[:1] + activities[30:70])) == anew
    assert rescored(lambda: rules_path.write_text(
        rules_path.read_text(encoding="utf-8").replace("min_calls", "min_calls = 1\n# was: min_calls", 1),
        encoding="utf-8")) == anew
    assert rescored(lambda: (folder / "opportunities_zz.csv").unlink()) == anew


def test_two_threads_give_the_same_ledger_as_one():
    rules = load_rules(SAMPLE.parent / "rules.toml")
    one = score_folder(SAMPLE, rules, AS_OF, workers=1)
    two = score_folder(SAMPLE, rules, AS_OF, workers=2)
    assert len(one.ledger) > 100
    pd.testing.assert_frame_equal(view_texts(one, "ledger"), view_texts(two, "ledger"))
    for view in ("reps", "activity", "teams", "stages"):
        pd.testing.assert_frame_equal(one.view(view), two.view(view))
    assert [str(p) for p in one.problems] == [str(p) for p in two.problems]


def test_one_shot_keeps_each_files_row_count_but_not_its_rows():
    rules = load_rules(SAMPLE.parent / "rules.toml")
    kept = FolderReader().read(SAMPLE, rules)
    snapshot = score_folder(SAMPLE, rules, AS_OF, workers=2)
    scored = {f.name: f for f in snapshot.files}
    for result in kept:
        assert scored[result.name].rows_used == result.rows_used
        if result.frame is not None:
            assert scored[result.name].frame.shape[1] == 0
    assert sum(f.rows_used for f in kept) > 100


def test_a_callers_reader_keeps_its_rows():
    """The live board passes its own reader: the files it caches must keep their rows."""
    rules = load_rules(SAMPLE.parent / "rules.toml")
    reader = FolderReader()
    snapshot = score_folder(SAMPLE, rules, AS_OF, reader)
    assert all(f.frame is None or f.frame.shape[1] > 0 for f in snapshot.files)
    assert all(f.frame is None or f.frame.shape[1] > 0 for f in reader.read(SAMPLE, rules))


@pytest.mark.parametrize(("chosen", "expected"), [({}, "system False"),
                                                  ({"ARROW_DEFAULT_MEMORY_POOL": "mimalloc",
                                                    "NUMPY_MADVISE_HUGEPAGE": "1"}, "mimalloc True")])
def test_reading_tunes_arrows_and_numpys_allocation_unless_the_user_chose(chosen, expected):
    # In a fresh process: the choice is made once, at the first read. Arrow goes on the C library's
    # malloc; numpy stops asking for huge pages (its own default is to ask, where the system has them).
    env = {k: v for k, v in os.environ.items() if k not in ("ARROW_DEFAULT_MEMORY_POOL", "NUMPY_MADVISE_HUGEPAGE")}
    script = ("from pathlib import Path; import pyarrow as pa; from numpy._core import multiarray; "
              "from spiff_tui.core.reader import read_export; from spiff_tui.core.rules import load_rules; "
              f"read_export(Path({str(REPO / 'sample_data' / 'accounts.csv')!r}), load_rules(Path({str(REPO / 'rules.toml')!r}))); "
              "print(pa.default_memory_pool().backend_name, multiarray._get_madvise_hugepage())")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env | chosen, check=True)
    assert done.stdout.strip() == expected
