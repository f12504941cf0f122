"""Writes the corpus files that are binary, encoded, oversized or carry control bytes.

The plain-text cases are committed beside this script; these are built at test time (a
session fixture calls `build(folder)`) so the repository holds no binary blobs and no
decompression bomb. Run `python tests/corpus/make_corpus.py OUT_DIR` to look at them.

Every opportunities file uses the same three rows unless it says otherwise:
  -1  Ava Patel, New Business, Demo on Acme (her target account)    -> Ava 2 points
  -2  Cara Diaz, New Business, Closed Won on Cobalt (her target)     -> Cara 4 points
  -3  Dan Kim (Account Executive), Upsell, Closed Won, 9000          -> Dan 3 points
"""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import sys
import zipfile
from pathlib import Path

OPP_HEADER = ["Opportunity ID", "Account Name", "Opportunity Owner", "Account Executive", "Type",
              "Stage", "Amount", "Created Date"]
BOMB_INFLATED = 64 * 2**20  # the sheet inflates to 64 MiB from ~64 KiB: a 1000:1 ratio


def good_rows(prefix: str) -> list[list[str]]:
    return [
        [f"{prefix}-1", "Acme", "Ava Patel", "", "New Business", "Demo", "1000", "4/15/2026"],
        [f"{prefix}-2", "Cobalt", "Cara Diaz", "", "New Business", "Closed Won", "2000", "4/16/2026"],
        [f"{prefix}-3", "Delta", "Sam Csm", "Dan Kim", "Upsell", "Closed Won", "9000", "4/17/2026"],
    ]


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    def cell(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delimiter.join(cell(v) for v in row) + newline for row in [header, *rows])


def _workbook_bytes(fill) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    fill(workbook)
    raw = io.BytesIO()
    workbook.save(raw)
    return raw.getvalue()


def _opps_sheet(sheet, prefix: str, created=None) -> None:
    sheet.append(OPP_HEADER)
    for row in good_rows(prefix):
        values: list[object] = list(row)
        values[6] = float(row[6])
        if created is not None:
            values[7] = created(row[7])
        sheet.append(values)


def _as_datetime(text: str) -> dt.datetime:
    month, day, year = (int(p) for p in text.split("/"))
    return dt.datetime(year, month, day)


def xlsx_named_csv() -> bytes:
    return _workbook_bytes(lambda wb: _opps_sheet(wb.active, "F07", _as_datetime))


def serial_dates() -> bytes:
    serials = {"4/15/2026": 46127, "4/16/2026": 46128.5, "4/17/2026": 46112}  # 46112 = 2026-03-31
    return _workbook_bytes(lambda wb: _opps_sheet(wb.active, "F36", lambda text: serials[text]))


def error_cells() -> bytes:
    def fill(workbook):
        sheet = workbook.active
        sheet.append(OPP_HEADER)
        rows = good_rows("F38")
        rows[0][6] = "#N/A"     # error cell in Amount
        rows[1][7] = "#REF!"    # error cell in Created Date
        for row in rows:
            sheet.append(row)
        assert sheet["G2"].data_type == "e" and sheet["H3"].data_type == "e"

    return _workbook_bytes(fill)


def formula_without_cache() -> bytes:
    # openpyxl never computes formulas, so these cells are saved with no cached value,
    # exactly like a workbook written by a script and never opened in Excel.
    def fill(workbook):
        sheet = workbook.active
        sheet.append(OPP_HEADER)
        rows = good_rows("F39")
        rows[1][7] = "=DATE(2026,4,16)"
        rows[2][6] = "=4500*2"
        for row in rows:
            sheet.append(row)

    return _workbook_bytes(fill)


def merged_cells() -> bytes:
    def fill(workbook):
        sheet = workbook.active
        sheet.append(["Opportunities by Stage"])
        sheet.merge_cells("A1:H1")
        sheet.append([])
        _opps_sheet(sheet, "F40")
        sheet.merge_cells("D4:D5")  # Account Executive merged over two rows (both blank-ish)

    return _workbook_bytes(fill)


def second_sheet() -> bytes:
    def fill(workbook):
        summary = workbook.active
        summary.title = "Summary"
        summary.append(["Pipeline summary"])
        summary.append(["see the Data sheet", 3])
        _opps_sheet(workbook.create_sheet("Data"), "F41")

    return _workbook_bytes(fill)


def empty_workbook() -> bytes:
    return _workbook_bytes(lambda workbook: None)


