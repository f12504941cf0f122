"""Dates read from export cells, worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from spiff_tui.core.text import TEXT
from spiff_tui.core.values import parse_dates

CASES = [  # text, month-first reading, day-first reading, only-in-the-other-order (month-first)
    ("2026-04-15", dt.date(2026, 4, 15), dt.date(2026, 4, 15), False),
    ("2026-04-15T09:30", dt.date(2026, 4, 15), dt.date(2026, 4, 15), False),
    ("4/5/2026", dt.date(2026, 4, 5), dt.date(2026, 5, 4), False),
    ("15/4/2026", None, dt.date(2026, 4, 15), True),
    ("15.04.26", None, dt.date(2026, 4, 15), True),
    ("2/30/2026", None, None, False),       # no 30 February in either order
    ("2/29/2024", dt.date(2024, 2, 29), None, False),
    ("46127", dt.date(2026, 4, 15), dt.date(2026, 4, 15), False),   # Excel serial day
    ("19999", None, None, False),
    ("2026-13-01", None, None, False),
    ("٢٠٢٦-٠٤-١٥", None, None, False),      # Arabic-Indic digits are not read as a date (and never raise)
    ("soon", None, None, False),
]


@pytest.mark.parametrize("as_category", [False, True])
@pytest.mark.parametrize("day_first", [False, True])
def test_dates_read_once_per_distinct_text(as_category, day_first):
    texts = [text for text, *_ in CASES] + ["", "4/5/2026"]
    column = pd.Series(texts, dtype=TEXT)
    days, invalid, other_order = parse_dates(column.astype("category") if as_category else column, day_first)
    wanted = [(c[2] if day_first else c[1]) for c in CASES] + [None, dt.date(2026, 5, 4) if day_first else dt.date(2026, 4, 5)]
    assert [None if pd.isna(d) else d.date() for d in days] == wanted
    assert invalid.tolist() == [w is None for w in wanted[:-2]] + [False, False]   # a blank cell is not invalid
    if not day_first:
        assert other_order.tolist() == [c[3] for c in CASES] + [False, False]
