"""An exported XLSX sheet, assembled by Arrow, holds what openpyxl writing each cell would have."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell import WriteOnlyCell

from spiff_tui.core.export import _json_value, render, to_xlsx
from spiff_tui.core.labels import as_text
from spiff_tui.core.rules import load_rules
from spiff_tui.core.snapshot import score_folder

ROOT = Path(__file__).resolve().parents[2]


def cell_by_cell(frame: pd.DataFrame) -> bytes:
    """The workbook as openpyxl writes it a cell at a time: text as string cells, the values as
    export._json_value gives them."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("view")

    def text(value: str):
        cell = WriteOnlyCell(sheet, value=None)
        cell.value, cell.data_type = value, "s"
        return cell

    sheet.append([text(str(c)) for c in frame.columns])
    for row in as_text(frame).itertuples(index=False, name=None):
        sheet.append([text(v) if isinstance(v, str) else v for v in map(_json_value, row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_back(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def same_cells(ours: list[tuple], theirs: list[tuple]) -> None:
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        assert [type(v) is bool for v in mine] == [type(v) is bool for v in reference]
        # openpyxl reads a number with a point as a float and one without as an int, equal either way;
        # and writes a number to 16 digits, where the sheet here keeps 1000000000000000.5 whole.
        assert [v if isinstance(v, (str, bool)) or v is None else pytest.approx(v, rel=1e-15) for v in mine] \
            == list(reference)


@pytest.mark.parametrize("view", ["ledger", "reps", "activity", "teams", "stages"])
def test_each_view_of_the_sample_reads_back_as_a_cell_by_cell_workbook(view):
    snapshot = score_folder(ROOT / "sample_data", load_rules(ROOT / "rules.toml"), dt.date(2026, 4, 30))
    frame = snapshot.view(view)
    same_cells(read_back(render(frame, "xlsx", view)), read_back(cell_by_cell(frame)))


TRICKY = pd.DataFrame({
    "text": ["a", " b", "", None, "x & <y> z", "c ", "\u00e9\u4e2d\U0001F600", "line\nbreak", "=1+1"],
    "number": [1.0, 2.5, np.nan, np.inf, 1e20, -0.1234567, 12500.0, 0.0, -3.0],
    "whole": [1, 2, 3, 4, 5, 6, 7, 8, -9],
    "flag": [True, False, True, False, True, False, True, False, True],
    "category": pd.Categorical(["k", "k", None, "m", "k", "  n", "k", "m", ""]),
    "arrow": pd.array(["p", None, "q", "r", "s", "t", "u", "v", "w"], dtype="str"),
    "numbered": pd.Categorical([1.5, 2.0, None, 1.5, 3.0, 2.0, 1.5, 2.0, 3.0]),
})


@pytest.mark.parametrize("block_rows", [2, 1 << 16])
def test_awkward_values_read_back_as_a_cell_by_cell_workbook(monkeypatch, block_rows):
    import spiff_tui.core.xlsx_sheet as xlsx_sheet

    monkeypatch.setattr(xlsx_sheet, "BLOCK_ROWS", block_rows)   # rows joined two at a time, or all at once
    data = to_xlsx(TRICKY, "tricky")
    same_cells(read_back(data), read_back(cell_by_cell(TRICKY)))
    assert to_xlsx(TRICKY, "tricky") == data   # the same bytes every time


def test_characters_xml_cannot_hold_are_written_as_excel_escapes_and_the_sheet_is_well_formed():
    frame = pd.DataFrame({"name": ["bell\x07", "not\ufffe"], "count": [1, 2]})
    data = to_xlsx(frame, "view")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))   # parses: well-formed XML
    from spiff_tui.core.xlsx_records import cell_text

    # Excel's escape for the character, which Excel (and spiff-tui's own reader) read back as it.
    assert read_back(data)[1][0] == "bell_x0007_" and cell_text("bell_x0007_") == "bell\x07"
    assert read_back(data)[2][0] == "not_xFFFE_"


# Characters XML allows: the cell-by-cell writer would put the others in as they are.
xml_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"),
                   max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), xml_text),
                          st.one_of(st.floats(-1e16, 1e16), st.just(float("nan"))), st.booleans()),
                min_size=1, max_size=20))
def test_any_rows_read_back_as_a_cell_by_cell_workbook(rows):
    frame = pd.DataFrame(rows, columns=["text", "number", "flag"])
    frame["text"] = frame["text"].astype(object)
    same_cells(read_back(to_xlsx(frame, "view")), read_back(cell_by_cell(frame)))