def truncated_workbook() -> bytes:
    whole = _workbook_bytes(lambda wb: _opps_sheet(wb.active, "F43"))
    return whole[: len(whole) // 2]


def formatted_report() -> bytes:
    """Title rows, a blank spacer column A and an empty spacer column between Stage and Amount."""
    def fill(workbook):
        sheet = workbook.active
        sheet.append([None, "Opportunities by Stage"])
        sheet.append([None, "As of 4/30/2026"])
        sheet.append([])
        header = OPP_HEADER[:6] + [None] + OPP_HEADER[6:]
        sheet.append([None, *header])
        for row in good_rows("F62"):
            values: list[object] = row[:6] + [None, float(row[6]), _as_datetime(row[7])]
            sheet.append([None, *values])

    return _workbook_bytes(fill)


def ratio_bomb(path: Path) -> None:
    """A worksheet that inflates ~1000:1 to 64 MiB: refused from the ZIP directory, never inflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(2026, 4, 30, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        chunk = b" " * 2**20
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            for _ in range(BOMB_INFLATED // len(chunk)):
                member.write(chunk)
            member.write(b"</sheetData></worksheet>")


def declared_bomb() -> bytes:
    """A small archive whose ZIP directory declares a 3 GiB sheet: refused before any inflating."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    data = bytearray(raw.getvalue())
    at = data.find(b"PK\x01\x02", 0)
    at = data.find(b"PK\x01\x02", at + 4)  # the sheet's central directory entry
    struct.pack_into("<I", data, at + 24, 3 * 2**30)
    return bytes(data)


def text_cases() -> dict[str, bytes]:
    header = OPP_HEADER
    cases: dict[str, bytes] = {}

    named = ["Opportunity Name", *header]
    rows = [["Zoë's deal", *r] for r in good_rows("F01")]
    cases["01_utf8_bom.csv"] = b"\xef\xbb\xbf" + csv_text(named, rows).encode("utf-8")

    rows = [["Café – €5k", *r] for r in good_rows("F02")]
    rows.append(["Niño", "F02-4", "Acme", "José Núñez", "", "New Business", "Demo", "1000", "4/15/2026"])
    cases["02_utf16le_tab.csv"] = ("\ufeff" + csv_text(named, rows, "\t", "\r\n")).encode("utf-16-le")

    rows = [["Café – €5k", *r] for r in good_rows("F03")]
    rows.append(["Niño", "F03-4", "Acme", "José Núñez", "", "New Business", "Demo", "1000", "4/15/2026"])
    cases["03_cp1252.csv"] = csv_text(named, rows).encode("cp1252")

    rows = [["Zoë's deal", *r] for r in good_rows("F04")]
    lines = csv_text(named, rows).encode("utf-8").split(b"\n")
    lines[2] = lines[2].replace(b"Zo\xc3\xab", b"Zo\xff")  # line 3: one byte that is not UTF-8
    cases["04_invalid_utf8_byte.csv"] = b"\n".join(lines)

    rows = good_rows("F05")
    rows[1][1] = "Cob\x00alt\x00"
    cases["05_nul_bytes.csv"] = csv_text(header, rows).encode("utf-8")

    cases["06_binary_garbage.csv"] = random.Random(6).randbytes(4096)

    subject = "x" * 2**20
    acts = [["F14-1", "Ben Ortiz", "Email", "4/20/2026", "A2", "Birch", "short"],
            ["F14-2", "Ben Ortiz", "Email", "4/21/2026", "A2", "Birch", subject],
            ["F14-3", "Cara Diaz", "Call", "4/21/2026", "A3", "Cobalt", "short"]]
    cases["14_huge_cell.csv"] = csv_text(["Activity ID", "Assigned", "Task Subtype", "Date", "Account ID",
                                          "Company / Account", "Subject"], acts).encode("utf-8")

    rows = good_rows("F47")
    rows[1][7] = "4/32/2026"
    cases["47_crlf.csv"] = csv_text(header, rows, newline="\r\n").encode("utf-8")

    hostile = [
        ["=cmd|' /C calc'!A0", "Acme", "Ava Patel", "", "New Business", "Demo", "1000", "4/15/2026"],
        ["F51-2", "\x1b]0;pwned\x07Acme", "[bold red]Eve[/bold red]", "", "New Business", "Demo", "1000", "4/15/2026"],
        ["F51-3", "Acme", "\x1b[31mMallory\x1b[0m", "", "New Business", "Demo", "1000", "4/15/2026"],
        ["F51-4", "Acme", '=HYPERLINK("http://evil.example","x")', "", "New Business", "Demo", "1000", "4/15/2026"],
        ["F51-5", "Acme", "@SUM(A1:A9)", "", "New Business", "+Demo", "1000", "4/15/2026"],
        ["F51-6", "Acme", "-2+3", "", "\tNew Business", "Demo", "1000", "4/15/2026"],
        ["F51-7", "<b>Acme</b> | &amp;", "Bell\x07 [link=http://x]y[/link]", "", "New Business", "Demo",
         "1000", "4/15/2026"],
    ]
    cases["51_markup_escapes.csv"] = csv_text(header, hostile).encode("utf-8")

    cases["52_\x1b[31mred\x07.csv"] = csv_text(header, good_rows("F52")[:1]).encode("utf-8")

    rows = good_rows("F53")
    rows[0][7] = "15/04/2026 \x1b[2J\x1b[31mred"
    cases["53_escape_in_date.csv"] = csv_text(header, rows).encode("utf-8")
    return cases


def binary_cases() -> dict[str, bytes]:
    return {
        "07_xlsx_named.csv": xlsx_named_csv(),
        "36_serial_dates.xlsx": serial_dates(),
        "38_error_cells.xlsx": error_cells(),
        "39_formula_no_cache.xlsx": formula_without_cache(),
        "40_merged_cells.xlsx": merged_cells(),
        "41_second_sheet.xlsx": second_sheet(),
        "42_empty_workbook.xlsx": empty_workbook(),
        "43_truncated.xlsx": truncated_workbook(),
        "63_declared_bomb.xlsx": declared_bomb(),
        "62_formatted_report.xlsx": formatted_report(),
    }


def build(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in {**text_cases(), **binary_cases()}.items():
        (folder / name).write_bytes(data)
    ratio_bomb(folder / "44_bomb.xlsx")
    return folder


if __name__ == "__main__":
    out = build(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus_out"))
    print(f"wrote {len(list(out.iterdir()))} files to {out}")
