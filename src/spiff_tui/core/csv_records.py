"""Delimited text to records: the delimiter sniffed, every record kept with the line it starts on."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

DELIMITERS = (",", ";", "\t", "|")
# Cells kept per record at least (and at most four times the usual record's): see read_records.
MIN_STORED_WIDTH = 256
# And never more than a spreadsheet has columns: no export is wider, and a file that is one line of
# millions of cells would otherwise be a table of millions of columns.
MAX_STORED_WIDTH = 16_384
# The delimiter is sniffed from the first lines, but from no more than this much text of them.
SNIFF_CHARS = 1 << 20
csv.field_size_limit(1 << 30)


@dataclass(frozen=True)
class Records:
    """Cells of every record (positional columns, '' for an empty cell, None past a short row);
    field_counts and filled count every cell, even of a record too wide to keep whole."""

    cells: pd.DataFrame
    lines: np.ndarray      # 1-based physical line each record starts on
    field_counts: np.ndarray
    delimiter: str
    unterminated_line: int | None = None  # a quote opened here never closed
    filled: np.ndarray | None = None      # non-blank cells per record, when the reader knows them

    def filled_counts(self) -> np.ndarray:
        if self.filled is not None:
            return self.filled
        if self.cells.empty:
            return np.zeros(len(self.cells), dtype=np.int64)
        text = self.cells.astype("string").apply(lambda column: column.str.strip())
        return (text.notna() & (text != "")).sum(axis=1).to_numpy()


def sniff_delimiter(text: str) -> str:
    head = text[:min(_offset_after_lines(text, 60), SNIFF_CHARS)]
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        counts = Counter(len(row) for row in _head_records(head, delimiter) if any(c.strip() for c in row))
        mode, frequency = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=(1, 0))
        # The share of records with the usual cell count, not their number: a wrong delimiter
        # that mis-reads quotes splits records into more, equally short, pieces.
        score = (frequency / max(sum(counts.values()), 1) if mode > 1 else 0, mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _offset_after_lines(text: str, count: int) -> int:
    offset = 0
    for _ in range(count):
        found = text.find("\n", offset)
        if found == -1:
            return len(text)
        offset = found + 1
    return offset


def _head_records(head: str, delimiter: str) -> list[list[str]]:
    """The head parsed as records, so a quoted line break or delimiter does not split a record."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    try:
        rows.extend(reader)
    except csv.Error:
        pass  # the head ends inside a quoted cell: the records before it still count
    return rows


# In a file whose lines end in LF, a CR alone (in a cell, or doubled before CRLF) is no line break, as
# in Excel, grep -n and the fast reader: it stands in as this private-use character while the csv
# module (which would end a line at it) reads the text, and is put back in the cells. A CR that ends
# the text is a CRLF file cut off before its LF: it ends the line.
_LONE_CR = re.compile(r"\r(?!\n|\Z)")
_CR_STAND_IN = "\ue00d"


def read_records(text: str) -> Records:
    text = text.lstrip("\ufeff")
    lone_cr = "\n" in text and "\r" in text and _LONE_CR.search(text) is not None
    if lone_cr:
        text = _LONE_CR.sub(_CR_STAND_IN, text)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    next_line = 1
    unterminated = None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            unterminated = next_line
            break
        if lone_cr:
            row = [cell.replace(_CR_STAND_IN, "\r") for cell in row]
        rows.append(row)
        lines.append(next_line)
        next_line = reader.line_num + 1
    if rows and ends_inside_quote(text, delimiter, lines[-1]):
        unterminated = lines[-1]
    counts = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    # Counted here, while the cells are Python strings: far cheaper than string ops per column later.
    filled = np.fromiter((sum(1 for cell in r if cell.strip()) for r in rows), dtype=np.int64, count=len(rows))
    width = int(counts.max()) if len(counts) else 0
    stored = min(MAX_STORED_WIDTH, max(MIN_STORED_WIDTH, 4 * int(np.median(counts)))) if len(counts) else 0
    if width > stored:
        # Every record is padded to the widest: one line of 200,000 delimiters would make every
        # record that wide. Past this width a record is ragged whatever its cells hold, and its
        # counts above still say how many there were and how many were filled.
        rows = [row[:stored] for row in rows]
        width = stored
    padded = [row + [None] * (width - len(row)) if len(row) < width else row for row in rows]
    cells = pd.DataFrame(padded, dtype=object) if rows else pd.DataFrame()
    return Records(cells, np.asarray(lines, dtype=np.int64), counts, delimiter, unterminated, filled)


def ends_inside_quote(text: str, delimiter: str, last_line: int) -> bool:
    """Whether the last record was cut off inside a quoted cell (the csv module ends it silently).

    Counting quotes is not enough: a stray quote elsewhere (an inch mark in an unquoted cell)
    changes the count. So the last record is read again with a marker line after it: a quote
    still open swallows the marker into its cell. (Cheap beside the csv-module parse it follows.)"""
    if '"' not in text:
        return False
    source = io.StringIO(text, newline="")
    for _ in range(last_line - 1):
        source.readline()
    marker = "\ue000end"
    records = _head_records(source.read() + "\n" + marker, delimiter)
    return not records or records[-1] != [marker]
