"""One export file to a typed frame of its kind, with a report of what was read and what was not."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from spiff_tui.core.csv_records import Records, read_records
from spiff_tui.core.decode import NotText, decode, looks_binary, utf16_shape
from spiff_tui.core.fast_records import FAST_MIN_CHARS, read_records_fast
from spiff_tui.core.layout import Layout, find_header, find_layout, row_values
from spiff_tui.core.memory import tune_allocators
from spiff_tui.core.problems import INFO, WARNING, Problem
from spiff_tui.core.rules import Rules
from spiff_tui.core.text import TEXT, display_text
from spiff_tui.core.values import (
    CONFLICT,
    CURRENCY_SYMBOLS,
    parse_amounts,
    parse_dates,
    parse_flags,
)
from spiff_tui.core.xlsx_records import BadWorkbook, read_sheets

ZIP_MAGIC = b"PK\x03\x04"
_NOT_BLANK = re.compile(rb"[^ \t\r\n\x00]")
_UNSAFE_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
DATE_FIELDS = {"opportunities": ("created", "close"), "activities": ("date",), "accounts": ()}


@dataclass(frozen=True)
class FileResult:
    """What reading one export gave: its kind, its rows as a frame, and how it went."""

    name: str
    kind: str | None = None
    frame: pd.DataFrame | None = None
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    rows_read: int = 0
    rows_skipped: int = 0
    footer_lines: int = 0
    title_rows: int = 0
    total_rows: int = 0
    generated: dt.datetime | None = None
    modified: dt.datetime | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def rows_used(self) -> int:
        return 0 if self.frame is None else len(self.frame)

    @property
    def export_time(self) -> dt.datetime | None:
        return self.generated or self.modified

    def rows_dropped(self) -> FileResult:
        """The same result without its rows' values (it still counts them), for when only the
        report of how the file was read is still needed."""
        return self if self.frame is None else replace(self, frame=self.frame.iloc[:, :0])


def shown_name(name: str) -> str:
    """A file name safe to print and export: control and bidi characters written as escapes."""
    return _UNSAFE_IN_NAME.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                               else f"\\u{ord(m.group()):04x}", name)


def _is_html(head: bytes) -> bool:
    """An HTML page (a report saved from a browser, or Salesforce's 'Export Details' to Excel), in
    UTF-8 or UTF-16: no reading of delimiters makes an export of it."""
    text = head.replace(b"\x00", b"").lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html", b"<table"))


def read_export(path: Path, rules: Rules) -> FileResult:
    tune_allocators()
    name = shown_name(path.name)
    try:
        data = path.read_bytes()
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime)
    except OSError as exc:
        return FileResult(name, problems=(Problem(name, None, None, f"cannot read file: {exc.strerror or exc}"),))
    base = FileResult(name, modified=modified)
    if _NOT_BLANK.search(data) is None:
        return _with(base, Problem(name, None, None, "file is empty; nothing to read", WARNING))
    if _is_html(data[:1024]):
        return _with(base, Problem(name, None, None, "is an HTML page, not an export (a report saved from a "
                                   "browser or Salesforce's 'Export Details' to Excel); export it as CSV or XLSX; "
                                   "file skipped"))
    notes: list[Problem] = []
    is_zip = data.startswith(ZIP_MAGIC)
    suffix = path.suffix.lower()
    if is_zip and suffix != ".xlsx":
        notes.append(Problem(name, None, None, "named .csv but is an XLSX workbook; read as XLSX", WARNING))
    if not is_zip and suffix == ".xlsx":
        notes.append(Problem(name, None, None, "named .xlsx but is not a workbook; read as delimited text", WARNING))
    if is_zip:
        return _read_workbook(path, data, rules, base, notes)
    locate = lambda head: _locate(head, rules)  # noqa: E731
    start = _plain_utf8_start(data) if len(data) >= FAST_MIN_CHARS else None
    records = read_records_fast(data, start, locate) if start is not None else None
    if records is not None:
        # Arrow accepted every byte as UTF-8: nothing to repair, so no need for the text in Python.
        # Its columns are copies, so the file's bytes go before the columns are typed (the peak).
        del data
        return _build(base, records, rules, notes + _cut_off(name, records),
                      encoding="utf-8-sig" if start else "utf-8")
    try:
        decoded = decode(data)
    except NotText as exc:
        return _with(base, *notes, Problem(name, None, None, f"{exc}; file skipped"))
    del data   # the decoded text is what is read from here on
    if len(decoded.text) >= FAST_MIN_CHARS and decoded.encoding not in ("utf-8", "utf-8-sig"):
        records = read_records_fast(decoded.text.encode("utf-8"), 0, locate)   # a legacy encoding, re-encoded
    records = records or read_records(decoded.text)
    if decoded.nul_padding:
        notes.append(Problem(name, None, None, f"{decoded.nul_padding:,} NUL bytes after the last line ignored "
                             "(a padded or interrupted copy?)", WARNING))
    if decoded.nul_lines:
        lines = ", ".join(map(str, decoded.nul_lines[:5]))
        notes.append(Problem(name, decoded.nul_lines[0], None, f"NUL bytes removed (lines {lines})", WARNING))
    bad_lines = set(decoded.bad_byte_lines)
    return _build(base, records, rules, notes + _cut_off(name, records), encoding=decoded.encoding,
                  bad_lines=bad_lines)


def _cut_off(name: str, records: Records) -> list[Problem]:
    if records.unterminated_line is None:
        return []
    return [Problem(name, records.unterminated_line, None,
                    "a quoted cell is never closed (file cut off?); that row is set aside")]


# Fields that repeat few values across rows; read dictionary-encoded from large exports.
REPEATING_FIELDS = {
    "opportunities": {"account_id", "account", "owner", "account_executive", "type", "stage", "currency",
                      "created", "close"},
    "activities": {"assigned", "type", "date", "account_id", "account"},
    "accounts": {"owner", "target"},
}


def _locate(head: Records, rules: Rules) -> tuple[int, set[int], set[int]] | None:
    """The header's index in the first records, the positions of its repeating fields, and the
    positions read at all: the fields' columns, and the first (where totals and footers are told)."""
    found = find_header(head.cells, rules)   # the header only: footers and totals are for the full read
    if found is None or isinstance(found, str):
        return None
    index, kind, columns, _ = found
    repeating = {positions[0] for field, positions in columns.items() if field in REPEATING_FIELDS[kind]
                 and not (field in DATE_FIELDS[kind] and _holds_times(head.cells, index, positions[0]))}
    return index, repeating, {0} | {position for positions in columns.values() for position in positions}


_CLOCK_IN_TEXT = re.compile(r"\d:[0-5]\d")


def _holds_times(cells: pd.DataFrame, header_index: int, position: int) -> bool:
    """Whether a column's first values mostly carry a time of day: such date-times are nearly all
    distinct, and Arrow's dictionary of a million of them costs more than it saves."""
    values = [v for v in cells.iloc[header_index + 1:, position].tolist() if isinstance(v, str) and v.strip()]
    return len(values) >= 8 and sum(bool(_CLOCK_IN_TEXT.search(v)) for v in values) > len(values) // 2


def _read_workbook(path: Path, data: bytes, rules: Rules, base: FileResult, notes: list[Problem]) -> FileResult:
    found: list[Layout] = []   # the layout of the sheet found holding an export, if any

    def has_layout(records: Records) -> bool:
        layout = find_layout(records.cells, records.filled_counts(), rules, rules.input.day_first)
        if layout.kind is None:
            return False
        found.append(layout)
        return True

    try:
        sheets = read_sheets(path, data, enough=has_layout)   # sheets after the first export are not read
    except BadWorkbook as exc:
        return _with(base, *notes, Problem(base.name, None, None, f"{exc}; file skipped"))
    chosen = sheets[-1] if found else sheets[0]
    if chosen.damaged_at is not None:
        notes = notes + [Problem(base.name, chosen.damaged_at, None,
                                 f"the sheet '{chosen.title}' is damaged from this row on ({chosen.damage}); "
                                 "the rows before it are read, the rest are lost")]
    if not any(len(sheet.records.cells) for sheet in sheets):
        if chosen.damaged_at is not None:
            return _with(base, *notes)
        return _with(base, *notes, Problem(base.name, None, None, "workbook has no data; nothing to read", WARNING))
    title, records = chosen.title, chosen.records
    by_row: dict[int, list[str]] = {}
    for cell, row in chosen.formulas:
        by_row.setdefault(row, []).append(cell)
    # The value could not be read: an error on each row it leaves blank, like any unreadable value.
    notes = notes + [Problem(base.name, row, None, (f"formula cell {cells[0]} has" if len(cells) == 1 else
                                                    f"formula cells {', '.join(cells)} have")
                             + " no saved value and read as blank — open and save the workbook in Excel")
                     for row, cells in sorted(by_row.items())]
    # The layout found while picking the sheet is the one _build would find: it is not looked for again.
    return _build(base, records, rules, notes, encoding="xlsx", sheet=title, error_cells=chosen.error_cells,
                  layout=found[0] if found else None)


def _plain_utf8_start(data: bytes) -> int | None:
    """Where the text starts in what may be a plain UTF-8 export (past a BOM), or None when it is
    UTF-16, binary or holds NUL bytes — those need the full decoding and its repairs."""
    if data.startswith(codecs.BOM_UTF8):
        start = len(codecs.BOM_UTF8)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_shape(data[:8192]):
        return None
    else:
        start = 0
    if b"\x00" in data or looks_binary(data[start:start + 8192]):
        return None
    if not data.isascii() and not _all_utf8(data):
        # A legacy encoding (cp1252) or a stray byte: the exact path decodes, repairs and reports.
        # Arrow's parser would find it only after parsing, and a row it rejects that holds such a
        # byte cannot even be handed to the code that numbers rejected rows.
        return None
    return start


def _all_utf8(data: bytes) -> bool:
    """Whether the bytes are UTF-8 throughout: checked by Arrow, a few ms per 100 MB."""
    import pyarrow as pa

    ends = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, ends, pa.py_buffer(data)])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _with(result: FileResult, *problems: Problem, **changes) -> FileResult:
    return replace(result, problems=result.problems + tuple(problems), **changes)


