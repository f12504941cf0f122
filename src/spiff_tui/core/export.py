"""Views written as CSV, JSON, Markdown or XLSX: deterministic bytes, safe in a spreadsheet or Slack."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spiff_tui.core.csv_writer import csv_bytes
from spiff_tui.core.labels import as_text

FORMATS = ("csv", "json", "md", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet reads as a number (ASCII digits only): such cells are not neutralised.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def neutralise(text: str) -> str:
    """OWASP CSV injection: a cell a spreadsheet would run as a formula gets a leading quote."""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _cell_texts(column: pd.Series) -> pd.Series:
    """A column as the text a CSV/Markdown cell holds: whole floats without '.0', booleans lowercase."""
    if pd.api.types.is_bool_dtype(column):
        return column.map({True: "true", False: "false"}).astype(object)
    if pd.api.types.is_float_dtype(column):
        texts = float_cells(column.to_numpy(dtype="float64", na_value=np.nan))
        return pd.Series(texts.to_numpy(zero_copy_only=False), index=column.index, dtype=object)
    if pd.api.types.is_integer_dtype(column):
        return column.astype(str).astype(object)
    return column.fillna("").astype(str)


def _json_value(value: object) -> object:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return None
        return int(value) if float(value).is_integer() else round(float(value), 6)
    if value is None or value is pd.NaT:
        return None
    return str(value)


def to_csv(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV: the cell texts of _cell_texts, formula-like text neutralised."""
    return csv_bytes([str(c) for c in frame.columns],
                     [_csv_cells(frame[c], neutralised=_is_text(frame[c])) for c in frame.columns])


def _is_text(column: pd.Series) -> bool:
    return (isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == object
            or pd.api.types.is_string_dtype(column))


def _csv_cells(column: pd.Series, neutralised: bool) -> pa.Array:
    """_cell_texts as an Arrow column, made by Arrow where a million rows would make a million
    Python strings; formula-like text neutralised when asked. A categorical column gives a
    dictionary array: its distinct texts are formatted once."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        texts = _csv_cells(pd.Series(list(column.cat.categories) + [np.nan], dtype=object), neutralised)
        codes = column.cat.codes.to_numpy()
        return pa.DictionaryArray.from_arrays(pa.array(np.where(codes < 0, len(texts) - 1, codes), pa.int32()), texts)
    if column.dtype == bool:
        return pc.if_else(pa.array(column.to_numpy()), "true", "false")
    if pd.api.types.is_float_dtype(column):
        return float_cells(column.to_numpy(dtype="float64", na_value=np.nan))
    if column.dtype == np.int64:
        return pc.cast(pa.array(column.to_numpy()), pa.string())
    texts = pa.array(_cell_texts(column), pa.string())
    texts = pc.fill_null(texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts, "")
    if not neutralised:
        return texts
    risky = pc.match_substring_regex(texts, "^[=+@\\t\\r-]")
    if not pc.any(risky).as_py():
        return texts
    rows = np.flatnonzero(risky.to_numpy(zero_copy_only=False))
    return pc.replace_with_mask(texts, risky, pa.array([neutralise(texts[int(i)].as_py()) for i in rows], pa.string()))


def _whole(values: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """Finite whole numbers that an int64 holds exactly; larger ones are written like fractions."""
    return finite & (np.floor(np.where(finite, values, 0)) == values) & (np.abs(np.where(finite, values, 0)) < 1e15)


def float_cells(values: np.ndarray) -> pa.Array:
    """Whole numbers without '.0', others to 6 places, NaN and infinities blank (as _cell_texts)."""
    finite = np.isfinite(values)
    whole = _whole(values, finite)
    texts = pc.if_else(pa.array(whole), pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64)), pa.string()), "")
    fraction = finite & ~whole
    if not fraction.any():
        return texts
    return pc.replace_with_mask(texts, pa.array(fraction),
                                pa.array([repr(round(float(v), 6)) for v in values[fraction]], pa.string()))


def to_json(frame: pd.DataFrame) -> str:
    records = [{c: _json_value(v) for c, v in zip(frame.columns, row)}
               for row in frame.itertuples(index=False, name=None)]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def _md_cell(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def to_markdown(frame: pd.DataFrame) -> str:
    texts = {c: _cell_texts(frame[c]).map(_md_cell) for c in frame.columns}
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    lines = ["| " + " | ".join(_md_cell(str(c)) for c in frame.columns) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in zip(*texts.values())] if len(frame) else []
    return "\n".join(lines) + "\n"


# Rows an XLSX sheet holds, its header row included: Excel drops the rest when it opens the file.
XLSX_MAX_ROWS = 1_048_576


def to_xlsx(frame: pd.DataFrame, sheet: str) -> bytes:
    """An XLSX with text as string cells (never formulas) and fixed timestamps, so equal input gives
    equal bytes. openpyxl makes the workbook around an empty sheet; the rows, assembled by Arrow a
    block at a time (xlsx_sheet.py), are written into that sheet's XML as it is compressed."""
    from openpyxl import Workbook

    from spiff_tui.core.xlsx_sheet import sheet_rows

    workbook = Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = dt.datetime(*_FIXED_TIME)
    workbook.create_sheet(sheet[:31] or "view")
    raw = io.BytesIO()
    workbook.save(raw)
    return _fixed_zip_times(raw.getvalue(), {_SHEET_PART: lambda xml: _with_rows(xml, sheet_rows(frame))})


_SHEET_PART = "xl/worksheets/sheet1.xml"
_EMPTY_ROWS = b"<sheetData></sheetData>"


def _with_rows(xml: bytes, rows: Iterator[bytes]) -> Iterator[bytes]:
    """The empty sheet's XML with the rows inside its sheetData, in pieces."""
    if xml.count(_EMPTY_ROWS) != 1:
        raise ValueError("openpyxl wrote the sheet in a shape this writer does not know")
    before, after = xml.split(_EMPTY_ROWS)
    yield before + b"<sheetData>"
    yield from rows
    yield b"</sheetData>" + after


def _fixed_zip_times(data: bytes, changes: dict | None = None) -> bytes:
    """The archive with every part dated _FIXED_TIME; `changes` maps a part's name to a function
    that gives its new content from the old, in pieces."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = source.read(info.filename)
            if changes and info.filename in changes:
                # Written as it comes: a million rows' XML is never held whole. Zip64 in case it is big.
                with target.open(fixed, "w", force_zip64=True) as part:
                    for piece in changes[info.filename](content):
                        part.write(piece)
                continue
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time here; a fixed time keeps equal input byte-identical
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", content)
            target.writestr(fixed, content)
    return out.getvalue()


def render(frame: pd.DataFrame, fmt: str, view: str) -> bytes:
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "xlsx":
        return to_xlsx(frame, view)
    frame = as_text(frame)   # the other formats go cell by cell
    if fmt == "json":
        return to_json(frame).encode("utf-8")
    if fmt == "md":
        return to_markdown(frame).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}")
