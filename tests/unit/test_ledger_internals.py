"""The ledger's building blocks: repeat detection by key, per-row texts held as categoricals, and name
work done once per distinct value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spiff_tui.core.labels as labels_module
import spiff_tui.core.text as text_module
from spiff_tui.core import dedupe
from spiff_tui.core.dedupe import first_positions
from spiff_tui.core.labels import (
    ARROW_DISTINCT_FROM,
    concat_frames,
    first_of,
    overlay,
    per_distinct,
    worded,
)
from spiff_tui.core.names import display_text, match_key
from spiff_tui.core.text import TEXT, Coded, blank_mask


def first_seen(values: list[str]) -> list[int]:
    seen: dict[str, int] = {}
    return [seen.setdefault(v, i) for i, v in enumerate(values)]


@pytest.mark.parametrize("dtype", [TEXT, "str", object])
def test_first_positions_of_fixed_width_ids(dtype):
    ids = ["00TDn0000000001MAA", "00TDn0000000002MAA", "00TDn0000000001MAA", "00TDn0000000003MAA",
           "00TDn0000000002MAA", "00TDn0000000002MAA"]
    assert first_positions(pd.Series(ids, dtype=dtype)).tolist() == [0, 1, 0, 3, 1, 1]


def test_first_positions_of_a_slice_reads_the_slice_not_the_buffer_start():
    ids = pd.Series([f"ID{n:08d}" for n in (5, 6, 7, 5, 6)], dtype=TEXT).iloc[2:]
    assert first_positions(ids).tolist() == [0, 1, 2]


def test_ids_differing_only_in_the_overlapping_last_word_are_distinct():
    # 18 bytes are read as words at 0, 8 and 10: a difference in bytes 16-17 must still tell them apart.
    ids = pd.Series(["AAAAAAAAAAAAAAAAXY", "AAAAAAAAAAAAAAAAXZ", "AAAAAAAAAAAAAAAAXY"], dtype=TEXT)
    assert first_positions(ids).tolist() == [0, 1, 0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["", "a", "0123456789", "0123456789abcdef", "0123456789abcdeg",
                                 "é✓é✓é✓é✓", "x" * 70, "ABCDEFGH"]), max_size=40))
def test_first_positions_match_a_plain_dictionary(values):
    assert first_positions(pd.Series(values, dtype=TEXT)).tolist() == first_seen(values)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=60))
def test_first_positions_of_fixed_width_ids_match_a_plain_dictionary(numbers):
    # Few distinct ids, so repeats come in runs of every length once sorted.
    ids = [f"00TDn{n:010d}MAA" for n in numbers]
    assert first_positions(pd.Series(ids, dtype=TEXT)).tolist() == first_seen(ids)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["", "1", "7", "10", "1\x00", "100", "1234567", "12345678", "123456789",
                                 "1234567890123456", "12345678901234567", "abcdefghijklmnopqrstuvwx",
                                 "abcdefghijklmnopqrstuvwy", "abcdefghijklmnopqrstuvw"]), min_size=1, max_size=60))
def test_first_positions_of_short_ids_of_varying_width_match_a_plain_dictionary(ids):
    # Numeric ids of varying width (HubSpot's) are read as zero-padded words and their length.
    keys = pd.Series(ids, dtype=TEXT)
    assert dedupe._key_words(keys) is not None or not any(ids)
    assert first_positions(keys).tolist() == first_seen(ids)


def test_first_of_takes_each_rows_first_reason():
    texts, undecided = first_of([
        (np.array([True, False, False, True]), "first"),
        (np.array([True, True, False, False]), lambda hit: per_distinct(np.array(["b"] * int(hit.sum())),
                                                                        lambda v: f"second {v}")),
    ], 4)
    assert list(texts) == ["first", "second b", "", "first"]
    assert undecided.tolist() == [False, False, True, False]


def test_worded_merges_texts_that_come_out_equal():
    names = pd.Categorical(["Ann", "Bob", "Ann"])
    same = worded(names, "someone")
    assert list(same) == ["someone"] * 3 and list(same.categories) == ["someone"]
    assert list(worded(names, "{} is not on the roster")) == ["Ann is not on the roster",
                                                              "Bob is not on the roster",
                                                              "Ann is not on the roster"]


def test_overlay_replaces_only_the_hit_rows():
    base = pd.Categorical(["", "x", ""])
    result = overlay(base, np.array([False, True, True]), pd.Categorical(["y", "x"]))
    assert list(result) == ["", "y", "x"]
    assert sorted(result.categories) == ["", "x", "y"]


def test_overlay_with_only_new_texts_keeps_every_category_distinct():
    base = pd.Categorical(["a", "", "b", "a"])
    result = overlay(base, np.array([True, False, False, True]), pd.Categorical(["row 7", "row 9"]))
    assert list(result) == ["row 7", "", "b", "row 9"]
    assert result.categories.is_unique and set(result.categories) >= {"row 7", "row 9"}


texts_or_missing = st.lists(st.sampled_from(["Ann", "Bob", "Cy", "", None]), max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(texts_or_missing, min_size=1, max_size=4), st.booleans(), st.sampled_from([10**9, 0]))
def test_concat_of_categorical_parts_reads_like_a_plain_concat(parts, shared_categories, arrow_distinct_from):
    """Parts whose categories are the very same, or differ (order, members), join to the same values,
    whether pandas or Arrow finds the distinct categories."""
    labels_module.ARROW_DISTINCT_FROM = arrow_distinct_from
    try:
        check_concat_of_categorical_parts(parts, shared_categories)
    finally:
        labels_module.ARROW_DISTINCT_FROM = ARROW_DISTINCT_FROM


def check_concat_of_categorical_parts(parts, shared_categories):
    categories = ["Cy", "Ann", "Bob", ""]
    frames = [pd.DataFrame({"rep": pd.Categorical(values, categories=categories if shared_categories else None)})
              for values in parts]
    joined = concat_frames(frames)["rep"]
    expected = [value for values in parts for value in values]
    assert joined.astype(object).where(joined.notna(), None).tolist() == expected
    assert joined.cat.categories.is_unique


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 39), min_size=1, max_size=60), st.lists(st.sampled_from(["r3", "r39", "new", "", None]),
                                                                        max_size=8))
def test_a_big_part_and_a_small_one_join_like_a_plain_concat(big_picks, small_values):
    """A joined ledger (many reasons) and a new export (a few): the big part's categories stand as
    they are and the small part's new ones follow."""
    big = pd.Categorical([f"r{n}" for n in big_picks], categories=[f"r{n}" for n in range(40)])
    frames = [pd.DataFrame({"reason": big}), pd.DataFrame({"reason": pd.Categorical(small_values)})]
    joined = concat_frames(frames)["reason"]
    expected = [f"r{n}" for n in big_picks] + small_values
    assert joined.astype(object).where(joined.notna(), None).tolist() == expected
    assert joined.cat.categories.is_unique
    assert joined.cat.categories[:40].tolist() == [f"r{n}" for n in range(40)]


