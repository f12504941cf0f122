"""A view's rows as the rows of an XLSX worksheet's XML, assembled by Arrow: openpyxl writing a cell
at a time took 17 s for a 126,000-row ledger.

The cells are what openpyxl writes for export.py's values: text as inline strings (never a formula,
spaces at either end kept), numbers as export.float_cells writes them (whole ones without '.0',
others to six places), booleans as booleans; a missing or non-finite value is no cell, an empty
text an empty string cell. Characters XML cannot hold are written as Excel's _xHHHH_ escapes.

Each column's cell bodies (all but the cell's reference) are made once (a categorical's once per
category); the rows are then joined a block at a time, so a million rows never stand as one text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.utils.cell import get_column_letter

# Characters XML 1.0 does not allow in text (tab, line feed and carriage return it does).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Rows joined at a time: some 5 MB of XML each.
BLOCK_ROWS = 1 << 16

Cells = Callable[[int, int, pa.Array], pa.Array]


def sheet_rows(frame: pd.DataFrame) -> Iterator[bytes]:
    """The sheet's <row> elements, a block at a time: the column names as row 1, then the rows."""
    names = _text_bodies(_texts(pd.Series([str(name) for name in frame.columns], dtype=object))).to_pylist()
    yield ('<row r="1">' + "".join(f'<c r="{get_column_letter(index + 1)}1{cell}' for index, cell in enumerate(names))
           + "</row>").encode()
    columns = [_column_cells(frame[name], index) for index, name in enumerate(frame.columns)]
    for start in range(0, len(frame), BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, len(frame))
        numbers = pa.array(np.arange(start + 2, stop + 2)).cast(pa.string())
        rows = _join('<row r="', numbers, '">', *[cells(start, stop, numbers) for cells in columns], "</row>",
                     missing="")
        yield _joined_bytes(rows)


def _column_cells(column: pd.Series, index: int) -> Cells:
    """What gives the column's cells for rows start:stop (whose numbers are given): null for no cell."""
    from spiff_tui.core.export import float_cells

    opening = f'<c r="{get_column_letter(index + 1)}'
    if isinstance(column.dtype, pd.CategoricalDtype) and not pd.api.types.is_object_dtype(column.cat.categories) \
            and not pd.api.types.is_string_dtype(column.cat.categories):
        column = column.astype(column.cat.categories.dtype)   # numbers or flags: written as such
    if column.dtype == bool:
        ones = pa.array(column.to_numpy())
        return lambda start, stop, numbers: _join(opening, numbers, pc.if_else(
            ones[start:stop], '" t="b"><v>1</v></c>', '" t="b"><v>0</v></c>'))
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = float_cells(column.to_numpy(dtype="float64", na_value=np.nan))
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)   # not finite: no cell
        bodies = _join('" t="n"><v>', values, "</v></c>")
        return lambda start, stop, numbers: _join(opening, numbers, bodies[start:stop])
    if isinstance(column.dtype, pd.CategoricalDtype):
        bodies = _text_bodies(_texts(pd.Series(column.cat.categories.to_numpy(dtype=object), dtype=object)))
        codes = column.cat.codes.to_numpy()
        positions = pa.array(codes, mask=codes < 0)
        return lambda start, stop, numbers: _join(opening, numbers, bodies.take(positions[start:stop]))
    bodies = _text_bodies(_texts(column))
    return lambda start, stop, numbers: _join(opening, numbers, bodies[start:stop])


def _join(*parts: str | pa.Array, missing: str | None = None) -> pa.Array:
    """The parts joined row by row; a row with a null part is null, unless `missing` stands in."""
    if missing is None:
        return pc.binary_join_element_wise(*parts, "")
    return pc.binary_join_element_wise(*parts, "", null_handling="replace", null_replacement=missing)


def _text_bodies(texts: pa.Array) -> pa.Array:
    """Each text's cell after its reference: an inline string, escaped for XML."""
    escaped = pc.replace_substring(pc.replace_substring(pc.replace_substring(texts, "&", "&amp;"), "<", "&lt;"),
                                   ">", "&gt;")
    opening = pc.if_else(pc.match_substring_regex(texts, r"^\s|\s$"), '" t="inlineStr"><is><t xml:space="preserve">',
                         '" t="inlineStr"><is><t>')
    return pc.if_else(pc.equal(texts, ""), '" t="inlineStr" />', _join(opening, escaped, "</t></is></c>"))


def _texts(column: pd.Series) -> pa.Array:
    """The column as Arrow text, null where a value is missing; characters XML cannot hold escaped.
    A value that is not text is written as its text."""
    try:
        texts = pa.array(column, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        texts = pa.array([None if pd.isna(v) else str(v) for v in column.astype(object).tolist()], pa.string())
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    if pc.any(pc.match_substring_regex(texts, _NOT_IN_XML.pattern)).as_py():
        texts = pa.array([None if v is None else _escaped(v) for v in texts.to_pylist()], pa.string())
    return texts


def _escaped(text: str) -> str:
    return _NOT_IN_XML.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


def _joined_bytes(rows: pa.Array) -> bytes:
    """The texts end to end, read straight from the array's buffer."""
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=len(rows) + 1, offset=rows.offset * 4)
    return rows.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()
