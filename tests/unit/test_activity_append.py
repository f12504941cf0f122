"""A new activities export that sorts after the others is checked against them alone, and the
live board's ledger then reads exactly as a cold scoring of the whole folder does."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from contest import ACTS_HEADER, act, csv_text, make_contest, score_dir, view_texts, write
from hypothesis import given, settings
from hypothesis import strategies as st

import spiff_tui.core.activity_append as activity_append
import spiff_tui.core.ledger as ledger_module
from spiff_tui.core.dedupe import (
    MAX_PADDED_WIDTH,
    _padded_words,
    distinct_by_number,
    folded,
    padded_key_words,
)
from spiff_tui.core.folder import FolderReader
from spiff_tui.core.labels import concat_frames
from spiff_tui.core.ledger import ScoringMemo
from spiff_tui.core.rules import load_rules
from spiff_tui.core.snapshot import score, score_folder

AS_OF = dt.date(2026, 4, 15)
# Salesforce's 18-character ids, HubSpot's numeric ones, one too wide to hash (the full join takes
# it) and none at all (a row told by its cells, which counts once across files).
SALESFORCE = ["00TDn0000000001MAA", "00TDn0000000002MAA", "00TDn0000000003MAB"]
HUBSPOT = ["7", "42", "123456789012"]
TOO_WIDE, NO_ID = "X" * (MAX_PADDED_WIDTH + 1), ""


def marks_by_hand(exports: list[list[str]]) -> dict[tuple[str, int], str]:
    """Per (file, line) the reason of a repeated row ('' for a row that counts): an id counts at its
    first row in file and line order; a row without one is repeated only by a row in a later file."""
    first: dict[str, tuple[int, str, int]] = {}
    marks = {}
    for number, ids in enumerate(exports):
        name = f"activities_{number}.csv"
        for line, id_ in enumerate(ids, start=2):
            seen = first.setdefault(id_, (number, name, line))
            repeated = seen[0] != number if id_ == NO_ID else seen[1:] != (name, line)
            wording = "same activity as " if id_ == NO_ID else "same Activity ID as "
            marks[(name, line)] = f"{wording}{seen[1]}:{seen[2]}" if repeated else ""
    return marks


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(SALESFORCE + HUBSPOT + [TOO_WIDE, NO_ID]), min_size=1, max_size=6),
                min_size=2, max_size=4))
def test_each_added_export_is_marked_as_by_hand_and_as_a_cold_scoring(exports):
    looked_up = []
    original, big_from = ledger_module.repeats, ledger_module.BOARDS_FIRST_FROM
    ledger_module.repeats = lambda *args: looked_up.append(original(*args)) or looked_up[-1]
    # As the live board rescores a big folder: the boards of an added export come before its rows.
    ledger_module.BOARDS_FIRST_FROM = 0
    steps = []
    try:
        with tempfile.TemporaryDirectory() as temporary:
            folder = make_contest(Path(temporary))
            rules = load_rules(folder / "rules.toml")
            reader, memo = FolderReader(keep_last_good=True), ScoringMemo()
            for number, ids in enumerate(exports):
                write(folder, f"activities_{number}.csv",
                      csv_text(ACTS_HEADER, [act(id_, "Ava Patel", "Call") for id_ in ids]))
                before, handed = len(looked_up), []
                live = score(rules, reader.read(folder, rules), AS_OF, memo, boards_first=handed.append)
                memo.finish_later()
                steps.append("joined again" if len(looked_up) == before else
                             "added" if looked_up[-1] is not None else "gave up")
                ledger = live.ledger
                expected = marks_by_hand(exports[:number + 1])
                keys = list(zip(ledger["file"], ledger["line"]))
                assert dict(zip(keys, ledger["reason"])) == expected
                assert ledger["counted"].tolist() == [not expected[key] for key in keys]
                cold = score_dir(folder, AS_OF)
                for view in ("ledger", "activity", "teams"):
                    pd.testing.assert_frame_equal(view_texts(live, view), view_texts(cold, view))
                for boards in handed:
                    for view in ("reps", "activity", "teams", "stages"):
                        pd.testing.assert_frame_equal(view_texts(boards, view), view_texts(cold, view))
                # The first scoring hands its boards over, and so does every export added.
                assert len(handed) == (1 if number == 0 or steps[-1] == "added" else 0)
    finally:
        ledger_module.repeats, ledger_module.BOARDS_FIRST_FROM = original, big_from
    # An export is added to the last join when every earlier row has an id that hashes; the adding
    # gives up when one of its own rows has not.
    hashes = [all(id_ not in (TOO_WIDE, NO_ID) for id_ in ids) for ids in exports]
    assert steps == ["joined again"] + ["joined again" if not all(hashes[:n]) else "added" if hashes[n] else "gave up"
                                        for n in range(1, len(exports))]


def test_an_export_that_sorts_first_or_a_removed_one_joins_every_export_again(tmp_path):
    folder = make_contest(tmp_path)
    rules = load_rules(folder / "rules.toml")
    reader, memo = FolderReader(keep_last_good=True), ScoringMemo()
    write(folder, "b.csv", csv_text(ACTS_HEADER, [act("a1", "Ava Patel", "Call")]))
    score_folder(folder, rules, AS_OF, reader, memo)
    write(folder, "a.csv", csv_text(ACTS_HEADER, [act("a1", "Ava Patel", "Call")]))
    snapshot = score_folder(folder, rules, AS_OF, reader, memo)
    assert dict(zip(snapshot.ledger["file"], snapshot.ledger["reason"])) == {"a.csv": "", "b.csv": "same Activity ID as a.csv:2"}
    (folder / "a.csv").unlink()
    snapshot = score_folder(folder, rules, AS_OF, reader, memo)
    assert snapshot.ledger["reason"].tolist() == [""] and snapshot.ledger["counted"].tolist() == [True]


def test_the_id_index_is_made_once_the_result_is_out_and_the_next_export_uses_it(tmp_path, monkeypatch):
    folder = make_contest(tmp_path)
    rules = load_rules(folder / "rules.toml")
    reader, memo = FolderReader(keep_last_good=True), ScoringMemo()
    made = []
    monkeypatch.setattr(ledger_module, "seen_ids", lambda parts: made.append(parts) or activity_append.seen_ids(parts))
    write(folder, "a.csv", csv_text(ACTS_HEADER, [act("a1", "Ava Patel", "Call")]))
    score_folder(folder, rules, AS_OF, reader, memo)
    # The full join leaves the index for later: the rescore's result did not wait for it.
    assert made == [] and memo.last("activity_ids") is None
    memo.finish_later()
    assert len(made) == 1 and memo.last("activity_ids") is not None
    write(folder, "b.csv", csv_text(ACTS_HEADER, [act("a1", "Ava Patel", "Call")]))
    appended = []
    monkeypatch.setattr(ledger_module, "append", lambda *args: appended.append(args) or activity_append.append(*args))
    second = score_folder(folder, rules, AS_OF, reader, memo)
    # The added export was checked against the index made earlier, not a new one.
    assert len(appended) == 1 and len(made) == 1
    assert second.ledger["reason"].tolist() == ["", "same Activity ID as a.csv:2"]


def test_ids_sharing_a_hash_are_left_to_the_full_join(tmp_path, monkeypatch):
    # Every id hashes alike: the lookup finds another id's row, sees the bytes differ, and gives up.
    monkeypatch.setattr(activity_append, "folded", lambda words: np.zeros(len(words[0]), dtype=np.uint64))
    seen = activity_append.seen_ids((part(["00TDn0000000001MAA"]),))
    assert seen is not None   # one id: nothing to clash with
    assert activity_append.repeats(seen, part(["00TDn0000000002MAA"])) is None
    assert activity_append.seen_ids((part(["00TDn0000000001MAA", "00TDn0000000002MAA"]),)) is None


def test_an_added_export_finds_ids_of_every_earlier_export_and_its_own(tmp_path):
    earlier = (part(["A1", "B22", "A1"]), part(["C333"], file="g.csv"))
    last = concat_frames(list(earlier))   # as the last join left it (its own marks do not matter here)
    seen = activity_append.seen_ids(earlier)
    added = part(["C333", "D4", "D4", "A1"], file="late.csv")
    found = activity_append.repeats(seen, added)
    # Rows 0-3 are the earlier ones; the added rows repeat C333 (row 3), D4 (their own row 5) and A1 (row 0).
    assert found.first.tolist() == [3, 5, 5, 0] and found.repeated.tolist() == [True, False, True, True]
    # What the boards read of the added rows, before any reason is written: only D4's first row counts.
    board = activity_append.board_rows(added, found)
    assert board["counted"].tolist() == board["is_call"].tolist() == [False, True, False, False]
    assert added["counted"].all()   # the added part itself is left as it was
    joined, ids_later = activity_append.append(last, seen, added, found)
    ids = ids_later()
    assert joined["counted"].tolist() == [True, True, True, True, False, True, False, False]
    assert joined["is_call"].tolist() == joined["counted"].tolist()
    assert joined["reason"].tolist()[4:] == ["same Activity ID as g.csv:2", "", "same Activity ID as late.csv:3",
                                            "same Activity ID as f.csv:2"]
    assert ids.rows == 8 and sorted(ids.first_rows.tolist()) == [0, 1, 3, 5]
    assert np.all(ids.hashes[1:] > ids.hashes[:-1])


def part(ids: list[str], file: str = "f.csv") -> pd.DataFrame:
    """A scored activities part as score_export makes it, with the columns the join reads."""
    count = len(ids)
    return pd.DataFrame({
        "kind": pd.Categorical(["activity"] * count), "record_id": pd.Series(ids, dtype="str"),
        "rep": pd.Categorical(["Ava Patel"] * count), "stage_or_type": pd.Categorical(["Call"] * count),
        "points": np.zeros(count), "counted": np.ones(count, dtype=bool), "reason": pd.Categorical([""] * count),
        "file": pd.Categorical([file] * count), "line": np.arange(2, 2 + count),
        "is_call": np.ones(count, dtype=bool),
        "_dedupe_key": pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(ids, pa.large_string())]))),
        "_has_id": np.array([bool(i) for i in ids], dtype=bool)})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(st.sampled_from("ab\x00é"), max_size=MAX_PADDED_WIDTH)
                .filter(lambda text: len(text.encode()) <= MAX_PADDED_WIDTH), max_size=12),
       st.integers(8, MAX_PADDED_WIDTH), st.lists(st.integers(0, 5), max_size=12), st.integers(0, 3))
def test_key_words_are_the_same_whatever_else_the_column_holds(texts, width, picks, cut):
    # The same key gives the same words in a column of one width (read in place) as among keys of
    # other widths (copied into padded words), and in any slice or chunking of the column.
    fixed = [(("k%d" % p) * width)[:width] for p in picks]
    column = pa.chunked_array([pa.array(fixed[:cut], pa.large_string()), pa.array(fixed[cut:], pa.large_string())])
    in_place = padded_key_words(column)
    mixed = padded_key_words(pa.array(fixed + texts, pa.large_string()))
    assert in_place is not None and mixed is not None
    assert all(np.array_equal(a, b[:len(fixed)]) for a, b in zip(in_place, mixed))
    by_copy = pa.array(fixed, pa.large_string())
    offsets = np.frombuffer(by_copy.buffers()[1], dtype=np.int64)
    data = np.frombuffer(by_copy.buffers()[2], dtype=np.uint8) if by_copy.buffers()[2] else np.zeros(0, np.uint8)
    if fixed:
        assert all(np.array_equal(a, b) for a, b in zip(in_place, _padded_words(offsets, data, np.diff(offsets), MAX_PADDED_WIDTH)))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["", "1", "12", "00TDn0000000001MAA", "00TDn0000000002MAA", "abcdefgh"]), max_size=30))
def test_distinct_keys_come_in_the_order_of_their_numbers(keys):
    words = padded_key_words(pa.array(keys, pa.large_string()))
    numbers = folded(words)
    distinct = distinct_by_number(words, numbers)
    first_rows = {}
    for row, key in enumerate(keys):
        first_rows.setdefault(key, row)
    assert sorted(distinct.tolist()) == sorted(first_rows.values())
    assert numbers[distinct].tolist() == sorted(numbers[distinct].tolist())