def test_concat_keeps_categorical_columns_categorical_across_parts():
    first = pd.DataFrame({"rep": pd.Categorical(["Ann", "Bob"]), "n": [1, 2]})
    second = pd.DataFrame({"rep": pd.Categorical(["Cy"]), "n": [3]})
    joined = concat_frames([first, second])
    assert isinstance(joined["rep"].dtype, pd.CategoricalDtype)
    assert joined["rep"].tolist() == ["Ann", "Bob", "Cy"] and joined["n"].tolist() == [1, 2, 3]
    assert list(joined.columns) == ["rep", "n"]


def test_concat_merges_shared_categories_and_keeps_missing_rows_missing():
    first = pd.DataFrame({"rep": pd.Categorical(["Ann", None, "Bob", "Ann"])})
    second = pd.DataFrame({"rep": pd.Categorical(["Bob", None, "Cy"], categories=["Cy", "Bob"])})
    joined = concat_frames([first, second])["rep"]
    assert sorted(joined.cat.categories) == ["Ann", "Bob", "Cy"]
    assert joined.astype(object).where(joined.notna(), None).tolist() == ["Ann", None, "Bob", "Ann", "Bob", None, "Cy"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("aZ0 -~\x00\x1b\x7f\x85\u200b\u202eé数")), max_size=6),
                max_size=20),
       st.integers(0, 3))
def test_safe_text_changes_exactly_the_texts_with_unsafe_characters(values, skip):
    import re

    from spiff_tui.core.names import display_text
    from spiff_tui.core.text import _UNSAFE, TEXT, safe_text

    column = pd.Series(values, dtype=TEXT).iloc[skip:]   # a slice: its Arrow buffer starts earlier
    expected = [display_text(v) if re.search(_UNSAFE, v) else v for v in values[skip:]]
    assert safe_text(column).tolist() == expected


