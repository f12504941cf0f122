"""XLSX reading that must not be fooled by a workbook's size: stray far cells, many parts, later sheets."""

from __future__ import annotations

import io
import zipfile

from contest import OPPS_HEADER, make_contest, opp, row_of, score_dir, workbook_bytes

from spiff_tui.core.xlsx_records import BadWorkbook, check_archive, read_sheets


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
    sheet, = read_sheets(path)
    records = sheet.records
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


def rewritten(data: bytes, change) -> bytes:
    """The workbook with each part's bytes passed through change(name, content)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            target.writestr(member.filename, change(member.filename, source.read(member)))
    return out.getvalue()


def test_a_strict_open_xml_workbook_reads_like_the_usual_one(tmp_path):
    usual_to_strict = [(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                        b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
                       (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                        b"http://purl.oclc.org/ooxml/officeDocument/relationships")]

    def strict(name, content):
        for usual, other in usual_to_strict:
            content = content.replace(usual, other)
        return content

    folder = make_contest(tmp_path)
    (folder / "opportunities.xlsx").write_bytes(rewritten(workbook_bytes(lambda wb: opps_sheet(wb.active)), strict))
    snapshot = score_dir(folder)
    assert not snapshot.has_errors, snapshot.problems
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 2 + 4


def test_a_sheet_whose_xml_breaks_off_keeps_the_rows_before_the_break(tmp_path):
    def cut_after_row_2(name, content):
        if name != "xl/worksheets/sheet1.xml":
            return content
        end = content.index(b'<row r="3"')
        return content[:end] + b'<row r="3"><c r="A3" t="s"><v>\x00garbage<<'

    folder = make_contest(tmp_path)
    (folder / "opportunities.xlsx").write_bytes(rewritten(workbook_bytes(lambda wb: opps_sheet(wb.active)),
                                                          cut_after_row_2))
    snapshot = score_dir(folder)
    errors = [p for p in snapshot.problems if p.severity == "error"]
    assert [(p.file, p.line) for p in errors] == [("opportunities.xlsx", 3)]
    assert "damaged from this row on" in errors[0].message
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 2   # row 2 (Demo); row 3 is lost


def test_characters_a_workbook_writes_as_x_escapes_are_read_as_those_characters(tmp_path):
    """Excel writes a CR as _x000D_ and a tab as _x0009_; _x005F_ keeps an escape literal."""
    def fill(workbook):
        sheet = workbook.active
        sheet.append(OPPS_HEADER)
        sheet.append(opp("1", "Ava PatelCR", "DemoTAB"))
        sheet.append(opp("2", "Ava Patel", "Closed Won", account=("A1", "AcmeLITERAL")))

    def escaped(name, content):
        return (content.replace(b"CR", b"_x000D_").replace(b"TAB", b"_x0009_")
                .replace(b"LITERAL", b"_x005F_x0041_"))

    folder = make_contest(tmp_path)
    (folder / "opportunities.xlsx").write_bytes(rewritten(workbook_bytes(fill), escaped))
    snapshot = score_dir(folder)
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 2 + 4
    accounts = set(snapshot.ledger["account"].astype(str))
    assert "Acme_x0041_" in accounts


def test_an_excel_error_in_a_column_the_rules_read_sets_the_row_aside_and_elsewhere_is_ignored(tmp_path):
    def fill(workbook):
        sheet = workbook.active
        sheet.append(OPPS_HEADER + ["Notes"])
        sheet.append(opp("1", "Ava Patel", "Demo") + ["#DIV/0!"])          # an error nobody reads
        sheet.append(opp("2", "Ava Patel", "Closed Won", account=("#REF!", "Acme")))
        sheet.append(opp("3", "Ava Patel", "Prospecting"))

    folder = make_contest(tmp_path)
    (folder / "opportunities.xlsx").write_bytes(workbook_bytes(fill))
    snapshot = score_dir(folder)
    assert [str(p) for p in snapshot.problems if p.severity == "error"] == [
        "opportunities.xlsx:3: [Account ID] error: the cell holds the Excel error #REF!; row set aside"]
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 2 + 1   # rows 2 and 4
    assert sorted(snapshot.ledger["line"]) == [2, 4]


def test_a_missing_or_damaged_part_is_named_in_a_users_words(tmp_path):
    usual = workbook_bytes(lambda wb: opps_sheet(wb.active))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(usual)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            if member.filename != "xl/workbook.xml":
                target.writestr(member.filename, source.read(member))
    stored = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(usual)) as source, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as target:
        for member in source.infolist():
            target.writestr(member.filename, source.read(member))
    damaged = bytearray(stored.getvalue())
    at = damaged.index(b'<row r="2"')
    damaged[at + 1] = ord("R")   # one byte of the sheet changed: its checksum no longer matches
    folder = make_contest(tmp_path)
    (folder / "no_workbook_part.xlsx").write_bytes(out.getvalue())
    (folder / "damaged.xlsx").write_bytes(bytes(damaged))
    errors = sorted(str(p) for p in score_dir(folder).problems if p.severity == "error")
    assert errors == [
        "damaged.xlsx: error: not a readable XLSX workbook (its part 'xl/worksheets/sheet1.xml' is damaged: "
        "the checksum does not match); file skipped",
        "no_workbook_part.xlsx: error: not a readable XLSX workbook (its part 'xl/workbook.xml' is missing); "
        "file skipped"]


def test_openpyxls_own_warnings_are_not_printed_the_problem_is_reported_in_one_line(tmp_path):
    import subprocess
    import sys

    def fill(workbook):
        opps_sheet(workbook.active)
        workbook.active["J2"] = 3_000_000   # a date cell past the year 9999: openpyxl warns, and reads an error
        workbook.active["J2"].number_format = "yyyy-mm-dd"

    folder = make_contest(tmp_path)
    (folder / "opportunities.xlsx").write_bytes(workbook_bytes(fill))
    done = subprocess.run([sys.executable, "-m", "spiff_tui", "check", str(folder), "--as-of", "2026-04-15"],
                          capture_output=True, text=True, check=False)
    assert "Warning" not in done.stderr and "openpyxl" not in done.stdout + done.stderr
    assert "opportunities.xlsx:2: [Created Date] error: the cell holds the Excel error #VALUE!" in done.stdout
