"""Byte tests read from Arrow's buffers must agree with Arrow's own string kernels."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from spiff_tui.core.arrow_bytes import byte_counts, string_chunks

VALUES = st.lists(st.none() | st.text(alphabet=st.sampled_from(list("a\n\r é数,")), max_size=6), max_size=30)


def _arrays(values: list[str | None], cut: int, large: bool):
    """The values as a plain array, a slice of a longer one, and a chunked array cut in two."""
    kind = pa.large_string() if large else pa.string()
    whole = pa.array(values, type=kind)
    padded = pa.array(["x\n"] + values + ["\n\n"], type=kind).slice(1, len(values))
    cut = min(cut, len(values))
    chunked = pa.chunked_array([pa.array(values[:cut], type=kind), pa.array(values[cut:], type=kind)], type=kind)
    return whole, padded, chunked


@settings(max_examples=200, deadline=None)
@given(VALUES, st.integers(0, 30), st.booleans())
def test_byte_counts_agree_with_arrow_count_substring(values, cut, large):
    expected = [0 if v is None else v.count("\n") for v in values]
    assert pc.count_substring(pa.array(values, type=pa.string()), "\n").fill_null(0).to_pylist() == expected
    for array in _arrays(values, cut, large):
        assert byte_counts(array, ord("\n")).tolist() == expected


@given(VALUES, st.integers(0, 30))
def test_string_chunks_give_each_value_its_own_bytes(values, cut):
    for array in _arrays(values, cut, large=False):
        texts = [bytes(data[offsets[i]:offsets[i + 1]]).decode("utf-8")
                 for offsets, data in string_chunks(array) for i in range(len(offsets) - 1)]
        assert texts == ["" if v is None else v for v in values]


def test_other_types_are_not_read_as_strings():
    assert string_chunks(pa.array([1, 2])) is None
    assert byte_counts(pa.array([b"a\n"], type=pa.binary()), ord("\n")) is None
    assert byte_counts(pa.array([], type=pa.string()), ord("\n")).dtype == np.int64


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("gGtTsSraoubl \t\n1ſK-")), max_size=6), max_size=40),
       st.booleans())
def test_total_row_prefilter_finds_what_the_regex_finds(values, blank_counts):
    import pandas as pd

    from spiff_tui.core.layout import _regex_rows
    from spiff_tui.core.text import TEXT

    pattern = r"^\s*(?:gra|tot|sub|$)" if blank_counts else r"^\s*(?:gra|tot|sub)"
    expected = pc.match_substring_regex(pa.array(values, type=pa.string()), pattern, ignore_case=True)
    column = pd.Series(values, dtype=TEXT)
    assert _regex_rows(column, pattern).tolist() == expected.to_pylist()
