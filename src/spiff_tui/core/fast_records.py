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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spiff_tui.core.arrow_bytes import byte_counts
from spiff_tui.core.csv_records import Records, read_records
from spiff_tui.core.text import TEXT

FAST_MIN_CHARS = 1 << 20
HEAD_LINES = 64


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
    body_lines = data.count(b"\n", offset) + (0 if data.endswith(b"\n") or len(data) == offset else 1)
    body_parser = _BodyParser(body, names, head.delimiter,
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
        placed = _place_rejected(body_parser.numbers, rejected, parsed.line_breaks(), body_lines)
        if placed is None:
            return None
        starts, rejected_lines = placed
        left = [_trimmed_cr(r) for r in rejected]
        # A blank line is a row of empty values to Arrow; to the csv module it is a record of no cells.
        blank = _blank_lines(data, offset, parsed, starts)
        if blank.any():
            parsed = parsed.kept(~blank)
            rejected_lines = np.concatenate([rejected_lines, starts[blank]])
            left += [""] * int(blank.sum())
            starts = starts[~blank]
        order = np.argsort(rejected_lines, kind="stable")
        table, empty = _plain_where_distinct(parsed.table), parsed.empty_rows()
        return _assemble(head, header_index, table, empty, [left[i] for i in order],
                         header_line, starts + header_line + 1, rejected_lines[order] + header_line + 1)
    count = parsed.table.num_rows
    tail_rows = _last_lines(data, body_lines - count - int(extra.sum()))
    starts = np.arange(count, dtype=np.int64) + np.concatenate([[0], np.cumsum(extra)[:-1]]).astype(np.int64)
    after = count + int(extra.sum())
    table, empty = _plain_where_distinct(parsed.table), parsed.empty_rows()
    return _assemble(head, header_index, table, empty, tail_rows, header_line,
                     starts + header_line + 1, np.arange(after, after + len(tail_rows), dtype=np.int64) + header_line + 1)


@dataclass
class _Parsed:
    """Arrow's rows: `table` has every column, but those no one reads hold blanks; per row, the line
    breaks in those columns' values and whether they were all blank."""

    table: object
    unused_breaks: np.ndarray
    unused_blank: np.ndarray

    def line_breaks(self) -> np.ndarray:
        """Lines each row spans beyond its first: zero unless a quoted value holds line breaks."""
        extra = self.unused_breaks.copy()
        for column in self.table.columns:
            extra += _per_row(column, _newlines)
        return extra

    def empty_rows(self) -> np.ndarray:
        return _empty_rows(self.table, self.unused_blank.copy())

    def kept(self, rows: np.ndarray) -> _Parsed:
        """Only the given rows; the table is filtered a column at a time, each old column let go as
        its copy is made, so that the filter does not hold the table twice."""
        import pyarrow as pa

        mask = pa.array(rows)
        table, self.table = self.table, None
        schema, columns = table.schema, []
        while table.num_columns:
            columns.append(table.column(0).filter(mask))
            table = table.remove_column(0)
        return _Parsed(pa.Table.from_arrays(columns, schema=schema), self.unused_breaks[rows], self.unused_blank[rows])


class _BodyParser:
    """Arrow's parse of an export's body, threaded, or serial to number the rows it rejects. When some
    columns are read by no one, the body is read block by block and those columns are reduced to
    their line breaks and blankness as each block comes: a wide export's other fields then cost
    next to no memory."""

    def __init__(self, body, names: list[str], delimiter: str, column_types: dict, unused: list[int]) -> None:
        self.body, self.names, self.delimiter, self.column_types = body, names, delimiter, column_types
        self.unused = unused
        self.used = [i for i in range(len(names)) if i not in set(unused)]
        self.rejected: list[str] = []
        self.numbers: list[int | None] = []

    def parse(self, newlines_in_values: bool, serial: bool = False) -> _Parsed | None:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        self.rejected.clear()
        self.numbers.clear()

        def reject(row) -> str:
            self.rejected.append(row.text)
            if serial:
                self.numbers.append(row.number)
            return "skip"

        options = {
            "read_options": pacsv.ReadOptions(column_names=self.names, block_size=8 << 20, use_threads=not serial),
            # Read serially, Arrow numbers each row it rejects; blank lines are kept (as rows of
            # empty values) so that every line is in a parsed or a rejected row.
            "parse_options": pacsv.ParseOptions(delimiter=self.delimiter, newlines_in_values=newlines_in_values,
                                                ignore_empty_lines=not serial, invalid_row_handler=reject),
            "convert_options": pacsv.ConvertOptions(column_types=self.column_types, strings_can_be_null=False,
                                                    quoted_strings_can_be_null=False)}
        try:
            if not self.unused:
                table = pacsv.read_csv(pa.BufferReader(self.body), **options)
                return _Parsed(table, np.zeros(table.num_rows, dtype=np.int64), np.ones(table.num_rows, dtype=bool))
            return self._by_blocks(pacsv.open_csv(pa.BufferReader(self.body), **options))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            return None
        finally:
            pa.default_memory_pool().release_unused()   # the parser's blocks, before the columns are copied

    def _by_blocks(self, reader) -> _Parsed:
        import pyarrow as pa

        kept, breaks, blank = [], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=bool)]
        for batch in reader:
            others = [batch.column(i) for i in self.unused]
            breaks.append(np.sum([_newlines(values) for values in others], axis=0, dtype=np.int64))
            blank.append(np.logical_and.reduce([_blank(values) for values in others], axis=0))
            kept.append(batch.select(self.used))
        schema = reader.schema
        table = pa.Table.from_batches(kept, schema=pa.schema([schema.field(i) for i in self.used]))
        blanks = pa.DictionaryArray.from_arrays(pa.array(np.zeros(table.num_rows, dtype=np.int8)),
                                                pa.array([""], pa.string()))
        for i in self.unused:   # in ascending order, so each lands at its own position
            table = table.add_column(i, self.names[i], blanks)
        return _Parsed(table, np.concatenate(breaks), np.concatenate(blank))


