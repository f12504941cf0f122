"""XLSX reading that must not be fooled by a workbook's size: stray far cells, many parts, later sheets."""

from __future__ import annotations

import io
import zipfile

import openpyxl
from contest import OPPS_HEADER, make_contest, opp, row_of, score_dir

from spiff_tui.core.xlsx_records import BadWorkbook, check_archive, read_sheets


def workbook_bytes(fill) -> bytes:
    workbook = openpyxl.Workbook()
    fill(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def opps_sheet(sheet) -> None:
    sheet.append(OPPS_HEADER)
    for row in (opp("1", "Ava Patel", "Demo"), opp("2", "Ava Patel", "Closed Won")):
        sheet.append(row)


def test_a_stray_far_cell_adds_one_column_not_a_padded_sheet(tmp_path):
    def fill(workbook):
        opps_sheet(workbook.active)
        workbook.active["ZZ5000"] = "x"   # 702 columns, 5,000 rows, if every row were padded

    path = tmp_path / "opps.xlsx"
    path.write_bytes(workbook_bytes(fill))
    (_, records, _), = read_sheets(path)
    assert records.cells.shape == (4, len(OPPS_HEADER) + 1)
    assert list(records.lines) == [1, 2, 3, 5000]
    folder = make_contest(tmp_path / "contest")
    (folder / "opportunities.xlsx").write_bytes(path.read_bytes())
    assert row_of(score_dir(folder), "reps", "rep", "Ava Patel")["total_points"] == 2 + 4


def test_sheets_after_the_export_are_not_read(tmp_path):
    def fill(workbook):
        opps_sheet(workbook.active)
        later = workbook.create_sheet("Scratch")
        later.append(["=1+1"])   # saved without a value: an error only if this sheet were read

    folder = make_contest(tmp_path)
    (folder / "opportunities.xlsx").write_bytes(workbook_bytes(fill))
    snapshot = score_dir(folder)
    assert not snapshot.has_errors
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 2 + 4


def test_many_parts_that_inflate_100_to_1_past_64_mib_are_refused_from_the_directory():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(20):   # each 4 MiB part is under the per-part limit
            archive.writestr(f"xl/worksheets/sheet{number}.xml", b"<row/>" * (4 * 2**20 // 6))
    try:
        check_archive(io.BytesIO(buffer.getvalue()))
    except BadWorkbook as exc:
        assert "MiB, compressed" in str(exc) and "decompression bomb" in str(exc)
    else:
        raise AssertionError("the archive was let through")
