"""calamine's reading of a workbook is taken only where it is openpyxl's: compared sheet by sheet."""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from contest import workbook_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spiff_tui.core.xlsx_fast as xlsx_fast
from spiff_tui.core.xlsx_fast import NotFast, worksheets
from spiff_tui.core.xlsx_records import BadWorkbook, read_sheets

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))
import make_corpus  # noqa: E402


def xlsxwriter_bytes(rows: list[list[object]], formats: dict[int, str] | None = None) -> bytes:
    """A workbook as Excel writes one: strings in the shared table, dates as formatted serials."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Export")
    styles = {column: workbook.add_format({"num_format": f}) for column, f in (formats or {}).items()}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value, styles.get(c))
    workbook.close()
    return buffer.getvalue()


def both_readings(path: Path, monkeypatch) -> tuple[object, object]:
    """read_sheets as it reads (calamine where it may) and with openpyxl alone: each its sheets or error."""
    def read():
        try:
            return [(s.title, s.part, s.damaged_at, s.damage, s.error_cells, s.formulas,
                     s.records.cells.to_dict("split"), s.records.lines.tolist(), s.records.field_counts.tolist())
                    for s in read_sheets(path)]
        except BadWorkbook as exc:
            return str(exc)

    either = read()
    with monkeypatch.context() as patched:
        patched.setattr(xlsx_fast, "worksheets", _refused)
        alone = read()
    return either, alone


def _refused(data):
    raise NotFast
    yield


def corpus_workbooks() -> dict[str, bytes]:
    return {name: data for name, data in make_corpus.binary_cases().items()
            if isinstance(data, bytes) and data.startswith(b"PK")}


# Those calamine reads: all but the one with error cells, the broken-off one and the bombs.
READ_BY_CALAMINE = {"07_xlsx_named.csv", "36_serial_dates.xlsx", "39_formula_no_cache.xlsx", "40_merged_cells.xlsx",
                    "41_second_sheet.xlsx", "42_empty_workbook.xlsx", "62_formatted_report.xlsx"}


@pytest.mark.parametrize("name", sorted(corpus_workbooks()))
def test_each_corpus_workbook_reads_the_same_either_way(tmp_path, monkeypatch, name):
    data = corpus_workbooks()[name]
    if name in READ_BY_CALAMINE:
        assert list(worksheets(data))
    path = tmp_path / name
    path.write_bytes(data)
    either, alone = both_readings(path, monkeypatch)
    assert either == alone


EXPORT = [["Opportunity ID", "Opportunity Owner", "Type", "Stage", "Amount", "Created Date"],
          ["006A", "Ava Patel", "New Business", "Demo", 12500, dt.datetime(2026, 4, 15)],
          ["006B", "  Ben Ortiz ", "Upsell", "Closed Won", 1234.5, dt.datetime(2026, 4, 2, 9, 30)],
          ["006C", "Chloe & <Nguyen>", "New Business", "Proposal", 0, dt.datetime(2026, 4, 30, 23, 59)]]


@pytest.mark.parametrize("writer", ["openpyxl", "xlsxwriter"])
def test_a_plain_export_is_read_by_calamine_and_as_openpyxl_reads_it(tmp_path, monkeypatch, writer):
    def fill(workbook):
        for row in EXPORT:
            workbook.active.append(row)
        for cell in workbook.active["F"][1:]:
            cell.number_format = "m/d/yyyy h:mm"

    data = workbook_bytes(fill) if writer == "openpyxl" else xlsxwriter_bytes(EXPORT, {5: "m/d/yyyy h:mm"})
    (title, part, by_row, _), = list(worksheets(data))   # not left to openpyxl
    assert part == "xl/worksheets/sheet1.xml"
    assert by_row[3] == {0: "006B", 1: "  Ben Ortiz ", 2: "Upsell", 3: "Closed Won", 4: "1234.5", 5: "2026-04-02 09:30"}
    assert by_row[4][1] == "Chloe & <Nguyen>" and by_row[4][4] == "0" and by_row[2][5] == "2026-04-15"
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    either, alone = both_readings(path, monkeypatch)
    assert either == alone


@pytest.mark.parametrize("writer", ["openpyxl", "xlsxwriter"])
def test_a_sheet_that_starts_away_from_a1_keeps_its_row_and_column_numbers(writer):
    if writer == "openpyxl":
        def fill(workbook):
            workbook.active["C5"], workbook.active["D5"] = "Stage", "Amount"
            workbook.active["C6"], workbook.active["D6"] = "Demo", 2.5
            workbook.active["E9"] = True
        data = workbook_bytes(fill)
    else:
        data = xlsxwriter_bytes([[None] * 5] * 4 + [[None, None, "Stage", "Amount"], [None, None, "Demo", 2.5],
                                                    [], [], [None, None, None, None, True]])
    (_, _, by_row, _), = list(worksheets(data))
    assert {number: cells for number, cells in by_row.items() if cells} == {
        5: {2: "Stage", 3: "Amount"}, 6: {2: "Demo", 3: "2.5"}, 9: {4: "true"}}


def test_chart_and_hidden_sheets_and_a_name_with_markup_read_the_same_either_way(tmp_path, monkeypatch):
    from openpyxl.chart import BarChart, Reference

    def fill(workbook):
        sheet = workbook.active
        sheet.title = 'R&D <Q2> "x" é'
        for row in EXPORT:
            sheet.append(row)
        chart = BarChart()
        chart.add_data(Reference(sheet, min_col=5, min_row=1, max_row=4))
        workbook.create_chartsheet("Chart", 0).add_chart(chart)
        hidden = workbook.create_sheet("Hidden", 1)
        hidden.sheet_state = "hidden"
        hidden["A1"] = "notes"

    data = workbook_bytes(fill)
    assert [(title, part) for title, part, _, _ in worksheets(data)] == [
        ("Hidden", "xl/worksheets/sheet1.xml"), ('R&D <Q2> "x" é', "xl/worksheets/sheet2.xml")]
    path = tmp_path / "book.xlsx"
    path.write_bytes(data)
    either, alone = both_readings(path, monkeypatch)
    assert either == alone


@pytest.mark.parametrize("rows_from_a1", [True, False])
@pytest.mark.parametrize("columns_from_a1", [True, False])
def test_calamines_rows_are_placed_whether_they_start_at_a1_or_at_the_first_used_cell(rows_from_a1,
                                                                                     columns_from_a1):
    # C5 'a', E5 'x', D6 2.0: the used cells run from row 4, column 2 to row 5, column 4 (from 0).
    grid = {(4, 2): "a", (4, 4): "x", (5, 3): 2.0}

    class Sheet:
        start, end = (4, 2), (5, 4)

        def iter_rows(self):
            first_row, first_column = (0 if rows_from_a1 else 4), (0 if columns_from_a1 else 2)
            for row in range(first_row, 6):
                yield [grid.get((row, column), "") for column in range(first_column, 5)]

    assert xlsx_fast._cells(Sheet(), {5, 6}) == {5: {2: "a", 4: "x"}, 6: {3: "2"}}

    class Ragged(Sheet):
        def iter_rows(self):
            rows = list(super().iter_rows())
            return rows[:-1] + [rows[-1][:-1]]

    with pytest.raises(NotFast):
        xlsx_fast._cells(Ragged(), {5, 6})


def _with_sheet_xml(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member)
            target.writestr(member.filename, change(content) if member.filename == "xl/worksheets/sheet1.xml"
                            else content)
    return out.getvalue()


def _cell(coordinate, value, number_format=None):
    def fill(workbook):
        workbook.active["A1"] = "Opportunity ID"
        workbook.active[coordinate] = value
        if number_format:
            workbook.active[coordinate].number_format = number_format
    return fill


def _error_cell(workbook):
    workbook.active["A1"] = "#N/A"
    workbook.active["A1"].data_type = "e"


def _dated_1904(workbook):
    workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    workbook.active["A1"] = dt.datetime(2026, 4, 15)


LEFT_TO_OPENPYXL = {
    "an error cell": workbook_bytes(_error_cell),
    "one stray cell at the sheet's far corner": workbook_bytes(_cell("XFD1048576", "stray")),
    "a 1904-based workbook": workbook_bytes(_dated_1904),
    "a negative number": workbook_bytes(_cell("B2", -1, "yyyy-mm-dd")),
    "a number of 16 digits": workbook_bytes(_cell("B2", 1234567890123456)),
    "a duration": workbook_bytes(_cell("B2", dt.timedelta(days=2, seconds=1, microseconds=500), "[h]:mm:ss")),
    "an _xHHHH_ escape": _with_sheet_xml(workbook_bytes(_cell("B2", "AvaCR")), lambda x: x.replace(b"CR", b"_x000D_")),
    "a formula's text result that starts with a space": _with_sheet_xml(
        workbook_bytes(_cell("B2", "PLACEHOLDER")),
        lambda x: x.replace(b'<c r="B2" t="inlineStr"><is><t>PLACEHOLDER</t></is></c>',
                            b'<c r="B2" t="str"><f>A1</f><v> Ava</v></c>')),
    "a text of one space not marked to keep it": workbook_bytes(_cell("B2", " ")),
    "a character XML does not allow (U+FFFE)": workbook_bytes(_cell("B2", "Ava\ufffe")),
    "a tab written as a character reference at a text's end": _with_sheet_xml(
        workbook_bytes(_cell("B2", "PLACEHOLDER")), lambda x: x.replace(b"PLACEHOLDER", b"Ava&#9;")),
    "a carriage return": _with_sheet_xml(workbook_bytes(_cell("B2", "AvaCR")), lambda x: x.replace(b"CR", b"\r\n")),
    "a cell without its reference": _with_sheet_xml(workbook_bytes(_cell("B2", "x")),
                                                    lambda x: x.replace(b'<c r="B2"', b"<c")),
    "XML that breaks off": _with_sheet_xml(workbook_bytes(_cell("B2", "x")), lambda x: x[:x.index(b"<row r=\"2\"")]),
}


# The sheet's XML is checked a window of rows at a time: as one window, and a row per window.
WINDOWS = [xlsx_fast.WINDOW, 1]


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("case", sorted(LEFT_TO_OPENPYXL))
def test_what_calamine_reads_otherwise_or_cannot_hold_is_left_to_openpyxl(tmp_path, monkeypatch, case, window):
    monkeypatch.setattr(xlsx_fast, "WINDOW", window)
    data = LEFT_TO_OPENPYXL[case]
    with pytest.raises(NotFast):
        list(worksheets(data))
    path = tmp_path / "book.xlsx"
    path.write_bytes(data)
    either, alone = both_readings(path, monkeypatch)
    assert either == alone


texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(" \n\t&<>\"'"),
                max_size=12)
values = st.one_of(
    st.none(), texts, st.sampled_from(["_x000D_", "a_x005F_x0041_", " ", "Ava "]), st.integers(0, 10**15 - 1),
    st.floats(0, 1e12, allow_nan=False), st.integers(-10**17, 10**17), st.floats(-1e16, 1e16, allow_nan=False),
    st.booleans(),
    st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(2200, 1, 1)).map(lambda d: d.replace(microsecond=0)),
    st.dates(dt.date(1901, 1, 1), dt.date(2200, 1, 1)).map(lambda d: dt.datetime(d.year, d.month, d.day)))
FORMATS = ["General", "yyyy-mm-dd", "m/d/yy h:mm", "h:mm:ss", "0.00", "#,##0", "0%", "@", "d-mmm-yy", "mmm-yy",
           "[$-409]mmmm d, yyyy", '"Date: "yyyy', "0.00E+00"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.dictionaries(st.tuples(st.integers(0, 40), st.integers(0, 30)),
                             st.tuples(values, st.sampled_from(FORMATS)), max_size=60),
       writer=st.sampled_from(["openpyxl", "xlsxwriter"]), merge=st.booleans(), window=st.sampled_from(WINDOWS))
def test_any_cells_read_the_same_either_way(tmp_path, monkeypatch, cells, writer, merge, window):
    monkeypatch.setattr(xlsx_fast, "WINDOW", window)
    if writer == "openpyxl":
        def fill(workbook):
            for (r, c), (value, number_format) in cells.items():
                cell = workbook.active.cell(row=r + 1, column=c + 1, value=value)
                cell.number_format = number_format
            if merge:
                workbook.active.merge_cells("B2:B6")
        data = workbook_bytes(fill)
    else:
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                                "strings_to_formulas": False, "strings_to_urls": False})
        sheet = workbook.add_worksheet()
        for (r, c), (value, number_format) in cells.items():
            if value is not None:
                sheet.write(r, c, value, workbook.add_format({"num_format": number_format}))
        if merge:
            sheet.merge_range("B2:B6", "merged")
        workbook.close()
        data = buffer.getvalue()
    path = tmp_path / "book.xlsx"
    path.write_bytes(data)
    either, alone = both_readings(path, monkeypatch)
    assert either == alone


@pytest.mark.parametrize("window", WINDOWS)
def test_a_grid_about_the_size_of_its_cells_passes_the_check_and_a_sparse_one_does_not(monkeypatch, window):
    monkeypatch.setattr(xlsx_fast, "WINDOW", window)
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c><c r="G{n}"><v>2</v></c></row>' for n in range(1, 101))
    xml = f'<worksheet><sheetData>{rows}</sheetData></worksheet>'.encode()
    assert xlsx_fast._checked_rows(xml) == set(range(1, 101))
    sparse = xml.replace(b'<c r="G100">', b'<c r="ZZ100000">').replace(b'<row r="100">', b'<row r="100000">')
    with pytest.raises(NotFast):
        xlsx_fast._checked_rows(sparse)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.integers(1, 60), st.dictionaries(st.integers(0, 40), st.sampled_from(
    ["x", " ", "y z", "1", "\xa0", "\t \u3000", "\x1f", "Ava "]), max_size=6), max_size=20))
def test_a_sheets_records_count_their_cells_as_a_cell_by_cell_count_does(by_row):
    from spiff_tui.core.csv_records import Records
    from spiff_tui.core.xlsx_records import _records

    records, place = _records(by_row)
    filled_rows = sorted(number for number, row in by_row.items() if row)
    assert records.lines.tolist() == filled_rows
    assert sorted(place) == sorted({column for row in by_row.values() for column in row})
    for index, number in enumerate(filled_rows):
        cells = records.cells.iloc[index].tolist()
        assert {place[c]: text for c, text in by_row[number].items()} == {i: t for i, t in enumerate(cells) if t}
        assert records.field_counts[index] == max(i for i, t in enumerate(cells) if t) + 1
    counted = Records(records.cells, records.lines, records.field_counts, "xlsx")   # counts each cell itself
    assert records.filled_counts().tolist() == counted.filled_counts().tolist()


# Text as other writers may put it in the XML: spaces of several kinds, as they are or as character
# references, entities, CDATA; marked to keep its spaces or not.
XML_PIECES = [b"a", b"B", b" ", b"\t", b"\n", b"&#9;", b"&#10;", b"&#13;", b"&#32;", b"&#160;", b"&#xA0;", b"&amp;",
              b"&lt;", "\u00a0".encode(), "\u2003".encode(), b"&#x2003;", b"<![CDATA[ x ]]>", "\u3000".encode()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.tuples(st.lists(st.sampled_from(XML_PIECES), min_size=1, max_size=4), st.booleans()),
                      min_size=3, max_size=3), window=st.sampled_from(WINDOWS))
def test_text_as_any_writer_may_put_it_reads_the_same_either_way(tmp_path, monkeypatch, texts, window):
    monkeypatch.setattr(xlsx_fast, "WINDOW", window)
    def fill(workbook):
        workbook.active["A1"], workbook.active["B1"], workbook.active["A2"] = "P0", "P1", "P2"

    def written(xml):
        for index, (pieces, keep_spaces) in enumerate(texts):
            opening = b'<t xml:space="preserve">' if keep_spaces else b"<t>"
            xml = xml.replace(b"<t>P%d</t>" % index, opening + b"".join(pieces) + b"</t>")
        return xml

    path = tmp_path / "book.xlsx"
    path.write_bytes(_with_sheet_xml(workbook_bytes(fill), written))
    either, alone = both_readings(path, monkeypatch)
    assert either == alone


@pytest.mark.parametrize(("tail", "whole"), [(b"", True), (b"\r\n  ", True), (b" " * 10_000, True),
                                             (b"<x" + b" " * 10_000, False), (b"<row r=\"9\">", False)])
def test_a_sheet_is_whole_when_it_ends_with_its_closing_tag_whatever_white_space_follows(tail, whole):
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>' for n in range(1, 400))
    xml = f"<worksheet><sheetData>{rows}</sheetData></worksheet>".encode() + tail
    assert xlsx_fast._ends_with(xml, b"</worksheet>") is whole
