"""XLSX workbooks to records: guarded against damaged and bomb archives, cells as text."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from spiff_tui.core.csv_records import Records

MAX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_RATIO = 200


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
    return str(value)


_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')


def formulas_without_values(data: bytes) -> list[tuple[str, int]]:
    """(cell, row) of formula cells saved with no value — a workbook written by a program and never
    opened in Excel; such cells read as blank."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            xml = archive.read(name)
            if b"<f" not in xml:
                continue
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


def _merged_ranges(archive: io.BytesIO, sheet_path: str) -> list[tuple[int, int, int]]:
    """(column, first row, last row) of each single-column merge spanning several rows."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            xml = zipped.read(sheet_path)
    except (KeyError, zipfile.BadZipFile, ValueError):
        return []
    ranges = []
    for first_col, first_row, last_col, last_row in _MERGE.findall(xml):
        if first_col == last_col and int(last_row) > int(first_row):
            ranges.append((_column_index(first_col), int(first_row), int(last_row)))
    return ranges


def _fill_vertical_merges(by_row: dict[int, list[str]], ranges: list[tuple[int, int, int]]) -> None:
    """A value merged down a column (a formatted report's grouping) belongs to every row it covers."""
    for column, first, last in ranges:
        top = by_row.get(first, [])
        value = top[column] if column < len(top) else ""
        for number in range(first + 1, last + 1):
            row = by_row.get(number)
            if row is not None and column < len(row) and row[column] == "":
                row[column] = value


_OPENING = threading.Lock()


def read_sheets(path: Path, data: bytes | None = None) -> list[tuple[str, Records]]:
    """Every worksheet of the workbook as records, line = the Excel row number.

    The bytes are checked and opened as one in-memory archive: openpyxl refuses a path not named
    .xlsx (an XLSX saved as .csv), and a file replaced between the check and the read is never opened.
    """
    import openpyxl  # imported here: only XLSX files pay for it

    archive = io.BytesIO(path.read_bytes() if data is None else data)
    check_archive(archive)
    try:
        # catch_warnings swaps process-wide state: two threads opening workbooks at once could
        # leave warnings switched off for good, so one opens at a time.
        with _OPENING, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(archive, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged parts
        raise BadWorkbook(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})")
    sheets = []
    try:
        for sheet in workbook.worksheets:
            rows, lines = [], []
            by_row = {}
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                by_row[number] = [cell_text(v) for v in row] if row else []
            _fill_vertical_merges(by_row, _merged_ranges(archive, getattr(sheet, "_worksheet_path", "")))
            for number, row in by_row.items():
                if any(v != "" for v in row):
                    rows.append(row)
                    lines.append(number)
            counts = np.fromiter((len(_trimmed(r)) for r in rows), dtype=np.int64, count=len(rows))
            width = max((len(r) for r in rows), default=0)
            cells = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
            sheets.append((sheet.title, Records(cells, np.asarray(lines, dtype=np.int64), counts, "xlsx")))
    except Exception as exc:
        raise BadWorkbook(f"workbook damaged while reading ({type(exc).__name__}: {exc})")
    finally:
        workbook.close()
    return sheets


def _trimmed(row: list[str]) -> list[str]:
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end]
