"""A record's first filled cell, as the footer and total-row tests read it."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from spiff_tui.core.layout import _first_filled

cell = st.sampled_from(["", "  ", "Grand Totals", " Ava Patel ", "12", None, 7, 2.5])


def first_filled_by_hand(row: list) -> str | None:
    if len(row) == 1:   # one cell is the record's text, blank or not
        return None if row[0] is None else str(row[0])
    for value in row:
        text = "" if value is None else str(value)
        if text.strip():
            return text
    return None


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5).flatmap(lambda width: st.lists(st.lists(cell, min_size=width, max_size=width),
                                                        min_size=1, max_size=30)))
def test_first_filled_cell_of_each_record(rows):
    cells = pd.DataFrame(rows, dtype=object)
    result = _first_filled(cells)
    expected = [first_filled_by_hand(row) for row in rows]
    assert [None if pd.isna(v) else v for v in result.tolist()] == expected


def test_a_records_cells_are_read_column_by_column_with_none_where_it_has_none():
    from spiff_tui.core.layout import row_values
    from spiff_tui.core.text import TEXT

    cells = pd.DataFrame({0: pd.Categorical(["Owner", "Ava", None]), 1: pd.array(["Stage", None, "Demo"], dtype=TEXT),
                          2: pd.Series(["Id", "7", None], dtype=object)})
    assert row_values(cells, 0) == ["Owner", "Stage", "Id"]
    assert row_values(cells, 1) == ["Ava", None, "7"]
    assert row_values(cells, 2) == [None, "Demo", None]
