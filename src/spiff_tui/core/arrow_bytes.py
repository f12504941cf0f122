"""Arrow string arrays read in place: each chunk's offsets and bytes as numpy views, for byte tests
that a regex or string kernel would run value by value."""

from __future__ import annotations

import numpy as np

_EMPTY = np.zeros(0, dtype=np.uint8)


def string_chunks(array) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Per chunk (offsets, data): value i is data[offsets[i]:offsets[i + 1]]. None unless the array
    (or chunked array) holds Arrow strings."""
    import pyarrow as pa

    chunks = []
    for chunk in array.chunks if isinstance(array, pa.ChunkedArray) else [array]:
        offset_type = {pa.string(): np.int32, pa.large_string(): np.int64}.get(chunk.type)
        if offset_type is None:
            return None
        if len(chunk) == 0:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=offset_type)[chunk.offset:chunk.offset + len(chunk) + 1]
        data = chunk.buffers()[2]
        chunks.append((offsets, _EMPTY if data is None else np.frombuffer(data, dtype=np.uint8)))
    return chunks


def byte_counts(array, byte: int) -> np.ndarray | None:
    """How many times `byte` occurs in each value (nulls count 0); None unless Arrow strings."""
    chunks = string_chunks(array)
    if chunks is None:
        return None
    parts = [np.zeros(0, dtype=np.int64)]
    for offsets, data in chunks:
        counts = np.zeros(len(offsets) - 1, dtype=np.int64)
        found = np.flatnonzero(data[offsets[0]:offsets[-1]] == byte) + offsets[0]
        if len(found):
            np.add.at(counts, np.searchsorted(offsets, found, side="right") - 1, 1)
        parts.append(counts)
    return np.concatenate(parts)


def first_bytes(array) -> np.ndarray | None:
    """Each value's first byte (0 for an empty or null value); None unless Arrow strings."""
    chunks = string_chunks(array)
    if chunks is None:
        return None
    parts = [np.zeros(0, dtype=np.uint8)]
    for offsets, data in chunks:
        first = np.zeros(len(offsets) - 1, dtype=np.uint8)
        filled = np.diff(offsets) > 0
        first[filled] = data[offsets[:-1][filled]]
        parts.append(first)
    return np.concatenate(parts)