def _plain_where_distinct(table):
    """The dictionary-encoded columns whose values are mostly distinct (date-times: every one differs)
    as plain text: half a million categories cost pandas far more than they save."""
    import pyarrow as pa

    for i, column in enumerate(table.columns):
        if pa.types.is_dictionary(column.type) and column.num_chunks:
            distinct = sum(len(chunk.dictionary) for chunk in column.chunks)
            if distinct > max(MOSTLY_DISTINCT, len(column) // 2):
                table = table.set_column(i, table.field(i).name, column.cast(pa.string()))
    return table


# A dictionary column keeps its categories up to this many distinct values, or half its rows.
MOSTLY_DISTINCT = 4096


def _empty_rows(table, empty: np.ndarray) -> np.ndarray:
    """Which parsed rows have every cell blank, of those `empty` leaves in question."""
    for column in table.columns:
        if not empty.any():
            break   # every row has a filled cell already: most exports settle it on the first column
        empty &= _per_row(column, _blank).astype(bool)
    return empty


def _place_rejected(numbers: list[int | None], rejected: list[str], extra: np.ndarray,
                    body_lines: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(0-based body line of each parsed row, of each rejected one) from the rejected rows' numbers
    in a serial parse, which count every row, parsed, rejected or blank; None unless the rows so
    placed span exactly the body's lines."""
    count = len(extra) + len(rejected)
    if any(n is None for n in numbers):
        return None
    at = np.asarray(numbers, dtype=np.int64) - 1
    if len(at) and (at.min() < 0 or at.max() >= count or len(np.unique(at)) != len(at)):
        return None
    is_rejected = np.zeros(count, dtype=bool)
    is_rejected[at] = True
    spans = np.ones(count, dtype=np.int64)
    spans[~is_rejected] += extra
    spans[at] += np.array([r.count("\n") for r in rejected], dtype=np.int64)
    if int(spans.sum()) != body_lines:
        return None
    starts = np.concatenate([[0], np.cumsum(spans)[:-1]]).astype(np.int64)
    return starts[~is_rejected], starts[at]


def _blank_lines(data: bytes, offset: int, parsed: _Parsed, starts: np.ndarray) -> np.ndarray:
    """Which parsed rows are blank lines: rows of empty values whose line holds nothing (',,,' does)."""
    empty = parsed.unused_blank.copy()
    for column in parsed.table.columns:
        if not empty.any():
            return empty
        empty &= _per_row(column, _empty).astype(bool)
    if not empty.any():
        return empty
    body = np.frombuffer(data, dtype=np.uint8, offset=offset)
    ends = np.append(np.flatnonzero(body == ord("\n")), len(body))
    line_starts = np.concatenate([[0], ends[:-1] + 1])
    rows = np.flatnonzero(empty)
    begin, length = line_starts[starts[rows]], ends[starts[rows]] - line_starts[starts[rows]]
    lone_cr = np.zeros(len(rows), dtype=bool)
    lone_cr[length == 1] = body[begin[length == 1]] == ord("\r")
    empty[rows] = (length == 0) | lone_cr
    return empty


def _empty(values) -> np.ndarray:
    import pyarrow.compute as pc

    return pc.equal(pc.binary_length(values), 0).to_numpy(zero_copy_only=False)


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


def _per_row(column, compute) -> np.ndarray:
    """A function of an Arrow array (to numpy) over a column's rows; on dictionary chunks it runs
    once per distinct value."""
    import pyarrow as pa

    parts = []
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            per_value = compute(chunk.dictionary)
            parts.append(per_value[chunk.indices.to_numpy(zero_copy_only=False)])
        else:
            parts.append(compute(chunk))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _newlines(values) -> np.ndarray:
    """Line feeds in each value: a byte scan of the whole buffer, not a string search per value."""
    import pyarrow.compute as pc

    counts = byte_counts(values, ord("\n"))
    return counts if counts is not None else pc.count_substring(values, "\n").to_numpy(zero_copy_only=False)


def _blank(values) -> np.ndarray:
    import pyarrow.compute as pc

    return pc.equal(pc.utf8_trim_whitespace(values), "").to_numpy(zero_copy_only=False)


def _with_categories(frame: pd.DataFrame, body: pd.DataFrame) -> pd.DataFrame:
    """Head or tail cells typed like the body's columns (the body's categories already hold them)."""
    typed = {}
    for column in frame.columns:
        values = frame[column].astype(object)
        if column in body and isinstance(body[column].dtype, pd.CategoricalDtype):
            categories = body[column].cat.categories
            typed[column] = pd.Categorical.from_codes(categories.get_indexer(values), dtype=body[column].dtype)
        else:
            typed[column] = values.astype(TEXT)
    return pd.DataFrame(typed, index=frame.index)


def _add_categories(column: pd.Series, values: pd.Series) -> pd.Series:
    """The body column with the few head/tail texts it lacks appended to its categories."""
    categories = column.cat.categories
    wanted = pd.Index(values.dropna().unique())
    new = wanted[categories.get_indexer(wanted) == -1]
    if new.empty:
        return column
    dtype = pd.CategoricalDtype(categories.append(new.astype(categories.dtype)))
    return pd.Series(pd.Categorical.from_codes(column.cat.codes.to_numpy(), dtype=dtype), index=column.index)


def _assemble(head: Records, header_index: int, table, empty: np.ndarray, tail_rows: list[str],
              header_line: int, starts: np.ndarray, tail_lines: np.ndarray) -> Records:
    """The head's records up to the header, the parsed rows (`empty` says which are blank) and the
    rows Arrow left (`tail_rows`, each read by the csv module), in line order; `starts` and
    `tail_lines` are the 1-based lines they start on."""
    import pyarrow as pa

    count = table.num_rows
    body = table.to_pandas(types_mapper=lambda t: TEXT if t == pa.string() else None)
    body.columns = range(body.shape[1])
    tail = [next(csv.reader(io.StringIO(row, newline=""), delimiter=head.delimiter), []) for row in tail_rows]
    top = head.cells.iloc[:header_index + 1]
    width = max([body.shape[1], top.shape[1]] + [len(r) for r in tail])
    tail_cells = pd.DataFrame([r + [None] * (width - len(r)) for r in tail], columns=range(width), dtype=object)
    for column in body.columns:
        if isinstance(body[column].dtype, pd.CategoricalDtype):
            body[column] = _add_categories(body[column], pd.concat([top[column], tail_cells[column]]))
    body_width = body.shape[1]
    top, tail_cells = _with_categories(top, body), _with_categories(tail_cells, body)
    # Joined a column at a time, each body column let go as soon as it is copied: the whole body
    # twice over is the peak memory of reading a large export.
    columns = {}
    for column in range(width):
        # A ragged row in the tail can be wider than the header and the body: blanks there.
        pieces = [frame.pop(column) if column in frame else pd.Series([None] * len(frame), dtype=object)
                  for frame in (top, body, tail_cells)]
        columns[column] = pd.concat(pieces, ignore_index=True)
        del pieces
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
