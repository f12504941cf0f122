"""Per-row texts held as categoricals: codes into the distinct texts.

The ledger's text columns (rep, team, stage, reason, file, account) repeat a few thousand
texts over a million rows, so every text is built once per distinct value and each row holds a
small integer. Built here, merged here: `first_of` picks each row's first applying reason,
`concat_frames` joins parts whose categories differ without falling back to Python objects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd


def categorical(codes: np.ndarray, texts: Sequence[str]) -> pd.Categorical:
    """Rows as codes into `texts` (which may repeat a text): a categorical with unique categories."""
    merged, categories = pd.factorize(np.asarray(texts, dtype=object))
    return _from_codes(merged[codes], categories, validate=False)


def _from_codes(codes: np.ndarray, categories, validate: bool = True) -> pd.Categorical:
    """Categories are always object-dtype, so parts built anywhere can be joined by union_categoricals.
    validate=False only where the categories are known to be distinct and the codes in range: pandas
    would otherwise hash every category (hundreds of thousands of row names) and scan every code."""
    index = pd.Index(categories, dtype=object)
    if validate:
        return pd.Categorical.from_codes(codes, categories=index)
    return pd.Categorical.from_codes(codes, dtype=distinct_dtype(index), validate=False)


def distinct_dtype(categories: pd.Index) -> pd.CategoricalDtype:
    """The categorical type of categories known to be distinct, without pandas hashing them to check."""
    fastpath = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return fastpath(categories, False) if fastpath is not None else pd.CategoricalDtype(categories)


def categorical_of_unique(codes: np.ndarray, texts: Sequence[str]) -> pd.Categorical:
    """Rows as codes into `texts`, which the caller knows to be distinct (codes in range, or -1)."""
    return _from_codes(codes, texts, validate=False)


def constant(text: str, count: int) -> pd.Categorical:
    return _from_codes(np.zeros(count, dtype=np.int8), [text])


def worded(values: pd.Categorical, template: str) -> pd.Categorical:
    """`template` with {} filled by each row's text, formatted once per distinct text."""
    texts = [template.format(text) for text in values.categories]
    return categorical(values.codes, texts)


def per_distinct(values: pd.Series | np.ndarray, text_of: Callable[[object], str]) -> pd.Categorical:
    """A text per row from `text_of(value)`, called once per distinct value; NA rows get ''."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [text_of(value) for value in uniques] + [""]
    return categorical(np.where(codes < 0, len(uniques), codes), texts)


Reason = str | pd.Categorical | Callable[[np.ndarray], pd.Categorical]


def none_apply(reasons: Sequence[tuple[object, Reason]], count: int) -> np.ndarray:
    """Which rows no reason applies to: first_of's second half, without building a text."""
    undecided = np.ones(count, dtype=bool)
    for condition, _ in reasons:
        undecided &= ~np.asarray(condition, dtype=bool)
    return undecided


def first_of(reasons: Sequence[tuple[object, Reason]], count: int) -> tuple[pd.Categorical, np.ndarray]:
    """Each row's first applying reason ('' when none does), and which rows none applied to.

    A reason is a text, a categorical over all rows, or a function of the hit mask giving a
    categorical over the hit rows only, so texts are only built for rows that need them.
    """
    codes = np.zeros(count, dtype=np.int32)
    texts: list[str] = [""]
    undecided = np.ones(count, dtype=bool)
    for condition, reason in reasons:
        hit = undecided & np.asarray(condition, dtype=bool)
        if not hit.any():
            continue
        if callable(reason):
            reason = reason(hit)
        if isinstance(reason, str):
            codes[hit] = len(texts)
            texts.append(reason)
        else:
            local = (reason.codes if len(reason) != count else reason.codes[hit]).astype(np.int32)
            codes[hit] = np.where(local < 0, 0, local + len(texts))
            texts.extend(reason.categories)
        undecided &= ~hit
    return categorical(codes, texts), undecided


