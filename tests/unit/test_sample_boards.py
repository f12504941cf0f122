"""End to end over sample_data/: the boards must equal the independently computed ones.

tests/data/sample_expected.json is written by tools/make_sample_data.py from its own
in-memory records (never through spiff-tui); see that script's docstring for every
deliberate situation the sample contains.
"""

import json
import math
from pathlib import Path

import pytest

from spiff_tui.cli import main

ROOT = Path(__file__).parents[2]
EXPECTED = json.loads(
    (ROOT / "tests" / "data" / "sample_expected.json").read_text(encoding="utf-8")
)
COLUMNS = {
    "reps": [
        "rank",
        "rep",
        "team",
        "new_business_points",
        "upsell_points",
        "total_points",
        "opportunities",
    ],
    "activity": [
        "rep",
        "team",
        "activities",
        "calls",
        "activities_needed",
        "calls_needed",
        "qualified",
    ],
    "teams": [
        "rank",
        "team",
        "members",
        "new_business_points",
        "upsell_points",
        "total_points",
        "eligible",
    ],
    "stages": ["rep", "kind", "stage", "opportunities", "points"],
}
KEYS = {
    "reps": ("rep",),
    "activity": ("rep",),
    "teams": ("team",),
    "stages": ("rep", "kind", "stage"),
}


def export(view, capsys):
    args = [
        "export",
        str(ROOT / "sample_data"),
        "--rules",
        str(ROOT / "rules.toml"),
        "--view",
        view,
        "--format",
        "json",
        "--as-of",
        "2026-04-30",
    ]
    try:
        rc = main(args)
    except SystemExit as exit_:  # a CLI may exit instead of returning its code
        rc = exit_.code
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    rows = json.loads(captured.out)
    assert isinstance(rows, list)
    return rows


def same_value(actual, expected):
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and math.isclose(
            actual, expected, rel_tol=0, abs_tol=1e-9
        )
    return actual == expected


@pytest.mark.parametrize("view", list(COLUMNS))
def test_view_matches_expected(view, capsys):
    rows = export(view, capsys)
    for row in rows:
        missing = [c for c in COLUMNS[view] if c not in row]
        assert not missing, f"{view} row lacks {missing}: {row}"
    actual = {tuple(r[k] for k in KEYS[view]): r for r in rows}
    expected = {tuple(r[k] for k in KEYS[view]): r for r in EXPECTED[view]}
    assert len(actual) == len(rows), f"{view}: duplicate keys"
    assert sorted(actual) == sorted(expected)
    mismatches = [
        (key, column, actual[key][column], want[column])
        for key, want in expected.items()
        for column in COLUMNS[view]
        if not same_value(actual[key][column], want[column])
    ]
    assert not mismatches, "\n".join(
        f"{view} {key} {col}: got {got!r}, want {want!r}" for key, col, got, want in mismatches
    )


@pytest.mark.parametrize("view", ["reps", "teams"])
def test_rows_are_in_rank_order(view, capsys):
    rows = export(view, capsys)
    ranks = [r["rank"] for r in rows]
    assert ranks == sorted(ranks)
    assert ranks == [r["rank"] for r in EXPECTED[view]]
    totals = [r["total_points"] for r in rows]
    assert totals == sorted(totals, reverse=True)


def test_ledger_counted_rows(capsys):
    rows = export("ledger", capsys)
    counted = {
        kind: sum(1 for r in rows if r["kind"] == kind and r["counted"] is True)
        for kind in EXPECTED["ledger_counts"]
    }
    assert counted == EXPECTED["ledger_counts"]
