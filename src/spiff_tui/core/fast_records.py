"""Large delimited files through Arrow's multi-threaded CSV parser — with exact line numbers, or not at all.

Arrow's threaded parse does not report where a row came from, so its rows are numbered from the
file's shape: each row spans one line plus the line breaks in its values, and everything Arrow
could not parse (footer, blank lines) sits in a block at the end. When rows it rejects sit among the
others (a ragged row, a blank line), a serial parse, which numbers the rows it rejects, places them.
Whenever the rows so placed do not account for every line, this returns None and the exact,
slower csv-module path reads the file instead.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import numpy as np
import pandas as pd

from spiff_tui.core.arrow_body import BodyParser, blank_lines, place_rejected, plain_where_distinct
from spiff_tui.core.csv_records import Records, ends_inside_quote, read_records
from spiff_tui.core.labels import distinct_dtype
from spiff_tui.core.text import TEXT

FAST_MIN_CHARS = 1 << 20
HEAD_LINES = 64
# The texts of a categorical column's categories: pandas' own string type, as Arrow's conversion makes.
CATEGORY_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def read_records_fast(data: bytes, start: int, locate) -> Records | None:
    """Records of a large UTF-8 export (`data[start:]`, past any BOM), or None when only the exact
    path can number its lines — or the bytes are not all UTF-8, which Arrow checks as it parses.

    `locate(records)` finds the header among the first records: (its index, the positions of the
    columns that repeat few values — names, types, stages, dates —, the positions read at all), or
    None. The repeating ones are read dictionary-encoded, so later steps work once per distinct
    value. Of a column read by no one (an export's other fields), the parsed rows keep only
    whether each row is blank: its cells there are left blank, so that forty columns of an export
    cost the memory of the few the contest reads. Only the first lines are decoded into Python
    text: the body goes from the file's bytes straight to Arrow.
    """
    import pyarrow as pa

    head_end = _byte_offset_after_lines(data, HEAD_LINES, start)
    try:
        head = read_records(data[start:head_end].decode("utf-8"))
    except UnicodeDecodeError:
        return None
    located = locate(head)
    if located is None:
        return None
    header_index, repeating, used = located
    if header_index + 1 >= len(head.lines):
        return None
    header_line = int(head.lines[header_index])
    if int(head.lines[header_index + 1]) != header_line + 1:
        return None  # the header itself spans lines
    width = int(head.field_counts[header_index])
    offset = _byte_offset_after_lines(data, header_line, start)
    body = pa.py_buffer(data).slice(offset)
    names = [f"c{i}" for i in range(width)]
    feeds, lone_returns = _line_feeds_and_lone_crs(data, offset)
    if lone_returns and feeds:
        # Arrow ends a row at a CR alone, where the exact path, in a file of LF lines, reads it as
        # part of the line: rows and lines then part ways, in ways counting lines cannot always tell.
        return None
    body_lines = feeds + (0 if data.endswith(b"\n") or len(data) == offset else 1)
    body_parser = BodyParser(body, names, head.delimiter,
                              {n: pa.dictionary(pa.int32(), pa.string()) if i in repeating else pa.string()
                               for i, n in enumerate(names)},
                              [i for i in range(width) if i not in used])
    rejected = body_parser.rejected
    parsed = None
    for newlines_in_values in (False, True):
        parsed = None   # the last parse's rows go before the next parse holds its own
        parsed = body_parser.parse(newlines_in_values)
        if parsed is None:
            continue
        rows = parsed.table.num_rows
        if rows and not parsed.unused_breaks.any() and _tail_accounts(data, body_lines, rows, rejected):
            extra = parsed.unused_breaks
            break
        extra = parsed.line_breaks()
        if rows and _tail_accounts(data, body_lines, rows + int(extra.sum()), rejected):
            break
    else:
        # Rows Arrow could not take sit among the others (a ragged row, a blank line): a serial parse
        # numbers them. A one-column file has no ragged rows, and its blank lines would parse as rows.
        parsed = None
        parsed = body_parser.parse(True, serial=True) if width > 1 else None
        if parsed is None or not parsed.table.num_rows:
            return None
        placed = place_rejected(body_parser.numbers, rejected, parsed.line_breaks(), body_lines)
        if placed is None:
            return None
        starts, rejected_lines = placed
        left = [_trimmed_cr(r) for r in rejected]
        # A blank line is a row of empty values to Arrow; to the csv module it is a record of no cells.
        blank = blank_lines(data, offset, parsed, starts)
        if blank.any():
            parsed = parsed.kept(~blank)
            rejected_lines = np.concatenate([rejected_lines, starts[blank]])
            left += [""] * int(blank.sum())
            starts = starts[~blank]
        order = np.argsort(rejected_lines, kind="stable")
        table, empty = plain_where_distinct(parsed.table), parsed.empty_rows()
        records = _assemble(head, header_index, table, empty, [left[i] for i in order],
                            header_line, starts + header_line + 1, rejected_lines[order] + header_line + 1)
        return _marked_if_cut_off(records, data, header_line + body_lines)
    count = parsed.table.num_rows
    tail_rows = _last_lines(data, body_lines - count - int(extra.sum()))
    starts = np.arange(count, dtype=np.int64) + np.concatenate([[0], np.cumsum(extra)[:-1]]).astype(np.int64)
    after = count + int(extra.sum())
    table, empty = plain_where_distinct(parsed.table), parsed.empty_rows()
    records = _assemble(head, header_index, table, empty, tail_rows, header_line, starts + header_line + 1,
                        np.arange(after, after + len(tail_rows), dtype=np.int64) + header_line + 1)
    return _marked_if_cut_off(records, data, header_line + body_lines)


def _marked_if_cut_off(records: Records, data: bytes, file_lines: int) -> Records:
    """The records, with the file's last one marked unterminated if it was cut off inside a quoted
    cell (a file still being written), as the exact path marks it: Arrow ends such a cell at the
    end of the file (or of its line) without a word, and would have the rest of a cut-off row
    scored. Blank records after it are lines the open quote swallows; looked at from the last,
    the first whose text runs to the end inside a quote is the one cut off."""
    if not len(records.lines):
        return records
    filled = np.flatnonzero(records.filled_counts() > 0)
    first = int(filled[-1]) if len(filled) else len(records.lines) - 1
    for index in range(len(records.lines) - 1, first - 1, -1):
        line = int(records.lines[index])
        if ends_inside_quote("\n".join(_last_lines(data, file_lines - line + 1)), records.delimiter, 1):
            return replace(records, unterminated_line=line)
    return records


def _joined(top: pd.Series, body, tail: pd.Series) -> pd.Series:
    """One column: the head's cells, Arrow's body column, the tail's cells. A dictionary column
    becomes a categorical built from Arrow's codes and dictionary, with the few head and tail texts
    it lacks appended: pandas would otherwise turn every distinct value into a Python string and
    hash it (tens of thousands of account names), holding the interpreter while it does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(body.type):
        return pd.concat([top.astype(TEXT), pd.Series(TEXT.__from_arrow__(body)), tail.astype(TEXT)],
                         ignore_index=True)
    body = body.unify_dictionaries()
    categories = body.chunk(0).dictionary if body.num_chunks else pa.array([], pa.string())
    codes = [chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False) for chunk in body.chunks]
    del body
    outer = pa.array(pd.concat([top, tail]).tolist(), pa.string())
    lacking = outer.filter(pc.invert(pc.is_in(outer, value_set=categories))).drop_null()
    if len(lacking):
        categories = pa.concat_arrays([categories, pc.unique(lacking)])
    outer_codes = pc.index_in(outer, value_set=categories).fill_null(-1).to_numpy(zero_copy_only=False)
    all_codes = np.concatenate([outer_codes[:len(top)], *codes, outer_codes[len(top):]]).astype(np.int32, copy=False)
    # Arrow's unified dictionary holds each text once, and the texts appended are ones it lacked.
    dtype = distinct_dtype(pd.Index(pd.array(categories, dtype=CATEGORY_TEXT)))
    return pd.Series(pd.Categorical.from_codes(all_codes, dtype=dtype, validate=False))