def overlay(base: pd.Categorical, hit: np.ndarray, replacement: pd.Categorical,
            prefixes: tuple[str, ...] | None = None) -> pd.Categorical:
    """`base` with the hit rows set to `replacement` (a categorical over the hit rows only). With
    `prefixes`, the caller says every replacement text starts with one of them, so only base texts
    that do could be the same text."""
    base_texts = base.categories.to_numpy(dtype=object)
    categories = np.concatenate([base_texts, replacement.categories.to_numpy(dtype=object)])
    codes = base.codes.astype(np.int32, copy=True)
    codes[hit] = np.where(replacement.codes < 0, -1, replacement.codes.astype(np.int32) + len(base.categories))
    # The replacements are mostly new texts (row names): only a clash needs the merge.
    if prefixes is not None:
        base_texts = _starting_with(base_texts, prefixes)
    if len(base_texts) and (_places_in(replacement.categories.to_numpy(dtype=object), base_texts) >= 0).any():
        return categorical(codes, categories)
    return _from_codes(codes, categories, validate=False)


def _places_in(texts: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Each text's place among `others` (distinct), or -1; by Arrow when all are texts: a joined
    ledger's reasons name a hundred thousand rows, and hashing Python objects holds Python's lock."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        places = pc.index_in(pa.array(texts, pa.string()), value_set=pa.array(others, pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.Index(others, dtype=object).get_indexer(texts)
    return places.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _starting_with(texts: np.ndarray, prefixes: tuple[str, ...]) -> np.ndarray:
    """The texts that start with one of the prefixes, tested by Arrow: a ledger's reasons can number
    tens of thousands, three times quicker than str.startswith on each."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        values = pa.array(texts, pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):   # not all texts: test them one by one
        return np.array([t for t in texts if isinstance(t, str) and t.startswith(prefixes)], dtype=object)
    hit = pc.starts_with(values, prefixes[0])
    for prefix in prefixes[1:]:
        hit = pc.or_(hit, pc.starts_with(values, prefix))
    return texts[pc.fill_null(hit, False).to_numpy(zero_copy_only=False)]


def concat_frames(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """pd.concat, except that categorical columns stay categorical when their categories differ."""
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    # Column by column: pandas' frame concat costs three times the columns' own joins, and the
    # frame is built from the joined columns without copying them again.
    joined = {}
    for column in parts[0].columns:
        if all(isinstance(p[column].dtype, pd.CategoricalDtype) for p in parts):
            joined[column] = pd.Series(_union([p[column].array for p in parts]), copy=False)
        else:
            joined[column] = pd.concat([p[column] for p in parts], ignore_index=True)
    return pd.DataFrame(joined, copy=False)


def _union(values: list[pd.Categorical]) -> pd.Categorical:
    """The categoricals end to end, with their categories merged where they repeat: each part's codes
    go through a small table from its categories to the merged ones (a missing code, -1, picks the
    table's last entry, -1). Cheaper than union_categoricals, which checks and hashes the
    categories' dtypes on the way, and than widening every code to shift it."""
    first = values[0].categories
    if all(v.categories is first or v.categories.equals(first) for v in values[1:]):
        return _from_codes(np.concatenate([v.codes for v in values]), first, validate=False)
    if len(values) == 2 and len(first) > BIG_BESIDE * len(values[1].categories):
        return _added_to(values[0], values[1])
    merged, categories = _distinct(np.concatenate([v.categories.to_numpy(dtype=object) for v in values]))
    dtype = _narrowest_codes(len(categories))
    merged = merged.astype(dtype)
    pieces, offset = [], 0
    for v in values:
        table = np.append(merged[offset:offset + len(v.categories)], dtype(-1))
        # The first part's categories come first, in order: its codes stand as they are.
        same = offset == 0 and np.array_equal(table[:-1], np.arange(len(v.categories)))
        pieces.append(v.codes.astype(dtype, copy=False) if same else table[v.codes])
        offset += len(v.categories)
    return _from_codes(np.concatenate(pieces), categories, validate=False)


def _narrowest_codes(categories: int) -> type:
    """Codes as narrow as the merged categories allow (most columns have a few dozen): pandas would
    narrow them anyway, and a million codes are gathered and joined here."""
    return next(t for t in (np.int8, np.int16, np.int32, np.int64) if categories < np.iinfo(t).max)


# From this many texts on, Arrow finds the distinct ones quicker than pandas: a big org's exports
# name a hundred thousand accounts each, four exports 380k texts, 107 ms in pandas and 52 in Arrow
# (which also leaves the other kind's join running); at 70k texts pandas is quicker.
ARROW_DISTINCT_FROM = 150_000


def _distinct(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize of texts: each one's code in order of first appearance, and the distinct ones."""
    import pyarrow as pa

    if len(texts) < ARROW_DISTINCT_FROM:
        return pd.factorize(texts)
    try:
        encoded = pa.array(texts, pa.string()).dictionary_encode()
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):   # not all texts
        return pd.factorize(texts)
    return encoded.indices.to_numpy(), encoded.dictionary.to_numpy(zero_copy_only=False)


# A joined ledger's categories (a hundred thousand reasons) beside a new export's few thousand: only
# the few are hashed (see _added_to).
BIG_BESIDE = 4


def _added_to(big: pd.Categorical, small: pd.Categorical) -> pd.Categorical:
    """`big` then `small`, where big has far more categories: big's categories and codes stand as
    they are and small's new ones follow them. Only small's categories are hashed; big's are looked
    up in them, by Arrow when all are texts."""
    in_small = _places_in(big.categories.to_numpy(dtype=object), small.categories.to_numpy(dtype=object))
    table = np.full(len(small.categories) + 1, -1, dtype=np.int64)
    found = np.flatnonzero(in_small >= 0)
    table[in_small[found]] = found
    new = np.flatnonzero(table[:-1] < 0)
    table[new] = len(big.categories) + np.arange(len(new))
    categories = np.concatenate([big.categories.to_numpy(dtype=object), small.categories.to_numpy(dtype=object)[new]])
    dtype = _narrowest_codes(len(categories))
    codes = np.concatenate([big.codes.astype(dtype, copy=False), table[small.codes].astype(dtype)])
    return _from_codes(codes, categories, validate=False)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as plain text columns, for output and display code."""
    texts = {c: frame[c].astype(object) for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    return frame.assign(**texts) if texts else frame


def rows_as_arrow_text(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """The rows at `positions`, categorical columns as Arrow-backed text. Each column is taken once,
    and only the categories those rows use become text: a ledger part's categories (a million
    record ids) would cost far more than one rep's rows."""
    columns = {}
    for name in frame.columns:
        values = frame[name].array
        if isinstance(values, pd.Categorical):
            codes = values.codes[positions]
            if len(values.categories) > len(codes):   # only then is finding the used ones worth it
                codes, used = pd.factorize(codes)
                categories = values.categories.take(np.maximum(used, 0))
                codes = np.where(used[codes] < 0, -1, codes)
            else:
                categories = values.categories
            texts = pd.array(categories.to_numpy(dtype=object), dtype="str")
            columns[name] = texts.take(codes.astype(np.intp, copy=False), allow_fill=True)
        else:
            columns[name] = values.take(positions)
    return pd.DataFrame(columns)


def as_arrow_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as Arrow-backed text ("str"): each row's text taken from its categories
    by Arrow, with no Python string per row; for frames that go on to Arrow-based display."""
    texts = {c: pd.array(frame[c].cat.categories.to_numpy(dtype=object), dtype="str")
             .take(frame[c].cat.codes.to_numpy(dtype=np.intp), allow_fill=True)
             for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    return frame.assign(**{c: pd.Series(v, index=frame.index) for c, v in texts.items()}) if texts else frame
