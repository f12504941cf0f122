"""CSV bytes assembled by Arrow, byte for byte what Python's csv module writes (minimal quoting,
'\\n' line ends), for a million-row ledger without a Python string per cell.

Arrow's own CSV writer quotes every text cell, so the cells are quoted and joined here instead: a
cell is quoted when it holds a comma, a quote or a line feed (quotes doubled inside), cells are
joined by commas, and each row ends in a line feed. The rows' bytes then lie end to end in one
Arrow buffer, which is the file's body.
"""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.compute as pc

ROWS_PER_CHUNK = 200_000


def csv_bytes(names: list[str], cells: list[pa.Array]) -> bytes:
    """The header and rows; `cells` holds each column's texts (no nulls), as plain arrays or as
    dictionary arrays, whose distinct texts are quoted once. Rows are assembled a chunk at a time,
    so the working copies stay small beside the file's own bytes."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(names)
    chunks = [header.getvalue().encode("utf-8")]
    dictionaries = {i: _quoted(pc.cast(c.dictionary, pa.large_string()))
                    for i, c in enumerate(cells) if isinstance(c, pa.DictionaryArray)}
    count = len(cells[0]) if cells else 0
    for start in range(0, count, ROWS_PER_CHUNK):
        part = [c.slice(start, ROWS_PER_CHUNK) for c in cells]
        quoted = [pc.take(dictionaries[i], c.indices) if i in dictionaries else _quoted(pc.cast(c, pa.large_string()))
                  for i, c in enumerate(part)]
        chunks.append(_rows(quoted))
    return b"".join(chunks)


def _rows(quoted: list[pa.Array]) -> memoryview:
    """The rows' bytes: cells joined by commas, each row ending in a line feed."""
    if len(quoted) == 1:
        # The csv module writes a lone empty cell as "" so that the row is not a blank line.
        quoted = [pc.if_else(pc.equal(quoted[0], ""), _large('""'), quoted[0])]
    quoted[-1] = pc.binary_join_element_wise(quoted[-1], _large(""), _large("\n"))
    lines = pc.binary_join_element_wise(*quoted, _large(",")) if len(quoted) > 1 else quoted[0]
    offsets, data = lines.buffers()[1], lines.buffers()[2]
    first, last = _offset(offsets, lines.offset), _offset(offsets, lines.offset + len(lines))
    return memoryview(data)[first:last]


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _quoted(texts: pa.Array) -> pa.Array:
    needs = pc.or_(pc.or_(pc.match_substring(texts, ","), pc.match_substring(texts, '"')),
                   pc.match_substring(texts, "\n"))
    if not pc.any(needs).as_py():
        return texts
    escaped = pc.binary_join_element_wise(_large('"'), pc.replace_substring(texts, '"', '""'), _large('"'), _large(""))
    return pc.if_else(needs, escaped, texts)


def _offset(buffer: pa.Buffer, index: int) -> int:
    return int.from_bytes(buffer[index * 8:index * 8 + 8].to_pybytes(), "little", signed=True)