def _build(base: FileResult, records: Records, rules: Rules, notes: list[Problem], *,
           encoding: str, sheet: str = "", bad_lines: set[int] = frozenset(),
           error_cells: dict[tuple[int, int], str] | None = None, layout: Layout | None = None) -> FileResult:
    name = base.name
    cells = records.cells
    if layout is None:
        layout = find_layout(cells, records.filled_counts(), rules, rules.input.day_first)
    shape = dict(encoding=encoding, delimiter=records.delimiter, sheet=sheet)
    if layout.kind is None:
        why = layout.near_miss or "headers match no kind in [columns]"
        return _with(base, *notes, Problem(name, None, None, f"unrecognised export: {why}", WARNING), **shape)
    header_line = int(records.lines[layout.header_index])
    problems = list(notes)
    for column, message in layout.header_problems:
        problems.append(Problem(name, header_line, column, message))
    missing = rules.missing_fields(layout.kind, layout.columns)
    if missing:
        return _with(base, *problems, kind=layout.kind, **shape)
    if layout.footer_lines:
        problems.append(Problem(name, None, None, f"{layout.footer_lines} footer lines dropped", INFO))
    if layout.repeated_headers:
        problems.append(Problem(name, None, None, f"{layout.repeated_headers} repeated header rows skipped", INFO))
    if not len(layout.data):
        problems.append(Problem(name, header_line, None, "header row only; no data rows", WARNING))
    header_cells = int(records.field_counts[layout.header_index])
    header = [("" if v is None else str(v).strip()) for v in row_values(cells, layout.header_index)]
    headers = {f: header[pos] for f, pos in layout.columns.items()}
    keep, skipped = _structural_checks(name, records, layout, header_cells, bad_lines, problems)
    if error_cells:
        used = {pos: header[pos] for pos in layout.columns.values()}
        skipped += _set_aside_error_cells(name, records, layout, used, error_cells, keep, problems)
    rows = layout.data[keep]
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        rows = slice(int(rows[0]), int(rows[-1]) + 1)   # one block of rows: a view, not a copy
    frame = pd.DataFrame(
        {f: _field_values(cells.iloc[rows, pos]) for f, pos in layout.columns.items()}
    )
    frame["line"] = records.lines[rows]
    frame = _typed(frame, layout.kind, headers, rules, name, problems)
    return _with(base, *problems, kind=layout.kind, frame=frame, rows_read=len(layout.data),
                 rows_skipped=skipped, footer_lines=layout.footer_lines, title_rows=layout.title_rows,
                 total_rows=layout.total_rows, generated=layout.generated, **shape)


