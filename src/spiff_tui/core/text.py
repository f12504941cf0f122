"""Name work over whole columns, once per distinct value (the per-value rules live in names.py)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from spiff_tui.core.arrow_bytes import string_chunks
from spiff_tui.core.labels import categorical
from spiff_tui.core.names import display_text, match_key

# The same names, accounts and stages come back in every file and on every rescore.
_match_key = lru_cache(maxsize=1 << 17)(match_key)
_display_text = lru_cache(maxsize=1 << 17)(display_text)

TEXT = pd.StringDtype("pyarrow")


class Coded:
    """A text column as integer codes into its distinct values, so per-value work happens once.

    `per_row(per_value)` spreads an array computed over `values` back to the rows; rows
    with no value (NA) get `missing`.
    """

    def __init__(self, column: pd.Series) -> None:
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
        else:
            codes, uniques = pd.factorize(column.astype(TEXT), use_na_sentinel=True)
        self.codes = codes
        self.values = pd.Series(uniques, dtype=TEXT)
        self.index = column.index
        self._keys: np.ndarray | None = None
        self._displays: np.ndarray | None = None
        self._plain: tuple[np.ndarray, pd.Series] | None = None

    def per_row(self, per_value: np.ndarray, missing: object = "") -> np.ndarray:
        table = np.append(np.asarray(per_value, dtype=object if missing == "" else None), missing)
        return table[self.codes]

    # Worked out once per column: scoring asks for the keys and the displays of one column often.
    def keys(self) -> np.ndarray:
        if self._keys is None:
            self._keys = self._mapped(_match_key, lambda folded: folded.str.lower())
        return self._keys

    def displays(self) -> np.ndarray:
        if self._displays is None:
            self._displays = self._mapped(_display_text, lambda folded: folded, max_plain=200)
        return self._displays

    def _mapped(self, python_fn, from_folded, max_plain: int | None = None) -> np.ndarray:
        """`python_fn` over the distinct values: the plain ones (see _PLAIN) from their folded form,
        which keys and displays share, the rest in Python (and a display longer than `max_plain`,
        which Python cuts short).

        A few hundred values all go to the (cached) Python function: the vectorised steps cost about
        a millisecond each however few the values, and most exports a rescore meets are small ones."""
        distinct = self.values
        mapped = np.empty(len(distinct), dtype=object)
        if len(distinct) <= PYTHON_ONLY_UP_TO:
            mapped[:] = [python_fn(v) for v in distinct.tolist()]
            return mapped
        if self._plain is None:
            plain = distinct.str.fullmatch(_PLAIN).fillna(False).to_numpy(dtype=bool)
            self._plain = (np.flatnonzero(plain), _folded(distinct[plain]))
        at, folded = self._plain
        if max_plain is not None:
            short = folded.str.len().to_numpy() <= max_plain
            at, folded = at[short], folded[short]
        mapped[at] = from_folded(folded).to_numpy(dtype=object)
        rest = np.ones(len(distinct), dtype=bool)
        rest[at] = False
        mapped[rest] = [python_fn(v) for v in distinct[rest].tolist()]   # not the Series' slow iterator
        return mapped


# Up to this many distinct values, per-value work goes straight to Python (see Coded._mapped).
PYTHON_ONLY_UP_TO = 256


# Printable ASCII and no-break spaces need no Python (names typed with doubled or no-break spaces
# are common in exports): a display folds each run of spaces to one and trims the ends, and a key
# is that in lower case, as names.py does.
_PLAIN = "[\x20-\x7e\u00a0]*"


def _folded(values: pd.Series) -> pd.Series:
    folded = values.str.strip(" ")
    # Only the values with a run of spaces pay for the regex replace: most have none.
    runs = (folded.str.contains("  ", regex=False) | folded.str.contains("\u00a0", regex=False)).to_numpy(dtype=bool)
    if runs.any():
        folded[runs] = folded[runs].str.replace("[ \u00a0]+", " ", regex=True).str.strip(" ")
    return folded


def match_keys(values: pd.Series) -> pd.Series:
    """`match_key` over a column, computed once per distinct value."""
    coded = Coded(values)
    return pd.Series(coded.per_row(coded.keys()), index=values.index, dtype=object)


def labels(coded: Coded, per_value, missing: str = "") -> pd.Categorical:
    """Per-value texts spread to the rows as a categorical (rows with no value get `missing`)."""
    codes = np.where(coded.codes < 0, len(coded.values), coded.codes)
    return categorical(codes, list(per_value) + [missing])


def display_labels(values: pd.Series) -> pd.Categorical:
    """`display_text` over a column as a categorical, computed once per distinct value."""
    coded = Coded(values)
    return labels(coded, coded.displays())


def blank_mask(values: pd.Series) -> np.ndarray:
    """Which cells are empty or only spaces, worked out once per distinct value."""
    coded = Coded(values)
    if len(coded.values) <= PYTHON_ONLY_UP_TO:
        return coded.per_row(np.array([not v.strip() for v in coded.values.tolist()], dtype=bool), True).astype(bool)
    return coded.per_row((coded.values.str.strip() == "").to_numpy(dtype=bool), True).astype(bool)


def stripped(values: pd.Series) -> pd.Series:
    """The cells trimmed of spaces (once per distinct value when the column is categorical)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        coded = Coded(values)
        return pd.Series(coded.per_row(coded.values.str.strip().to_numpy(dtype=object)), index=values.index,
                         dtype=object)
    text = values.astype(TEXT)
    text = text.fillna("") if text.hasnans else text
    trimmed = text.str.strip()
    # Most columns (ids) have no cell to trim: keep their buffers rather than a copy of them.
    return trimmed if (trimmed != text).any() else text


