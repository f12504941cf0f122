"""The boards against plain Python sums over the same ledger rows, for ledgers held as categoricals
(a folder's) and as plain text (an empty or hand-built one)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spiff_tui.core.names import display_text
from spiff_tui.core.rules import load_rules
from spiff_tui.core.scoring import empty_ledger
from spiff_tui.core.views import activity_view, reps_view, stages_view

RULES = load_rules(Path(__file__).parents[2] / "rules.toml")
ROSTER = [display_text(m) for t in RULES.teams for m in t.members]
AS_OF = dt.date(2026, 4, 20)

row = st.fixed_dictionaries({
    "rep": st.sampled_from(ROSTER[:3] + ["Not On Roster", ""]),
    "kind": st.sampled_from(["new_business", "upsell", "opportunity", "activity"]),
    "stage_or_type": st.sampled_from(["Demo", "Closed Won", "closed won", "Call", ""]),
    "points": st.sampled_from([0.0, 1.0, 2.5, 10.0]),
    "counted": st.booleans(),
    "is_call": st.booleans(),
})


def ledger_of(rows: list[dict], categorical: bool) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["rep", "kind", "stage_or_type", "points", "counted", "is_call"])
    frame = frame.astype({"rep": object, "kind": object, "stage_or_type": object, "points": float,
                          "counted": bool, "is_call": bool})
    if categorical:
        for column in ("rep", "kind", "stage_or_type"):
            frame[column] = frame[column].astype("category")
    return frame


@settings(max_examples=80, deadline=None)
@given(st.lists(row, max_size=30), st.booleans())
def test_reps_board_sums_each_roster_reps_counted_opportunities(rows, categorical):
    board = reps_view(RULES, ledger_of(rows, categorical)).set_index("rep")
    points, count, won = defaultdict(float), Counter(), Counter()
    for r in rows:
        if r["counted"] and r["kind"] in ("new_business", "upsell"):
            points[r["rep"], r["kind"]] += r["points"]
            count[r["rep"]] += 1
            won[r["rep"]] += r["stage_or_type"].casefold() == "closed won"
    assert sorted(board.index) == sorted(ROSTER)
    for rep in ROSTER:
        assert board.loc[rep, "new_business_points"] == points[rep, "new_business"]
        assert board.loc[rep, "upsell_points"] == points[rep, "upsell"]
        assert board.loc[rep, "total_points"] == points[rep, "new_business"] + points[rep, "upsell"]
        assert (board.loc[rep, "opportunities"], board.loc[rep, "closed_won"]) == (count[rep], won[rep])
        assert board.loc[rep, "rank"] == 1 + sum(board["total_points"] > board.loc[rep, "total_points"])


@settings(max_examples=80, deadline=None)
@given(st.lists(row, max_size=30), st.booleans())
def test_stages_board_has_a_row_per_rep_kind_and_stage_met(rows, categorical):
    board = stages_view(ledger_of(rows, categorical))
    expected: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    for r in rows:
        if r["counted"] and r["kind"] in ("new_business", "upsell"):
            group = expected[r["rep"], r["kind"], r["stage_or_type"]]
            group[0] += 1
            group[1] += r["points"]
    assert list(board.columns) == ["rep", "kind", "stage", "opportunities", "points"]
    assert [tuple(x) for x in board[["rep", "kind", "stage"]].itertuples(index=False)] == sorted(expected)
    assert [[n, p] for n, p in zip(board["opportunities"], board["points"])] == [expected[k] for k in sorted(expected)]


@settings(max_examples=80, deadline=None)
@given(st.lists(row, max_size=30), st.booleans())
def test_activity_board_counts_each_roster_reps_counted_activities_and_calls(rows, categorical):
    board = activity_view(RULES, ledger_of(rows, categorical), AS_OF).set_index("rep")
    counted = [r for r in rows if r["counted"] and r["kind"] == "activity"]
    for rep in ROSTER:
        assert board.loc[rep, "activities"] == sum(r["rep"] == rep for r in counted)
        assert board.loc[rep, "calls"] == sum(r["rep"] == rep and r["is_call"] for r in counted)


@pytest.mark.parametrize("view", [lambda ledger: reps_view(RULES, ledger), stages_view,
                                  lambda ledger: activity_view(RULES, ledger, AS_OF)])
def test_boards_of_an_empty_ledger_hold_no_points(view):
    board = view(empty_ledger())
    for column in ("total_points", "opportunities", "activities", "calls"):
        if column in board:
            assert (board[column] == 0).all()
    if "stage" in board:
        assert board.empty