def test_overlay_with_prefixes_still_merges_a_text_the_base_already_has():
    base = pd.Categorical(["same Activity ID as a.csv:2", "not a call", ""])
    replacement = pd.Categorical(["same Activity ID as a.csv:2", "same Activity ID as b.csv:9"])
    result = overlay(base, np.array([False, True, True]), replacement, ("same Activity ID as ",))
    assert list(result) == ["same Activity ID as a.csv:2", "same Activity ID as a.csv:2", "same Activity ID as b.csv:9"]
    assert result.categories.is_unique
    assert (result.codes[0] == result.codes[1])


def test_overlay_finds_a_shared_text_under_any_of_the_prefixes():
    base = pd.Categorical(["not a call", "replaced by the newer row a.csv:3", "same activity as b.csv:4"])
    replacement = pd.Categorical(["same activity as c.csv:5", "replaced by the newer row a.csv:3"])
    result = overlay(base, np.array([True, False, True]), replacement,
                     ("replaced by the newer row ", "same activity as "))
    assert list(result) == ["same activity as c.csv:5", "replaced by the newer row a.csv:3",
                            "replaced by the newer row a.csv:3"]
    assert result.categories.is_unique


def test_a_collision_in_the_sorted_grouping_is_caught_word_for_word(monkeypatch):
    # The grouping by sorting keeps only the top bits of each folded id: simulate two ids whose
    # kept bits agree (all rows one group). The word-for-word check must catch it.

    ids = pd.Series(["00TDn0000000001MAA", "00TDn0000000002MAA", "00TDn0000000001MAA"], dtype=TEXT)
    monkeypatch.setattr(dedupe, "_first_by_sorting", lambda numbers: np.zeros(len(numbers), dtype=np.int64))
    assert first_positions(ids).tolist() == [0, 1, 0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=300), st.integers(0, 2**64 - 1))
def test_grouping_by_sorting_matches_first_appearance(picks, salt):
    from spiff_tui.core.dedupe import _first_by_sorting

    numbers = np.array([(p * 0x9E3779B97F4A7C15 + salt) % 2**64 for p in picks], dtype=np.uint64)
    # Distinct picks differ in their top bits here (the multiplier spreads them), so the groups are exact.
    expected = first_seen([int(n) >> max(1, (len(picks) - 1).bit_length()) for n in numbers])
    assert _first_by_sorting(numbers).tolist() == expected


name_texts = st.text(alphabet=st.sampled_from(list("abcXYZ  .-'é\u00a0\tΩ\u200b")), max_size=12)


@pytest.mark.parametrize("python_only_up_to", [0, 10**6])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(name_texts, max_size=30))
def test_name_keys_and_displays_per_distinct_value_equal_the_per_name_rules(python_only_up_to, values, monkeypatch):
    # Vectorised (plain ASCII) or all in Python, each distinct value gets what names.py gives it.
    monkeypatch.setattr(text_module, "PYTHON_ONLY_UP_TO", python_only_up_to)
    coded = Coded(pd.Series(values, dtype=object))
    distinct = coded.values.tolist()
    assert coded.keys().tolist() == [match_key(v) for v in distinct]
    assert coded.displays().tolist() == [display_text(v) for v in distinct]
    assert blank_mask(pd.Series(values, dtype=object)).tolist() == [not v.strip() for v in values]


def test_long_names_are_cut_short_as_the_per_name_rule_does(monkeypatch):
    # Folding spaces can bring a long name under the display limit, or leave it over: either way the
    # column-wide reading gives what display_text gives the one name.
    monkeypatch.setattr(text_module, "PYTHON_ONLY_UP_TO", 0)
    values = ["a" * 150 + "      " + "b" * 48, "a" * 150 + "  " + "b" * 60, "word  " * 50, "  Ava   Patel  "]
    coded = Coded(pd.Series(values, dtype=object))
    distinct = coded.values.tolist()
    assert coded.displays().tolist() == [display_text(v) for v in distinct]
    assert coded.keys().tolist() == [match_key(v) for v in distinct]
    assert coded.displays().tolist()[:2] == ["a" * 150 + " " + "b" * 48, "a" * 150 + " " + "b" * 48 + "…"]
