"""Arrow's parse of an export's body, and what it tells of each row: the line breaks in its values,
whether it is blank, and where the rows it rejected stood."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spiff_tui.core.arrow_bytes import byte_counts


@dataclass
class Parsed:
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
        return _rows_all(self.table, self.unused_blank.copy(), _blank)

    def kept(self, rows: np.ndarray) -> Parsed:
        """Only the given rows; the table is filtered a column at a time, each old column let go as
        its copy is made, so that the filter does not hold the table twice."""
        import pyarrow as pa

        mask = pa.array(rows)
        table, self.table = self.table, None
        schema, columns = table.schema, []
        while table.num_columns:
            columns.append(table.column(0).filter(mask))
            table = table.remove_column(0)
        return Parsed(pa.Table.from_arrays(columns, schema=schema), self.unused_breaks[rows], self.unused_blank[rows])


class BodyParser:
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

    def parse(self, newlines_in_values: bool, serial: bool = False) -> Parsed | None:
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
                return Parsed(table, np.zeros(table.num_rows, dtype=np.int64), np.ones(table.num_rows, dtype=bool))
            return self._by_blocks(pacsv.open_csv(pa.BufferReader(self.body), **options))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            return None
        finally:
            pa.default_memory_pool().release_unused()   # the parser's blocks, before the columns are copied

    def _by_blocks(self, reader) -> Parsed:
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
        return Parsed(table, np.concatenate(breaks), np.concatenate(blank))


def plain_where_distinct(table):
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


def _rows_all(table, rows: np.ndarray, test) -> np.ndarray:
    """Which of the parsed rows `rows` leaves in question pass `test` (blank, empty) in every cell."""
    for column in table.columns:
        if not rows.any():
            break   # every row has failed already: most exports settle it on the first column
        rows &= _per_row(column, test).astype(bool)
    return rows


def place_rejected(numbers: list[int | None], rejected: list[str], extra: np.ndarray,
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


def blank_lines(data: bytes, offset: int, parsed: Parsed, starts: np.ndarray) -> np.ndarray:
    """Which parsed rows are blank lines: rows of empty values whose line holds nothing (',,,' does)."""
    empty = _rows_all(parsed.table, parsed.unused_blank.copy(), _empty)
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
