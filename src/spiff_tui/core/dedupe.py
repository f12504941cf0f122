"""Which earlier row repeats each row's key, for a million Activity IDs without hashing a million
strings: each key is read as a few 64-bit words, folded into one number, those numbers are grouped,
and every repeat found is checked word for word; anything else, or any collision, takes the exact
string path. Keys of one width (Salesforce ids) are read in place; short keys of varying width
(HubSpot's numeric ids) are copied into zero-padded words, with their length as one more word.

Up to a couple of million rows the numbers are grouped by one sort of (number, row) packed into a
64-bit word, twice as fast as a hash table of a million numbers (whose lookups miss the CPU's
cache); the packing keeps fewer bits of the number, so a collision is likelier, and one found
takes the hash table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiff_tui.core.arrow_bytes import string_chunks

_PRIME = np.uint64(0x100000001B3)


def first_positions(keys: pd.Series) -> np.ndarray:
    """Per row, the position of the first row whose key equals its own (itself when it is the first)."""
    words = _key_words(keys)
    first = None if words is None else first_by_words(words, folded(words))
    return first if first is not None else _first_by_code(pd.factorize(keys)[0])


def folded(words: list[np.ndarray]) -> np.ndarray:
    """The words of each key folded into one 64-bit number (equal keys, equal numbers)."""
    number = words[0].copy()
    for word in words[1:]:
        number *= _PRIME
        number ^= word
    return number


def first_by_words(words: list[np.ndarray], numbers: np.ndarray) -> np.ndarray | None:
    """first_positions of keys given as words and their folded numbers; None if two different keys
    share a number (a collision: the caller takes the exact path)."""
    groupings = ([_first_by_sorting] if len(numbers) <= MAX_SORTED_ROWS else []) + \
        [lambda numbers: _first_by_code(pd.factorize(numbers)[0])]
    for grouping in groupings:
        first = grouping(numbers)
        if _same_words(words, first):
            return first
    return None


# Above this many rows the packed number keeps so few bits that collisions become likely.
MAX_SORTED_ROWS = 1 << 21


def _first_by_sorting(numbers: np.ndarray) -> np.ndarray:
    return _sorted_grouping(numbers, with_order=False)[0]


def _sorted_grouping(numbers: np.ndarray, with_order: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Per row, the first row with the same number, where the number's top bits decide sameness
    (as many as the row positions leave): each (number, row) is one word, sorted once, so the rows
    of one number come together, first row first. With `with_order`, also each first row, in order
    of those top bits."""
    count = len(numbers)
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64) if with_order else None
    bits = np.uint64(max(1, (count - 1).bit_length()))
    packed = (numbers >> bits) << bits
    packed |= np.arange(count, dtype=np.uint64)
    packed.sort()
    rows = (packed & np.uint64((1 << int(bits)) - 1)).astype(np.int64)
    packed >>= bits
    # Sorted places whose number equals the one before: repeats, usually few, so only their rows are
    # written (a write per row of a million, in shuffled order, would miss the cache each time).
    repeat = np.flatnonzero(packed[1:] == packed[:-1]) + 1
    first = np.arange(count, dtype=np.int64)
    if len(repeat):
        # Each run of consecutive repeats belongs to the place just before the run.
        run_starts = np.ones(len(repeat), dtype=bool)
        np.not_equal(repeat[1:], repeat[:-1] + 1, out=run_starts[1:])
        group_start = (repeat[run_starts] - 1)[np.cumsum(run_starts) - 1]
        first[rows[repeat]] = rows[group_start]
    return first, np.delete(rows, repeat) if with_order else None


def distinct_by_number(words: list[np.ndarray], numbers: np.ndarray) -> np.ndarray | None:
    """The first row of each distinct key, in ascending order of its number; None if two different
    keys share a number. When the sort above groups the keys without a clash, distinct keys differ
    in their top bits, so its order is the numbers' order and no second sort is needed."""
    if len(numbers) <= MAX_SORTED_ROWS:
        first, distinct = _sorted_grouping(numbers)
        if _same_words(words, first):
            return distinct
    first = first_by_words(words, numbers)
    if first is None:
        return None
    distinct = np.flatnonzero(first == np.arange(len(first)))
    return distinct[np.argsort(numbers[distinct])]


def _same_words(words: list[np.ndarray], first: np.ndarray) -> bool:
    """Whether each row's words equal those of the row given as its first: equal words are equal
    bytes, since the words cover every byte of the key."""
    repeat = np.flatnonzero(first != np.arange(len(first)))
    return all(np.array_equal(word[repeat], word[first[repeat]]) for word in words)


def _first_by_code(codes: np.ndarray) -> np.ndarray:
    # factorize numbers keys in order of first appearance, so code k first appears at the k-th new code.
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    seen = np.maximum.accumulate(codes)
    is_first = np.ones(len(codes), dtype=bool)
    is_first[1:] = codes[1:] > seen[:-1]
    return np.flatnonzero(is_first)[codes]


