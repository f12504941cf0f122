"""Views written as CSV, JSON, Markdown or XLSX: deterministic bytes, safe in a spreadsheet or Slack."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import numpy as np
import pandas as pd

FORMATS = ("csv", "json", "md", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
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
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        out = np.full(len(values), "", dtype=object)
        finite = np.isfinite(values)
        whole = finite & (np.floor(np.where(finite, values, 0)) == values)
        out[whole] = values[whole].astype(np.int64).astype(str)
        fraction = finite & ~whole
        out[fraction] = [repr(round(float(v), 6)) for v in values[fraction]]
        return pd.Series(out, index=column.index, dtype=object)
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


def to_csv(frame: pd.DataFrame) -> str:
    texts = pd.DataFrame({c: _cell_texts(frame[c]) for c in frame.columns})
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            texts[column] = _neutralised(texts[column])
    return texts.to_csv(index=False, lineterminator="\n")


def _neutralised(texts: pd.Series) -> pd.Series:
    """`neutralise` over a column; only cells that start like a formula pay for the Python call."""
    risky = texts.str.startswith(_FORMULA_START).to_numpy(dtype=bool)
    if not risky.any():
        return texts
    result = texts.to_numpy(dtype=object).copy()
    result[risky] = [neutralise(text) for text in result[risky]]
    return pd.Series(result, index=texts.index, dtype=object)


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


def to_xlsx(frame: pd.DataFrame, sheet: str) -> bytes:
    """An XLSX with text as string cells (never formulas) and fixed timestamps, so equal input gives equal bytes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = dt.datetime(*_FIXED_TIME)
    worksheet = workbook.create_sheet(sheet[:31] or "view")
    worksheet.append([_string_cell(worksheet, WriteOnlyCell, str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for value in row:
            value = _json_value(value)
            if isinstance(value, str):
                cells.append(_string_cell(worksheet, WriteOnlyCell, value))
            else:
                cells.append(value)
        worksheet.append(cells)
    raw = io.BytesIO()
    workbook.save(raw)
    return _fixed_zip_times(raw.getvalue())


def _string_cell(worksheet, cell_type, text: str):
    cell = cell_type(worksheet, value=None)
    cell.value = text
    cell.data_type = "s"
    return cell


def _fixed_zip_times(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time here; a fixed time keeps equal input byte-identical
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", content)
            target.writestr(fixed, content)
    return out.getvalue()


def render(frame: pd.DataFrame, fmt: str, view: str) -> bytes:
    if fmt == "csv":
        return to_csv(frame).encode("utf-8")
    if fmt == "json":
        return to_json(frame).encode("utf-8")
    if fmt == "md":
        return to_markdown(frame).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(frame, view)
    raise ValueError(f"unknown format {fmt!r}")
