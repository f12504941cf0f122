"""XLSX worksheets read by calamine, a compiled reader, wherever it reads a sheet's cells as openpyxl
does: the cells of a 100,000-row export in about a second instead of four to nine.

openpyxl's reading stays the reference (xlsx_records.py). A workbook is left to it (NotFast) when a
sheet holds what the two read differently, or what calamine cannot hold: Excel error cells (blanks
to calamine), text that starts or ends with a space but is not marked to keep it (calamine trims
it), CDATA sections, _xHHHH_ escapes, carriage returns, phonetic runs, numbers of 16 digits or
more (exact integers to openpyxl), U+FFFE or U+FFFF (where openpyxl's XML parser stops), negative
numbers (a day before 1900 in a date cell), a date cell's serial of seven digits or more (past
9999 it is an error to openpyxl, a number to calamine), durations, a 1904-based or Strict
workbook, cells or rows written without their reference, a grid mostly empty (calamine lays out
every cell of it: one stray cell at XFD1048576 would be seventeen billion), XML that breaks off,
or anything calamine will not open.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

from spiff_tui.core.xlsx_records import _column_index, cell_text

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# The last word of the relationship types of the parts read here.
_WORKSHEET, _SHARED_STRINGS, _STYLES = "worksheet", "sharedStrings", "styles"
# A grid may hold this many times the cells written, and this many more, before it is "mostly empty".
GRID_PER_CELL, GRID_SLACK = 4, 100_000
# Bytes of XML checked at a time (see _windows).
WINDOW = 1 << 20

_ESCAPED = re.compile(rb"_x[0-9A-Fa-f]{4}_")
# U+FFFE and U+FFFF in UTF-8: not allowed in XML, so openpyxl's parser stops at them; calamine reads on.
_NONCHARACTER = re.compile(b"\xef\xbf[\xbe\xbf]")
# A space at either end of a text: written as it is, or as a character reference ('&#9;').
_SPACE = rb"(?:\s|&#(?:0*(?:9|10|13|32)|[xX]0*(?:9|[aAdD]|20));)"
_UNPRESERVED_SPACE = re.compile(rb'<t(?![^>]*xml:space="preserve")[^>]*>(?:' + _SPACE + rb"|[^<]*" + _SPACE + rb"</t>)")
# A value (<v>, which takes no xml:space) that starts or ends with a space: only a formula's text
# result (t="str") can.
_SPACED_VALUE = re.compile(rb"<v>" + _SPACE + rb"|" + _SPACE + rb"</v>")
_LONG_NUMBER = re.compile(rb"<v>[-+]?\d{16}")
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_BARE_ELEMENT = re.compile(rb"<(?:c|row)>")
_WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2,3})\d')
# A value with a sign, or of seven digits or more before any point, or with an exponent; and a cell
# holding one of the last two, its attributes caught.
_NOTABLE_VALUE = re.compile(rb'<v>(?:[-+]|\d{7}|[\d.]+[Ee])')
_BIG_NUMBER = re.compile(rb'<c r="[A-Z]+\d+"([^>]*)>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?<v>(?:\d{7}|[\d.]+[Ee])')
_STYLE = re.compile(rb'\bs="(\d+)"')


CellsByRow = dict[int, dict[int, str]]   # row number -> {column index: text}


class NotFast(Exception):
    """This workbook is for openpyxl to read."""


def worksheets(data: bytes) -> Iterator[tuple[str, str, CellsByRow, bytes]]:
    """(title, XML part, row number -> {column index: text} of its non-blank cells, with an empty
    dict for each row the XML lists without any, the sheet's XML) of each worksheet, in the
    workbook's order, as xlsx_records reads them with openpyxl. Raises NotFast, perhaps after some
    sheets, for a workbook this reading would not read the same."""
    try:
        from python_calamine import CalamineWorkbook, SheetTypeEnum
    except ImportError:
        raise NotFast from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zipped:
            parts, shared, styles = _parts(zipped)
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            titles = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
            if titles != [title for title, _ in parts] or (shared and _differs(zipped.read(shared), b"</si>")):
                raise NotFast
            date_styles = functools.cache(lambda: _date_styles(zipped.read(styles)) if styles else set())
            for title, part in parts:
                # Checked before calamine lays out the sheet's grid of cells.
                xml = zipped.read(part)
                rows = _checked_rows(xml, date_styles)
                # The sheet (calamine's own copy of its cells) goes as soon as the rows are Python values.
                yield title, part, _cells(book.get_sheet_by_name(title), rows), xml
    except NotFast:
        raise
    except Exception:   # noqa: BLE001 — a damaged part or one calamine will not read: openpyxl says what
        raise NotFast from None


def _parts(zipped: zipfile.ZipFile) -> tuple[list[tuple[str, str]], str | None, str | None]:
    """(title, part) of each worksheet the workbook lists, in order; the shared strings' part and the
    styles', if any."""
    try:
        workbook = zipped.read("xl/workbook.xml")
        relations = ElementTree.fromstring(zipped.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise NotFast from None
    if b"purl.oclc.org/ooxml/" in workbook:
        raise NotFast   # Strict Open XML: renamed for openpyxl first
    book = ElementTree.fromstring(workbook)
    properties = book.find(f"{_MAIN}workbookPr")
    if properties is not None and properties.get("date1904", "0").lower() in ("1", "true"):
        raise NotFast
    targets = {r.get("Id"): (r.get("Type", "").rsplit("/", 1)[-1], _part(r.get("Target", "")))
               for r in relations.iter(f"{_PACKAGE}Relationship")}
    parts = []
    for sheet in book.iter(f"{_MAIN}sheet"):
        kind, target = targets.get(sheet.get(_RELATIONSHIP), ("", ""))
        if kind == _WORKSHEET:
            parts.append((sheet.get("name", ""), target))
    by_kind = {kind: target for kind, target in targets.values()}
    return parts, by_kind.get(_SHARED_STRINGS), by_kind.get(_STYLES)


def _part(target: str) -> str:
    """A relationship's target as a name in the archive: absolute, or relative to xl/."""
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _differs(text: bytes, closing: bytes) -> bool:
    """Whether the XML holds text the two read differently; looked at a window at a time, each
    ending with a `closing` tag."""
    return any(_differs_within(text, start, end) for start, end in _windows(text, closing))


def _differs_within(text: bytes, start: int, end: int) -> bool:
    return (text.find(b"\r", start, end) >= 0 or text.find(b"<rPh", start, end) >= 0
            or text.find(b"<![CDATA[", start, end) >= 0 or _ESCAPED.search(text, start, end) is not None
            or _NONCHARACTER.search(text, start, end) is not None
            or _UNPRESERVED_SPACE.search(text, start, end) is not None
            or (text.find(b't="str"', start, end) >= 0 and _SPACED_VALUE.search(text, start, end) is not None))


def _windows(xml: bytes, closing: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of spans that cover the XML, each ending just after a `closing` tag (a row's, a
    shared text's) some WINDOW bytes on, so that no element the checks look at is cut. Each check
    is one call into the regular-expression engine, which holds Python's lock for as long as it
    scans: a window at a time, the live board's thread gets in between."""
    start = 0
    while start < len(xml):
        end = xml.find(closing, start + WINDOW)
        end = len(xml) if end < 0 else end + len(closing)
        yield start, end
        start = end


def _date_styles(xml: bytes) -> set[int]:
    """The cell styles whose number format is a date's, by openpyxl's own reckoning."""
    from openpyxl.styles.numbers import builtin_format_code, is_date_format

    styles = ElementTree.fromstring(xml)
    custom = {n.get("numFmtId"): n.get("formatCode") for n in styles.iter(f"{_MAIN}numFmt")}
    cell_formats = styles.find(f"{_MAIN}cellXfs")
    dated = set()
    for index, style in enumerate([] if cell_formats is None else cell_formats.iter(f"{_MAIN}xf")):
        number_format = style.get("numFmtId", "0")
        code = custom.get(number_format) or builtin_format_code(int(number_format))
        if code and is_date_format(code):
            dated.add(index)
    return dated


def _checked_rows(xml: bytes, date_styles=set) -> set[int]:
    """The numbers of the rows the sheet's XML lists, once it is known to read the same to both;
    `date_styles()` gives the styles of date cells."""
    if not _ends_with(xml, b"</worksheet>"):
        raise NotFast   # broken off: openpyxl keeps the rows before the break and says where
    rows: set[int] = set()
    cells, columns = 0, set()
    for start, end in _windows(xml, b"</row>"):
        if _differs_within(xml, start, end) or xml.find(b't="e"', start, end) >= 0:
            raise NotFast
        if _NOTABLE_VALUE.search(xml, start, end):   # rare: each kind looked for on its own
            if xml.find(b"<v>-", start, end) >= 0 or _LONG_NUMBER.search(xml, start, end):
                raise NotFast
            for big in _BIG_NUMBER.finditer(xml, start, end):
                style = _STYLE.search(big[1])
                if style is not None and int(style[1]) in date_styles():
                    raise NotFast
        numbers = _ROW_NUMBER.findall(xml, start, end)
        listed = xml.count(b'<c r="', start, end)
        if (listed != xml.count(b"<c ", start, end) or len(numbers) != xml.count(b"<row ", start, end)
                or _BARE_ELEMENT.search(xml, start, end)):
            raise NotFast   # a cell or row placed by its order alone, or in a prefixed namespace
        cells += listed
        rows.update(map(int, numbers))
        columns.update(_WIDE_COLUMN.findall(xml, start, end))
    width = max((_column_index(letters) + 1 for letters in columns), default=26)
    if max(rows, default=0) * width > GRID_PER_CELL * cells + GRID_SLACK:
        raise NotFast
    return rows


def _ends_with(xml: bytes, closing: bytes) -> bool:
    """Whether the XML ends with `closing`, white space after it aside; without copying the whole XML
    as rstrip would (a tail past a few kilobytes of white space is stripped whole)."""
    tail = xml[-4096:].rstrip()
    return (tail if tail or len(xml) <= 4096 else xml.rstrip()).endswith(closing)


def _cells(sheet, rows: set[int]) -> CellsByRow:
    """Row number -> {column index: text} of the sheet's non-blank cells, from calamine's rows one at
    a time: a loop in Python lets the live board's thread in between rows, where making every row
    at once (to_python) held Python's lock for a second per 500k rows. Each row's values go as its
    texts are kept, so the cells are not held twice."""
    start, end = sheet.start, sheet.end
    by_row: CellsByRow = {}
    if start is not None:
        first_column = None
        count = 0
        for index, values in enumerate(sheet.iter_rows()):
            count += 1
            if first_column is None:
                # Rows from A or from the first used column: taken as laid out, whichever it is.
                first_column = _first_at(len(values), start[1], end[1])
            elif first_column + len(values) != end[1] + 1:
                raise NotFast
            filled = {column: value if value.__class__ is str else _text(value)
                      for column, value in enumerate(values, first_column) if value != ""}
            if filled:
                by_row[index + 1] = filled
        first_row = _first_at(count, start[0], end[0])
        if first_row:
            by_row = {number + first_row: cells for number, cells in by_row.items()}
    if not by_row.keys() <= rows:
        raise NotFast
    by_row.update((number, {}) for number in rows - by_row.keys())   # rows listed with no value
    return by_row


def _first_at(count: int, first_used: int, last: int) -> int:
    """Where `count` rows (or columns) ending at `last` start: at the sheet's first (0) or at its
    first used one; NotFast if neither."""
    if count == last + 1:
        return 0
    if count == last - first_used + 1:
        return first_used
    raise NotFast


def _text(value: object) -> str:
    if isinstance(value, dt.timedelta):
        raise NotFast   # durations: the two round a millisecond differently
    return cell_text(value)