def _line_feeds_and_lone_crs(data: bytes, offset: int, block: int = 1 << 22) -> tuple[int, int]:
    """(line feeds, CRs alone) in data[offset:], counted by numpy a block at a time: three times
    quicker than bytes.count, and without holding the interpreter, so the other file's reading goes
    on. A CR alone is one not before a LF, nor the last byte (a CRLF file cut off before its LF)."""
    view = np.frombuffer(data, dtype=np.uint8, offset=offset)
    feeds = lone = 0
    for at in range(0, len(view), block):
        chunk = view[at:at + block]
        feeds += int(np.count_nonzero(chunk == 0x0A))
        returns = chunk == 0x0D
        if returns.any():
            following = view[at + 1:at + block + 1]
            lone += int(np.count_nonzero(returns[:len(following)] & (following != 0x0A)))
    return feeds, lone


def _trimmed_cr(text: str) -> str:
    return text.removesuffix("\r")


def _byte_offset_after_lines(data: bytes, count: int, offset: int = 0) -> int:
    for _ in range(count):
        found = data.find(b"\n", offset)
        if found == -1:
            return len(data)
        offset = found + 1
    return offset


def _tail_accounts(body: bytes, body_lines: int, parsed_lines: int, rejected: list[str]) -> bool:
    """Every line not in a parsed row is in the trailing block, and that block is what Arrow rejected."""
    tail_count = body_lines - parsed_lines
    if tail_count < 0 or tail_count > len(rejected) + 100:
        return False
    tail = _last_lines(body, tail_count)
    return sorted(r for r in tail if r.strip()) == sorted(r.rstrip("\r") for r in rejected)


