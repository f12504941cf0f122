"""Dates read from export cells, worked out by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spiff_tui.core.text as text_module
from spiff_tui.core.text import TEXT
from spiff_tui.core.values import _read_day, parse_dates

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


AMOUNT_CHARS = list("0123456789") * 3 + list("$€£¥,.,. -()eEUSD\u00a0'١５")  # other scripts' digits too


amount_text = st.text(alphabet=st.sampled_from(AMOUNT_CHARS), min_size=1, max_size=14)
# Salesforce's other common forms, and near misses of them: a code before the digits, parentheses.
coded_amount = st.builds("{}{}{}".format, st.sampled_from(["USD", "eur", "US", "USDX", "U$D", "GBP "]),
                         st.sampled_from([" ", "  ", "", "\u00a0", " $", " -"]), amount_text)
bracketed_amount = st.builds("({}){}".format, amount_text, st.sampled_from(["", " ", "-"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(amount_text, coded_amount, bracketed_amount), min_size=1, max_size=30),
       st.sampled_from([".", ","]))
def test_the_quick_path_for_plain_amounts_reads_what_the_full_reading_reads(texts, decimal):
    from spiff_tui.core.values import _amount_texts, _full_amount_texts

    uniques = pd.Series(list(dict.fromkeys(texts)), dtype=TEXT)
    quick_number, quick_currency = _amount_texts(uniques, decimal)
    full_number, full_currency = _full_amount_texts(uniques, decimal)
    assert quick_number.tolist() == pytest.approx(full_number.tolist(), nan_ok=True, rel=0, abs=0)
    assert quick_currency.tolist() == full_currency.tolist()


def test_coded_and_bracketed_amounts_by_hand():
    from spiff_tui.core.values import parse_amounts

    amount, currency, invalid = parse_amounts(pd.Series(["USD 5,000.00", "eur  12", "(114.69)", "($4,122.34)",
                                                         "USD (5)"]), ".")
    assert amount.tolist()[:4] == [5000.0, 12.0, -114.69, -4122.34] and np.isnan(amount.iloc[4])
    assert currency.tolist()[:4] == ["USD", "EUR", "", "USD"]
    assert invalid.tolist() == [False, False, False, False, True]


def test_an_unpaired_bracket_makes_a_value_no_amount():
    from spiff_tui.core.values import parse_amounts

    amount, _, invalid = parse_amounts(pd.Series(["(5", "5)", "($5", "(1,200.00", "(1,200.00)"]), ".")
    assert invalid.tolist() == [True, True, True, True, False]
    assert amount.iloc[4] == -1200.0


def test_plain_amounts_by_hand():
    from spiff_tui.core.values import parse_amounts

    amount, currency, invalid = parse_amounts(pd.Series(["$12,500.00", "7", "1,234", "€3", "12,5", ""]), ".")
    assert amount.tolist()[:4] == [12500.0, 7.0, 1234.0, 3.0]
    assert np.isnan(amount.iloc[4]) and np.isnan(amount.iloc[5])   # '12,5' is no grouping; '' is no amount
    assert currency.tolist() == ["USD", "", "", "EUR", "", ""]
    assert invalid.tolist() == [False, False, False, False, True, False]
    amount, _, _ = parse_amounts(pd.Series(["1.234,5", "12,5", "1.234"]), ",")
    assert amount.tolist() == [1234.5, 12.5, 1234.0]


def test_a_four_digit_year_is_read_as_written_and_a_two_digit_one_as_this_centurys():
    from spiff_tui.core.values import parse_dates

    days, invalid, _ = parse_dates(pd.Series(["4/10/0026", "4/10/26", "4/10/2026", "10.04.0026"]), False)
    assert invalid.tolist() == [True, False, False, True]
    assert [str(d.date()) for d in days[1:3]] == ["2026-04-10", "2026-04-10"]


def test_a_minus_sign_after_the_currency_makes_the_amount_negative():
    from spiff_tui.core.values import parse_amounts

    amount, currency, invalid = parse_amounts(pd.Series(["$-6,500", "USD -6,500.00", "$ -6,500", "-$6,500",
                                                         "6,500 EUR", "(6,500)"]), ".")
    assert amount.tolist() == [-6500.0, -6500.0, -6500.0, -6500.0, 6500.0, -6500.0]
    assert currency.tolist() == ["USD", "USD", "USD", "USD", "EUR", ""]
    assert not invalid.any()


def test_a_time_after_a_date_is_read_past_and_anything_else_makes_it_no_date():
    texts = ["4/10/2026 9:00 AM", "4/10/2026, 9:00 p.m.", "2026-04-10T09:15:00.000+0000", "2026-04-10 13:05 UTC",
             "2026-04-10T09:15:00-05:00", "4/10/2026 garbage", "2026-04-10T25:99:00", "4/10/2026 9", "2026-04-10x"]
    days, invalid, _ = parse_dates(pd.Series(texts), day_first=False)
    assert list(invalid) == [False] * 5 + [True] * 4
    assert {d.date() for d in days[:5]} == {dt.date(2026, 4, 10)}


def test_an_explicit_plus_sign_is_an_amount_and_a_doubled_sign_is_not():
    from spiff_tui.core.values import parse_amounts

    amount, currency, invalid = parse_amounts(pd.Series(["+6000", "+ $6,000.50", "++5", "+-5", "+"]), ".")
    assert amount.tolist()[:2] == [6000.0, 6000.5] and currency.tolist()[:2] == ["", "USD"]
    assert invalid.tolist() == [False, False, True, True, True]


date_times = st.builds(
    lambda day, clock: day + clock,
    st.sampled_from(["2026-04-10", "2026-4-1", "4/10/2026", "10/4/2026", "15/4/26", "2/30/2026", "2026-13-01",
                     "4.10.2026", "46127", "soon", ""]),
    st.sampled_from(["", " 9:00 AM", ", 9:00 p.m.", "T09:15:00.000+0000", " 13:05 UTC", "T09:15:00-05:00",
                     " 23:59:59", " 24:00", " 9", "x", " 13:05:07.5Z", "T25:99:00"]))


@pytest.mark.parametrize("python_only_up_to", [0, 10**6])
@pytest.mark.parametrize("chunks", [1, 2, "category"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(date_times, min_size=1, max_size=40), st.booleans())
def test_date_times_are_read_by_their_day_as_each_text_is_read_alone(monkeypatch, python_only_up_to, chunks,
                                                                      texts, day_first):
    # Many distinct date-times go by their date part; each must read as the text alone reads, from
    # a column of Arrow texts in one or more chunks or of categories.
    monkeypatch.setattr(text_module, "PYTHON_ONLY_UP_TO", python_only_up_to)
    column = pd.Series(texts, dtype=TEXT)
    if chunks == 2:
        half = len(texts) // 2
        column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([texts[:half], texts[half:]], pa.string())))
    if chunks == "category":   # categories held in two chunks, as the fast reader's columns are
        distinct = list(dict.fromkeys(texts))
        half = len(distinct) // 2
        categories = pa.chunked_array([distinct[:half], distinct[half:]], pa.string())
        column = pd.Series(pd.Categorical(texts, categories=pd.Index(pd.arrays.ArrowStringArray(categories))))
    days, invalid, other_order = parse_dates(column, day_first)
    by_hand = [_read_day(text.strip(), day_first) if text.strip() else (None, False) for text in texts]
    assert [None if pd.isna(d) else d.date() for d in days] == [day for day, _ in by_hand]
    assert other_order.tolist() == [other for _, other in by_hand]
    assert invalid.tolist() == [day is None and bool(text.strip()) for text, (day, _) in zip(texts, by_hand)]
