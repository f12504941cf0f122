"""XLSX workbooks to records: guarded against damaged and bomb archives, cells as text."""

from __future__ import annotations

import datetime as dt
import io
import re
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


def read_sheets(path: Path, data: bytes | None = None) -> list[tuple[str, Records]]:
    """Every worksheet of the workbook as records, line = the Excel row number.

    The bytes are checked and opened as one in-memory archive: openpyxl refuses a path not named
    .xlsx (an XLSX saved as .csv), and a file replaced between the check and the read is never opened.
    """
    import openpyxl  # imported here: only XLSX files pay for it

    archive = io.BytesIO(path.read_bytes() if data is None else data)
    check_archive(archive)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(archive, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged parts
        raise BadWorkbook(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})")
    sheets = []
    try:
        for sheet in workbook.worksheets:
            rows, lines = [], []
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if row and any(v is not None and v != "" for v in row):
                    rows.append([cell_text(v) for v in row])
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