def _last_lines(data: bytes, count: int) -> list[str]:
    end = len(data) - (1 if data.endswith(b"\n") else 0)
    lines = []
    for _ in range(count):
        start = data.rfind(b"\n", 0, end) + 1
        lines.append(data[start:end].decode("utf-8").rstrip("\r"))
        end = start - 1
    return lines[::-1]


def _assemble(head: Records, header_index: int, table, empty: np.ndarray, tail_rows: list[str],
              header_line: int, starts: np.ndarray, tail_lines: np.ndarray) -> Records:
    """The head's records up to the header, the parsed rows (`empty` says which are blank) and the
    rows Arrow left (`tail_rows`, each read by the csv module), in line order; `starts` and
    `tail_lines` are the 1-based lines they start on."""
    count, body_width = table.num_rows, table.num_columns
    tail = [next(csv.reader(io.StringIO(row, newline=""), delimiter=head.delimiter), []) for row in tail_rows]
    top = head.cells.iloc[:header_index + 1]
    width = max([body_width, top.shape[1]] + [len(r) for r in tail])
    tail_cells = pd.DataFrame([r + [None] * (width - len(r)) for r in tail], columns=range(width), dtype=object)
    # Joined a column at a time, each body column let go as soon as it is copied: the whole body
    # twice over is the peak memory of reading a large export.
    columns = {}
    for column in range(width):
        outer = [frame[column] if column in frame else pd.Series([None] * len(frame), dtype=object)
                 for frame in (top, tail_cells)]
        if column < body_width:
            values, table = table.column(0), table.remove_column(0)
            columns[column] = _joined(outer[0], values, outer[1])
        else:
            # A ragged row in the tail can be wider than the header and the body: blanks there.
            columns[column] = pd.concat([outer[0].astype(TEXT), pd.Series([None] * count, dtype=object),
                                         outer[1].astype(TEXT)], ignore_index=True)
        del outer
    cells = pd.DataFrame(columns)
    lines = np.concatenate([head.lines[:header_index + 1], starts, tail_lines]).astype(np.int64)
    counts = np.concatenate([head.field_counts[:header_index + 1], np.full(count, body_width, dtype=np.int64),
                             np.array([len(r) for r in tail], dtype=np.int64)])
    top_filled = head.filled_counts()[:header_index + 1]
    tail_filled = np.array([sum(1 for c in r if c.strip()) for r in tail], dtype=np.int64)
    filled = np.concatenate([top_filled, np.where(empty, 0, body_width), tail_filled])
    if len(tail_lines) and count and tail_lines[0] < starts[-1]:
        # Rows Arrow rejected among the parsed ones go back to their places.
        order = np.argsort(lines, kind="stable")
        cells = cells.take(order).reset_index(drop=True)
        lines, counts, filled = lines[order], counts[order], filled[order]
    return Records(cells, lines, counts, head.delimiter, None, filled)
