"""New activities exports whose names sort among the others' (not only after them): the live board
scores their boards from the last join's marks and ids, and they must be a cold scoring's, whatever
ids repeat where."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
from contest import ACTS_HEADER, act, csv_text, make_contest, score_dir, view_texts, write
from hypothesis import given, settings
from hypothesis import strategies as st

import spiff_tui.core.ledger as ledger_module
from spiff_tui.core.folder import FolderReader
from spiff_tui.core.ledger import ScoringMemo
from spiff_tui.core.rules import load_rules
from spiff_tui.core.snapshot import score

AS_OF = dt.date(2026, 4, 15)
IDS = ["00TDn0000000001MAA", "00TDn0000000002MAA", "00TDn0000000003MAB", "7", "42"]
NO_ID = ""
# Ava's calls and emails on her target account count; Ben's on Ava's account do not (contest.py).
WHO = [("Ava Patel", ("A1", "Acme")), ("Ben Ortiz", ("B1", "Bolt")), ("Ben Ortiz", ("A1", "Acme"))]
ROWS = st.tuples(st.sampled_from(IDS + [NO_ID]), st.sampled_from(WHO), st.sampled_from(["Call", "Email"]))
EXPORTS = st.lists(ROWS, min_size=1, max_size=5)


def _text(rows) -> str:
    return csv_text(ACTS_HEADER, [act(id_, person, kind, account=account) for id_, (person, account), kind in rows])


@settings(max_examples=60, deadline=None)
@given(EXPORTS.flatmap(lambda first: st.tuples(st.just(first), st.lists(EXPORTS, max_size=2))),
       st.dictionaries(st.integers(0, 3), EXPORTS, min_size=1, max_size=2))
def test_boards_of_exports_put_among_the_others_are_a_cold_scorings(exports, added):
    """`exports` are written as activities_01, _03, …; then each of `added` at place k as
    activities_{2k}: before the k-th one. Its boards, handed over before the rows, and its rows must
    be a cold scoring's; they come from the last join's marks when every id hashes and an added
    export sorts before the last of the others."""
    first, rest = exports
    exports = [first, *rest]
    made = []
    original, big_from = ledger_module.inserted_board, ledger_module.BOARDS_FIRST_FROM
    ledger_module.inserted_board = lambda *args: made.append(original(*args)) or made[-1]
    ledger_module.BOARDS_FIRST_FROM = 0   # the rows as if they were many
    try:
        with tempfile.TemporaryDirectory() as temporary:
            folder = make_contest(Path(temporary))
            rules = load_rules(folder / "rules.toml")
            for number, rows in enumerate(exports):
                write(folder, f"activities_{2 * number + 1:02d}.csv", _text(rows))
            reader, memo = FolderReader(keep_last_good=True), ScoringMemo()
            score(rules, reader.read(folder, rules), AS_OF, memo, boards_first=lambda boards: None)
            memo.finish_later()   # as the live board does once a result is out
            for place, rows in added.items():
                write(folder, f"activities_{2 * place:02d}.csv", _text(rows))
            handed = []
            live = score(rules, reader.read(folder, rules), AS_OF, memo, boards_first=handed.append)
            cold = score_dir(folder, AS_OF)
            for view in ("reps", "activity", "teams", "stages"):
                pd.testing.assert_frame_equal(view_texts(live, view), view_texts(cold, view))
                for boards in handed:
                    pd.testing.assert_frame_equal(view_texts(boards, view), view_texts(cold, view))
            pd.testing.assert_frame_equal(view_texts(live, "ledger"), view_texts(cold, "ledger"))
    finally:
        ledger_module.inserted_board, ledger_module.BOARDS_FIRST_FROM = original, big_from
    old_ids_hash = all(id_ != NO_ID for rows in exports for id_, _, _ in rows)
    added_ids_hash = all(id_ != NO_ID for rows in added.values() for id_, _, _ in rows)
    among = min(added) < len(exports)
    assert [board is not None for board in made] == ([added_ids_hash] if among and old_ids_hash else [])
    # Added after the others, the boards come first unless an id does not hash (rows joined anew).
    assert len(handed) == (1 if among or (old_ids_hash and added_ids_hash) else 0)
