"""XLSX workbooks to records: guarded against damaged and bomb archives, cells as text."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import threading
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from spiff_tui.core.csv_records import Records
from spiff_tui.core.memory import collections_paused

MAX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_RATIO = 200
# Many parts each under the per-part check can still inflate to far more than real exports do:
# past this size the archive as a whole must not be compressed more than MAX_TOTAL_RATIO:1.
LARGE_TOTAL = 64 * 1024 * 1024
MAX_TOTAL_RATIO = 100


class BadWorkbook(Exception):
    """The workbook cannot be read; the message says why in a user's words."""


def check_archive(path: Path | io.BytesIO) -> None:
    """Refuse damaged archives and decompression bombs from the ZIP directory, before inflating."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise BadWorkbook("not a valid XLSX workbook (damaged or truncated archive)")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise BadWorkbook(f"refused: the workbook would inflate to {total / 2**20:,.0f} MiB")
    packed = max(sum(m.compress_size for m in members), 1)
    if total > LARGE_TOTAL and total > MAX_TOTAL_RATIO * packed:
        raise BadWorkbook(f"refused: the workbook would inflate to {total / 2**20:,.0f} MiB, compressed "
                          f"{total // packed:,}:1 (a decompression bomb?)")
    for member in members:
        if member.file_size > 10 * 2**20 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise BadWorkbook(f"refused: '{member.filename}' is compressed {member.file_size // max(member.compress_size, 1):,}:1"
                              " (a decompression bomb?)")
    if not any(m.filename.startswith("xl/worksheets/") for m in members):
        raise BadWorkbook("not an XLSX workbook (no worksheets inside)")


def cell_text(value: object) -> str:
    """A cell as the text an export would hold; dates as ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value)
    return _unescaped(text) if "_x" in text else text


# Cell text writes characters XML cannot hold (CR, tab, ESC...) as _xHHHH_, a UTF-16 unit in hex, and
# _x005F_ before such a run keeps it literal. openpyxl leaves them as written: 'Noah Fischer_x000D_'
# would be a stranger to the roster.
_ESCAPE = re.compile(r"_x005[Ff]_(_x[0-9A-Fa-f]{4}_)|_x([0-9A-Fa-f]{4})_")


def _unescaped(text: str) -> str:
    text = _ESCAPE.sub(lambda m: m.group(1) or chr(int(m.group(2), 16)), text)
    if any("\ud800" <= c <= "\udfff" for c in text):   # surrogate halves: paired up, or shown as �
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')