def _field_values(column: pd.Series):
    """A field's cells with blanks as "": categorical columns stay categorical (one entry per name)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        if column.isna().any():
            if "" not in column.cat.categories:
                column = column.cat.add_categories([""])
            column = column.fillna("")
        return column.array
    column = column.astype(TEXT)
    return (column.fillna("") if column.hasnans else column).array


def _structural_checks(name: str, records: Records, layout: Layout, header_cells: int,
                       bad_lines: set[int], problems: list[Problem]) -> tuple[np.ndarray, int]:
    """Rows whose shape cannot be trusted are set aside whole: never shift columns."""
    rows = layout.data
    lines = records.lines[rows]
    keep = np.ones(len(rows), dtype=bool)
    if records.delimiter != "xlsx" and len(rows):
        counts = records.field_counts[rows]
        extra_blank = np.ones(len(rows), dtype=bool)
        over = counts > header_cells
        if over.any():
            extra_blank[over] = _extra_cells_blank(records, rows[over], header_cells)
        fewest = _named_cells(row_values(records.cells, layout.header_index))
        # Blank cells past the header on most rows are the export's trailing delimiter; on a few
        # rows they are as ragged as any other extra cell.
        trailing_delimiter = over.sum() * 2 > len(rows)
        ragged = ((counts < fewest) | (over & ~(extra_blank & trailing_delimiter))) \
            & (lines != records.unterminated_line)
        for line, count in zip(lines[ragged], counts[ragged]):
            problems.append(Problem(name, int(line), None,
                                    f"row has {count} cells but the header has {header_cells}; row set aside"))
        keep &= ~ragged
    if records.unterminated_line is not None:
        keep &= lines != records.unterminated_line
    if bad_lines:
        ends = np.append(records.lines[1:], np.iinfo(np.int64).max)[rows]
        for position in np.flatnonzero(keep):
            if any(lines[position] <= bad < ends[position] for bad in bad_lines):
                keep[position] = False
                problems.append(Problem(name, int(lines[position]), None,
                                        "invalid byte for UTF-8 in this row; row set aside"))
    return keep, int((~keep).sum())


def _set_aside_error_cells(name: str, records: Records, layout: Layout, used: dict[int, str],
                           error_cells: dict[tuple[int, int], str], keep: np.ndarray, problems: list[Problem]) -> int:
    """Rows where a column the rules read (`used`: position -> header) holds an Excel error (#REF!,
    #N/A...) are set aside: the value is not in the file, only the error is. Other columns do not matter."""
    place = {int(line): index for index, line in enumerate(records.lines[layout.data])}
    set_aside = 0
    for (line, position), error in sorted(error_cells.items()):
        index = place.get(line)
        if index is None or position not in used:
            continue
        problems.append(Problem(name, line, used[position], f"the cell holds the Excel error {error}; row set aside"))
        if keep[index]:
            keep[index] = False
            set_aside += 1
    return set_aside


def _named_cells(header: list[object]) -> int:
    """Cells up to the last non-blank header cell: a trailing delimiter names no column."""
    texts = ["" if v is None or pd.isna(v) else str(v).strip() for v in header]
    while texts and not texts[-1]:
        texts.pop()
    return len(texts)


def _extra_cells_blank(records: Records, rows: np.ndarray, header_cells: int) -> np.ndarray:
    """Whether every cell past the header is blank: all of a row's filled cells are under the header.
    (Counted, not looked at: a very wide row keeps only its first cells.)"""
    within = records.cells.iloc[rows, :header_cells].fillna("").astype(str)
    filled_within = (within.apply(lambda col: col.str.strip()) != "").sum(axis=1).to_numpy()
    return records.filled_counts()[rows] == filled_within


def _typed(frame: pd.DataFrame, kind: str, headers: dict[str, str], rules: Rules, name: str,
           problems: list[Problem]) -> pd.DataFrame:
    """Parsed dates, amounts and flags beside the text; a value that will not parse is reported."""
    day_first = rules.input.day_first
    for column in DATE_FIELDS[kind]:
        if column not in frame:
            continue
        days, invalid, other_order = parse_dates(frame[column], day_first)
        frame[f"{column}_day"] = days
        _report(frame, invalid & ~other_order, column, headers, name, problems, "is not a date")
        if other_order.any():
            example = display_text(frame.loc[other_order, column].iloc[0], 40)
            wanted = "false" if day_first else "true"
            count = int(other_order.sum())
            what = f"the date '{example}' only reads" if count == 1 else f"{count} dates like '{example}' only read"
            problems.append(Problem(name, int(frame.loc[other_order, "line"].iloc[0]), headers[column],
                                    f"{what} with [input] day_first = {wanted}", WARNING))
    if kind == "opportunities" and "amount" in frame:
        amount, currency, invalid = parse_amounts(frame["amount"], rules.input.decimal)
        frame["amount_value"] = amount
        frame["amount_currency"], conflict = _currency(frame, currency, rules)
        _report(frame, invalid, "amount", headers, name, problems, "is not an amount")
        for line, value, code in zip(frame.loc[conflict, "line"], frame.loc[conflict, "amount"],
                                     frame.loc[conflict, "amount_currency"]):
            written, column = code.split(CONFLICT)
            problems.append(Problem(name, int(line), headers["amount"],
                                    f"'{display_text(value, 40)}' is in {written} but {headers['currency']} says "
                                    f"{column}; row not scored"))
    if kind == "accounts":
        frame["is_target"], unclear = parse_flags(frame["target"])
        if unclear.any():
            _report_unclear_flags(frame.loc[unclear, "target"].astype(str), frame.loc[unclear, "line"],
                                  headers["target"], name, problems)
    return frame


MAX_FLAG_WARNINGS = 20


def _report_unclear_flags(values: pd.Series, lines: pd.Series, header: str, name: str,
                          problems: list[Problem]) -> None:
    """One warning per distinct value that is neither yes nor no, on the first line it is on (with
    how many rows hold it); past MAX_FLAG_WARNINGS values, one line says how many more there are."""
    first_line: dict[str, int] = {}
    rows: dict[str, int] = {}
    for value, line in zip(values.str.strip().tolist(), lines.tolist()):
        first_line.setdefault(value, int(line))
        rows[value] = rows.get(value, 0) + 1
    for value, line in sorted(first_line.items(), key=lambda item: item[1])[:MAX_FLAG_WARNINGS]:
        also = f" (and {rows[value] - 1} more rows)" if rows[value] > 1 else ""
        problems.append(Problem(name, line, header, f"'{display_text(value, 40)}' is neither yes nor no{also}; "
                                "read as not a target account", WARNING))
    if len(first_line) > MAX_FLAG_WARNINGS:
        problems.append(Problem(name, None, header, f"{len(first_line) - MAX_FLAG_WARNINGS} more values are "
                                "neither yes nor no; read as not a target account", WARNING))


def _currency(frame: pd.DataFrame, written: pd.Series, rules: Rules) -> tuple[pd.Series, pd.Series]:
    """Each amount's currency code — written with the amount, else the currency column's, else the
    contest's — and where the two disagree (the code is then 'written≠column', which has no rate)."""
    if "currency" not in frame:
        return written.replace("", rules.input.currency), pd.Series(False, index=frame.index)
    stated = frame["currency"].astype(object).fillna("").astype(str).str.strip().str.upper()
    stated = stated.replace(CURRENCY_SYMBOLS)   # a symbol in the column means its code
    conflict = (written != "") & (stated != "") & (written != stated)
    code = written.where(written != "", stated).replace("", rules.input.currency)
    code[conflict] = written[conflict] + CONFLICT + stated[conflict]
    return code, conflict


def _report(frame: pd.DataFrame, invalid: pd.Series, column: str, headers: dict[str, str], name: str,
            problems: list[Problem], what: str) -> None:
    for line, value in zip(frame.loc[invalid, "line"], frame.loc[invalid, column]):
        shown = display_text(value, 40)
        problems.append(Problem(name, int(line), headers[column], f"'{shown}' {what}; row not scored"))