def _key_words(keys: pd.Series) -> list[np.ndarray] | None:
    """Each key as 64-bit words that are equal only for equal keys, when the keys are Arrow strings
    with none missing, all of one width of at least 8 bytes (read in place from Arrow's buffer; the
    last word may overlap the one before), or none wider than MAX_PADDED_WIDTH."""
    import pyarrow as pa

    array = getattr(keys.array, "_pa_array", None)
    if array is None or len(array) == 0 or array.null_count:
        return None
    chunks = string_chunks(array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array)
    if not chunks:
        return None
    offsets, data = chunks[0]
    lengths = np.diff(offsets)
    width = int(lengths.max())
    if width >= 8 and int(lengths.min()) == width:
        starts = list(range(0, width - 7, 8)) + ([width - 8] if width % 8 else [])
        return [np.ndarray(shape=(len(array),), dtype="<u8", buffer=data, offset=int(offsets[0]) + start,
                           strides=(width,)) for start in starts]
    if width <= MAX_PADDED_WIDTH and len(data):
        return _padded_words(offsets, data, lengths, width)
    return None


# Ids up to this many bytes are copied into padded words; wider ones of varying width are hashed as text.
MAX_PADDED_WIDTH = 24


def padded_key_words(keys) -> list[np.ndarray] | None:
    """Each key (an Arrow string array, chunked or not, or a Series of them) as MAX_PADDED_WIDTH
    bytes in zero-padded words and its length: the same words for the same key whatever else the
    column holds (fixed-width keys read in place depend on the width), so words made at different
    times compare. None if a key is missing or wider, or the keys are not Arrow strings."""
    array = getattr(getattr(keys, "array", None), "_pa_array", keys)
    if getattr(array, "null_count", 1):
        return None
    chunks = string_chunks(array)
    if chunks is None:
        return None
    words = [[np.zeros(0, dtype=np.uint64)] for _ in range(MAX_PADDED_WIDTH // 8 + 1)]
    for offsets, data in chunks:
        lengths = np.diff(offsets)
        widest = int(lengths.max())
        if widest > MAX_PADDED_WIDTH:
            return None
        chunk_words = _fixed_width_words(offsets, data, widest) if int(lengths.min()) == widest >= 8 else \
            _padded_words(offsets, data, lengths, MAX_PADDED_WIDTH)
        for kept, word in zip(words, chunk_words):
            kept.append(word)
    return [np.concatenate(parts) for parts in words]


def _fixed_width_words(offsets: np.ndarray, data: np.ndarray, width: int) -> list[np.ndarray]:
    """_padded_words(..., MAX_PADDED_WIDTH) of keys all `width` bytes long, read in place (Salesforce's
    18-character ids): no copy of the bytes, one strided read per word."""
    count, first = len(offsets) - 1, int(offsets[0])
    words = []
    for start in range(0, MAX_PADDED_WIDTH, 8):
        kept = min(max(width - start, 0), 8)
        if kept == 0:
            words.append(np.zeros(count, dtype=np.uint64))
            continue
        # The last key's word may reach past the bytes when it is cut short: that one is read apart.
        whole = count if first + (count - 1) * width + start + 8 <= len(data) else count - 1
        word = np.empty(count, dtype=np.uint64)
        word[:whole] = np.ndarray(shape=(whole,), dtype="<u8", buffer=data, offset=first + start, strides=(width,))
        if whole < count:
            tail = np.zeros(8, dtype=np.uint8)
            at = first + (count - 1) * width + start
            tail[:kept] = data[at:at + kept]
            word[whole] = tail.view("<u8")[0]
        word &= _LOW_BYTES[kept]
        words.append(word)
    words.append(np.full(count, width, dtype=np.uint64))
    return words


def _padded_words(offsets: np.ndarray, data: np.ndarray, lengths: np.ndarray, width: int) -> list[np.ndarray]:
    """Each key's bytes in 8-byte words, zeros past its end, and its length as the last word (so a key
    is not taken for itself with zeros after it)."""
    first = int(offsets[0])
    # Zeros after the last key, so that every word read below, even past a short key's end, is in bounds.
    padded = np.concatenate([data[first:int(offsets[-1])], np.zeros(width + 8, dtype=np.uint8)])
    # A 64-bit word starting at every byte: one gather reads each key's next 8 bytes.
    at_every_byte = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    starts = offsets[:-1].astype(np.int64) - first
    words = []
    for start in range(0, width, 8):
        kept = np.clip(lengths - start, 0, 8)
        words.append(at_every_byte[starts + start] & _LOW_BYTES[kept])
    words.append(lengths.astype(np.uint64))
    return words


# The mask keeping a word's first k bytes (its low bytes, little-endian), for k = 0..8.
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