def _sheet_xml(archive: io.BytesIO, part: str) -> bytes:
    """A sheet's XML, or nothing if the part cannot be read (openpyxl's reading says why)."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            return zipped.read(part)
    except (KeyError, zipfile.BadZipFile, ValueError):
        return b""


def formulas_without_values(xml: bytes) -> list[tuple[str, int]]:
    """(cell, row) of the sheet's formula cells saved with no value — a workbook written by a program
    and never opened in Excel; such cells read as blank."""
    found = []
    if b"<f" not in xml:
        return found
    for match in _CELL.finditer(xml):
        body = match.group(2) or b""
        if b"<f" in body and not re.search(rb"<v>[^<]", body):
            ref = _REF.search(match.group(1))
            if ref:
                found.append((ref.group(1).decode() + ref.group(2).decode(), int(ref.group(2))))
    return found


_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters.decode():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _merged_ranges(xml: bytes) -> list[tuple[int, int, int]]:
    """(column, first row, last row) of each single-column merge spanning several rows."""
    ranges = []
    for first_col, first_row, last_col, last_row in _MERGE.findall(xml):
        if first_col == last_col and int(last_row) > int(first_row):
            ranges.append((_column_index(first_col), int(first_row), int(last_row)))
    return ranges


def _fill_vertical_merges(by_row: dict[int, dict[int, str]], ranges: list[tuple[int, int, int]]) -> None:
    """A value merged down a column (a formatted report's grouping) belongs to every row it covers."""
    for column, first, last in ranges:
        value = by_row.get(first, {}).get(column, "")
        if not value:
            continue
        for number in range(first + 1, last + 1):
            row = by_row.get(number)
            if row is not None and not row.get(column):
                row[column] = value


_OPENING = threading.Lock()


@functools.cache
def _quiet_openpyxl() -> None:
    """openpyxl warns on stderr of what the reading here reports in its own words (a date cell past
    9999 is an error cell: "the cell holds the Excel error #VALUE!"); its warnings name its source
    files and would print over the live board. Set once, for good: catch_warnings around a long
    read would swap the process's filters under the other reading thread."""
    warnings.filterwarnings("ignore", module=r"openpyxl(\.|$)")


# Excel's "Strict Open XML Spreadsheet" holds the same parts under other namespace names, which
# openpyxl does not know (it would find no sheets): they are renamed to the usual ones first.
_STRICT_NAMESPACES = [
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main", b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
    (b"http://purl.oclc.org/ooxml/drawingml/main", b"http://schemas.openxmlformats.org/drawingml/2006/main"),
    (b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
     b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"),
    (b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
     b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"),
]


def _as_transitional(archive: io.BytesIO) -> io.BytesIO:
    """The archive itself, or for a Strict workbook a copy with its XML in the usual namespaces."""
    with zipfile.ZipFile(archive) as zipped:
        try:
            if b"purl.oclc.org/ooxml/" not in zipped.read("_rels/.rels"):
                return archive
        except KeyError:
            return archive
        renamed = io.BytesIO()
        with zipfile.ZipFile(renamed, "w", zipfile.ZIP_STORED) as out:
            for member in zipped.infolist():
                content = zipped.read(member)
                if member.filename.endswith((".xml", ".rels")):
                    for strict, usual in _STRICT_NAMESPACES:
                        content = content.replace(strict, usual)
                out.writestr(member.filename, content)
    return renamed


class Sheet(NamedTuple):
    title: str
    records: Records        # line = the Excel row number
    part: str               # the sheet's XML in the archive
    damaged_at: int | None  # the row where the sheet's XML broke off, if it did; the rows from there are lost
    damage: str             # what broke there
    error_cells: dict[tuple[int, int], str]   # (row, column index) -> the Excel error a cell holds (#REF!...)
    formulas: list[tuple[str, int]]   # (cell, row) of formula cells saved without a value


def read_sheets(path: Path, data: bytes | None = None,
                enough: Callable[[Records], bool] = lambda records: False) -> list[Sheet]:
    """The worksheets of the workbook, in order up to the first that is `enough` (the rest are not read).
    A sheet whose XML breaks off part way keeps the rows before the break.

    The bytes are checked and opened as one in-memory archive: openpyxl refuses a path not named
    .xlsx (an XLSX saved as .csv), and a file replaced between the check and the read is never opened.
    calamine reads the sheets where it reads them as openpyxl does (xlsx_fast.py), openpyxl the rest.
    """
    with collections_paused():
        return _read_sheets(path, data, enough)


def _read_sheets(path: Path, data: bytes | None, enough: Callable[[Records], bool]) -> list[Sheet]:
    from spiff_tui.core.xlsx_fast import worksheets

    data = path.read_bytes() if data is None else data
    archive = io.BytesIO(data)
    check_archive(archive)
    try:
        return _sheets(((title, part, by_row, None, "", {}, xml) for title, part, by_row, xml in worksheets(data)),
                       archive, enough)
    except Exception:   # noqa: BLE001 — NotFast, or anything the quick reading met: openpyxl reads it
        pass
    import openpyxl  # imported here: only XLSX files pay for it

    _quiet_openpyxl()
    try:
        archive = _as_transitional(archive)
        # catch_warnings swaps process-wide state: two threads opening workbooks at once could
        # leave warnings switched off for good, so one opens at a time.
        with _OPENING, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(archive, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged parts
        raise BadWorkbook(f"not a readable XLSX workbook ({_why(exc)})")
    try:
        return _sheets(((sheet.title, getattr(sheet, "_worksheet_path", ""), *_filled_cells(sheet), None)
                        for sheet in workbook.worksheets), archive, enough)
    except Exception as exc:
        raise BadWorkbook(f"workbook damaged while reading ({_why(exc)})")
    finally:
        workbook.close()


def _sheets(cells, archive: io.BytesIO, enough: Callable[[Records], bool]) -> list[Sheet]:
    """Sheets from each sheet's (title, part, filled cells by row, damaged at, damage, error cells,
    its XML if already inflated), up to the first that is `enough`."""
    sheets = []
    for title, part, by_row, damaged_at, damage, error_cells, xml in cells:
        xml = _sheet_xml(archive, part) if xml is None else xml
        _fill_vertical_merges(by_row, _merged_ranges(xml))
        records, kept_columns = _records(by_row)
        sheets.append(Sheet(title, records, part, damaged_at, damage,
                            {(row, kept_columns[column]): value for (row, column), value in error_cells.items()
                             if column in kept_columns}, formulas_without_values(xml)))
        if enough(sheets[-1].records):
            break
    return sheets


_MISSING_PART = re.compile(r"There is no item named '([^']*)' in the archive")
_BAD_CRC = re.compile(r"Bad CRC-32 for file '([^']*)'")


def _why(exc: Exception) -> str:
    """What went wrong inside the archive, in a user's words where the error is a known one."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    missing, bad_crc = _MISSING_PART.search(text), _BAD_CRC.search(text)
    if missing:
        return f"its part '{missing.group(1)}' is missing"
    if bad_crc:
        return f"its part '{bad_crc.group(1)}' is damaged: the checksum does not match"
    return f"{type(exc).__name__}: {text}"


def _filled_cells(sheet) -> tuple[dict[int, dict[int, str]], int | None, str, dict[tuple[int, int], str]]:
    """(row number -> {column index: text} of the sheet's non-blank cells, as the sheet's XML lists
    them; the row where the XML broke off, or None; what broke; the cells holding Excel errors).
    Nothing is padded: openpyxl's row iterator fills every row out to the sheet's declared size, so
    one stray cell at XFD1048576 would cost seventeen billion empty cells."""
    try:
        from openpyxl.worksheet._reader import WorkSheetParser
    except ImportError:   # a later openpyxl: its own (padding) iterator
        return ({number: {column: text for column, text in enumerate(map(cell_text, row)) if text}
                 for number, row in enumerate(sheet.iter_rows(values_only=True), start=1) if row}, None, "", {})
    book = sheet.parent
    by_row: dict[int, dict[int, str]] = {}
    errors: dict[tuple[int, int], str] = {}
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=book.data_only, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        try:
            for number, cells in parser.parse():
                texts = {cell["column"] - 1: cell_text(cell["value"]) for cell in cells}
                by_row[number] = {column: text for column, text in texts.items() if text}
                errors.update({(number, cell["column"] - 1): str(cell["value"]) for cell in cells
                               if cell.get("data_type") == "e"})
        except SyntaxError as exc:   # XML parse errors: the rows read before the break are kept
            return by_row, max(by_row, default=0) + 1, str(exc), errors
    return by_row, None, "", errors


def _records(by_row: dict[int, dict[int, str]]) -> tuple[Records, dict[int, int]]:
    """The filled rows as records over the columns that hold anything, and each kept sheet column's
    place among them: a column blank from top to bottom says nothing, and leaving it out keeps a
    stray far-right cell from widening every row."""
    numbers = sorted(number for number, row in by_row.items() if row)
    rows = [by_row[number] for number in numbers]
    used = sorted(set().union(*rows))
    place = {column: index for index, column in enumerate(used)}
    # Every text kept is filled, so a row's cells run to its rightmost one; and a text is blank only
    # if it is all spaces.
    counts = np.fromiter((place[max(row)] + 1 for row in rows), dtype=np.int64, count=len(rows))
    filled = np.fromiter((sum(not text.isspace() for text in row.values()) for row in rows), dtype=np.int64,
                         count=len(rows))
    # Built a column at a time: quicker than a list per row, and no row is padded out to the width.
    cells = pd.DataFrame({index: [row.get(column, "") for row in rows] for index, column in enumerate(used)},
                         columns=range(len(used)), dtype=object)
    return Records(cells, np.asarray(numbers, dtype=np.int64), counts, "xlsx", filled=filled), place