_UNSAFE = "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"


def safe_text(values: pd.Series) -> pd.Series:
    """Mostly unique texts (ids) made safe to print: only the rows holding a control character pay."""
    text = values.astype(TEXT)
    text = text.fillna("") if text.hasnans else text
    if _plain_ascii(text):
        return text
    unsafe = text.str.contains(_UNSAFE, regex=True).fillna(False).to_numpy(dtype=bool)
    if not unsafe.any():
        return text   # Arrow strings: no Python object per row
    result = text.to_numpy(dtype=object)
    result[unsafe] = [display_text(v) for v in result[unsafe]]
    return pd.Series(result, index=values.index, dtype=TEXT)


def _plain_ascii(text: pd.Series) -> bool:
    """Whether every byte of the column's texts is printable ASCII, read straight from Arrow's
    buffers: a million ids are checked in milliseconds, where a regex takes a tenth of a second."""
    import pyarrow as pa

    chunks = string_chunks(pa.array(text.array))
    if chunks is None:
        return False
    for offsets, data in chunks:
        used = data[offsets[0]:offsets[-1]]
        if ((used < 0x20) | (used > 0x7E)).any():
            return False
    return True


class KeyCodes:
    """Per row an integer for its key (match key, or trimmed text), and the distinct keys.

    Two spellings of one name share a code, so membership and pair tests are integer work.
    """

    def __init__(self, column: pd.Series, exact: bool = False, coded: Coded | None = None) -> None:
        coded = coded or Coded(column)
        per_value = coded.values.fillna("").str.strip().to_numpy(dtype=object) if exact else coded.keys()
        key_of_value, keys = pd.factorize(per_value)
        self.codes = np.append(key_of_value, -1)[coded.codes]
        self.keys = pd.Index(keys, dtype=object)

    def at(self, rows: np.ndarray) -> KeyCodes:
        """The same keys, for the given rows only."""
        taken = object.__new__(KeyCodes)
        taken.codes, taken.keys = self.codes[rows], self.keys
        return taken

    def rows_where(self, per_key: np.ndarray, missing: bool = False) -> np.ndarray:
        """A per-key boolean spread to the rows; rows with no value get `missing`."""
        return np.append(np.asarray(per_key, dtype=bool), missing)[self.codes]
