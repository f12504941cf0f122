"""A new activities export that sorts after the others: only its rows are checked against the ones
before it.

An activity counts once, at its first row in file and line order, so rows already joined keep their
marks when exports are added after them (a dated export's name sorts last). Their ids are kept as
sorted 64-bit hashes with the row where each first appears; a new row's id is looked up there and
checked byte for byte (repeats), and the joined ledger is the last one with the new rows, marked,
after it (append); the boards can be scored from the marks before the rows' reasons are written
(board_rows).
Anything this does not cover (a row without an id, an id over MAX_PADDED_WIDTH bytes, two ids
sharing a hash) returns None, and the caller joins every export again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spiff_tui.core.dedupe import distinct_by_number, first_by_words, folded, padded_key_words
from spiff_tui.core.labels import concat_frames, overlay
from spiff_tui.core.row_names import ROW_NAME_PREFIXES, SAME_ACTIVITY_ID, row_names
from spiff_tui.core.scoring import BOARD_COLUMNS


@dataclass(frozen=True, eq=False)
class SeenIds:
    """The activity ids of a joined ledger part."""

    hashes: np.ndarray       # each distinct id's hash (uint64), sorted
    first_rows: np.ndarray   # the row where each first appears, in the same order
    keys: object             # every row's id (an Arrow chunked array), to check a match byte for byte

    @property
    def rows(self) -> int:
        return len(self.keys)


def seen_ids(parts: tuple[pd.DataFrame, ...]) -> SeenIds | None:
    """The ids of the per-file parts as joined; None unless every row has an id that hashes."""
    if not all(p["_has_id"].all() for p in parts):
        return None
    keys = _chunked([p["_dedupe_key"] for p in parts])
    words = None if keys is None else padded_key_words(keys)
    if words is None:
        return None
    numbers = folded(words)
    distinct = distinct_by_number(words, numbers)
    return None if distinct is None else SeenIds(numbers[distinct], distinct, keys)


@dataclass(frozen=True, eq=False)
class Repeats:
    """Where each row of an added part first appears in the join it is added to."""

    first: np.ndarray       # per added row, the joined row where its id first appears
    numbers: np.ndarray     # per added row, its id's hash
    keys: object            # the added rows' ids (an Arrow chunked array)
    offset: int             # the rows joined before the added ones

    @property
    def repeated(self) -> np.ndarray:
        """Per added row, whether an earlier row has its id: it does not count."""
        return self.first != np.arange(self.offset, self.offset + len(self.first))


def repeats(seen: SeenIds, added: pd.DataFrame) -> Repeats | None:
    """Where the rows of `added` (the new parts, joined) first appear, in the join `seen` describes
    with `added` after it. None when a new row has no id, or an id that does not hash, or one whose
    hash another id has."""
    keyed = added_keys(added)
    first = None if keyed is None else seen_rows(seen, *keyed[1:])
    if first is None:
        return None
    keys, words, numbers = keyed
    rest = np.flatnonzero(first < 0)
    within = first_by_words([word[rest] for word in words], numbers[rest])
    if within is None:
        return None
    first[rest] = rest[within] + seen.rows
    return Repeats(first, numbers, keys, seen.rows)


def added_keys(added: pd.DataFrame) -> tuple[object, list[np.ndarray], np.ndarray] | None:
    """The added rows' ids (an Arrow chunked array), their words and their hashes; None unless every
    row has an id that hashes."""
    keys = _chunked([added["_dedupe_key"]])
    words = None if keys is None or not added["_has_id"].all() else padded_key_words(keys)
    return None if words is None else (keys, words, folded(words))


def seen_rows(seen: SeenIds, words: list[np.ndarray], numbers: np.ndarray) -> np.ndarray | None:
    """Per id (given as words and hashes), the row where `seen` first has it, -1 where it has not;
    None when a hash found belongs to another id."""
    import pyarrow as pa

    # Looked up in order: a hundred thousand lookups in shuffled order would miss the cache each time.
    order = np.argsort(numbers)
    slot = np.empty(len(numbers), dtype=np.int64)
    slot[order] = np.minimum(np.searchsorted(seen.hashes, numbers[order]), max(len(seen.hashes) - 1, 0))
    found = np.flatnonzero(seen.hashes[slot] == numbers) if len(seen.hashes) else np.zeros(0, dtype=np.int64)
    first = np.full(len(numbers), -1, dtype=np.int64)
    first[found] = seen.first_rows[slot[found]]
    earlier = padded_key_words(seen.keys.take(pa.array(first[found])))
    if earlier is None or not all(np.array_equal(word[found], other) for word, other in zip(words, earlier)):
        return None   # a hash shared by two ids
    return first


def board_rows(added: pd.DataFrame, found: Repeats) -> pd.DataFrame:
    """The added rows' board columns (scoring.BOARD_COLUMNS), a repeated activity not counted: what
    the boards read of them, before their reasons are written."""
    return not_counting(added[BOARD_COLUMNS], found.repeated)


def not_counting(part: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """The part with the rows set in `rows` (a mask) counting no more, nor as calls; the part itself
    is left as it was (it may be a memoised one)."""
    if not rows.any():
        return part
    return part.assign(**{column: part[column].to_numpy(dtype=bool) & ~rows for column in ("counted", "is_call")})


def append(last: pd.DataFrame, seen: SeenIds, added: pd.DataFrame, found: Repeats
           ) -> tuple[pd.DataFrame, Callable[[], SeenIds]]:
    """`last` (the marked, joined ledger part that `seen` describes) with the rows of `added` (the new
    parts, joined) after it, marked where `found` says they repeat; and what makes the ids of the
    whole (only the next export added reads them: made once this rescore's result is out)."""
    repeated = found.repeated
    # Joined before the new rows' reasons are written, so that the merge of the reasons meets the new
    # export's own few, not a row name per repeated row; marked before, where they are fewer.
    joined = concat_frames([last, not_counting(added, repeated)])
    if repeated.any():
        duplicate = np.zeros(len(joined), dtype=bool)
        duplicate[seen.rows:] = repeated
        texts = row_names(joined, found.first[repeated], SAME_ACTIVITY_ID)
        joined["reason"] = overlay(joined["reason"].array, duplicate, texts, ROW_NAME_PREFIXES)
    return joined, lambda: _ids_after(seen, found)


def _ids_after(seen: SeenIds, found: Repeats) -> SeenIds:
    """The ids of the join `seen` describes with the rows `found` describes after it."""
    import pyarrow as pa

    numbers = found.numbers
    new_first = np.flatnonzero(~found.repeated)
    order = np.argsort(numbers[new_first])
    at = np.searchsorted(seen.hashes, numbers[new_first][order])
    return SeenIds(np.insert(seen.hashes, at, numbers[new_first][order]),
                   np.insert(seen.first_rows, at, new_first[order] + seen.rows),
                   pa.chunked_array(seen.keys.chunks + found.keys.chunks, pa.large_string()))


def _chunked(columns: list[pd.Series]):
    """The columns' Arrow strings as one chunked array of large strings (no copy of the texts when
    they are large strings already); None if a column is not Arrow text."""
    import pyarrow as pa

    chunks = []
    for column in columns:
        array = getattr(column.array, "_pa_array", None)
        if array is None or not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            return None
        chunks += array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    return pa.chunked_array([c.cast(pa.large_string()) for c in chunks], pa.large_string())
