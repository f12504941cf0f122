"""Every export quirk and fault in tests/corpus/, read beside a clean contest whose scores must not move.

Each case drops one fault file (or a small set) into a folder holding tests/corpus/clean/
(accounts, opportunities, activities with hand-computed scores), then runs `check`,
`export --view ledger` (JSON and CSV) and the live board's loading path, and asserts:
the exit code; every problem, with its line, and no other error or warning; exactly which
rows of the fault file were counted and for how many points; that the clean rows and the
boards are exactly the hand-computed ones plus the fault file's counted rows; and that no
output carries a traceback, an escape sequence or a cell a spreadsheet would run.

Unless a case says otherwise its fault file holds the three rows of make_corpus.good_rows:
line 2 Ava Patel New Business Demo (2 points), line 3 Cara Diaz New Business Closed Won
(4 points), line 4 Dan Kim Upsell Closed Won 9000 (3 points).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import os
import shutil
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest

from spiff_tui.cli import main
from spiff_tui.core.folder import FolderReader
from spiff_tui.core.problems import INFO
from spiff_tui.core.reader import read_export, shown_name
from spiff_tui.core.rules import load_rules
from spiff_tui.core.snapshot import score

CORPUS = Path(__file__).parents[1] / "corpus"
CLEAN = CORPUS / "clean"
AS_OF = "2026-04-30"
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")

RULES = """\
[contest]
name = "Quirk Cup"
start = 2026-04-01
end = 2026-04-30

[[teams]]
name = "Falcons"
members = ["Ava Patel", "Ben Ortiz"]

[[teams]]
name = "Hawks"
members = ["Cara Diaz", "Dan Kim"]

[new_business]
types = ["New Business"]
credit = "owner"
target_accounts_only = true
stage_points = { "Prospecting" = 1, "Demo" = 2, "Proposal" = 3, "Closed Won" = 4, "Closed Lost" = 0 }

[upsell]
types = ["Upsell"]
credit = "account_executive"
target_accounts_only = false
min_amount = 5000
stage_points = { "Prospecting" = 0.5, "Demo" = 1, "Proposal" = 2, "Closed Won" = 3, "Closed Lost" = 0 }

[qualification]
min_activities = 2
min_calls = 1
activity_types = ["Call", "Email"]
call_types = ["Call"]
target_accounts_only = true
"""

# The clean set, worked out by hand from tests/corpus/clean/ and RULES:
# (file, line) -> (kind, record_id, rep, counted, points)
CLEAN_LEDGER = {
    ("opportunities.csv", 2): ("new_business", "O1", "Ava Patel", True, 2),      # Demo on her target Acme
    ("opportunities.csv", 3): ("new_business", "O2", "Ben Ortiz", True, 4),      # Closed Won on Birch
    ("opportunities.csv", 4): ("new_business", "O3", "Cara Diaz", False, 0),     # created 3/30
    ("opportunities.csv", 5): ("new_business", "O4", "Ava Patel", False, 0),     # Ember is not a target
    ("opportunities.csv", 6): ("upsell", "O5", "Dan Kim", True, 2),              # Proposal, 6000 > 5000
    ("opportunities.csv", 7): ("upsell", "O6", "Cara Diaz", False, 0),           # 5000 is not over 5000
    ("opportunities.csv", 8): ("new_business", "O7", "Cara Diaz", True, 0),      # Closed Lost counts, 0
    ("activities.csv", 2): ("activity", "T1", "Ava Patel", True, 0),             # call
    ("activities.csv", 3): ("activity", "T2", "Ava Patel", True, 0),
    ("activities.csv", 4): ("activity", "T3", "Ben Ortiz", True, 0),             # call
    ("activities.csv", 5): ("activity", "T4", "Ben Ortiz", False, 0),            # 3/31
    ("activities.csv", 6): ("activity", "T5", "Cara Diaz", True, 0),
    ("activities.csv", 7): ("activity", "T6", "Cara Diaz", True, 0),
    ("activities.csv", 8): ("activity", "T7", "Dan Kim", True, 0),               # call
    ("activities.csv", 9): ("activity", "T8", "Dan Kim", False, 0),              # Ember is Ava's account
    ("activities.csv", 10): ("activity", "T9", "Dan Kim", False, 0),             # Meeting does not count
}
CLEAN_POINTS = {"Ava Patel": (2, 0), "Ben Ortiz": (4, 0), "Cara Diaz": (0, 0), "Dan Kim": (0, 2)}
CLEAN_ACTIVITY = {"Ava Patel": (2, 1), "Ben Ortiz": (1, 1), "Cara Diaz": (2, 0), "Dan Kim": (1, 1)}
TEAMS = {"Falcons": ("Ava Patel", "Ben Ortiz"), "Hawks": ("Cara Diaz", "Dan Kim")}


def nb(rep: str, points: float) -> tuple:
    return ("new_business", rep, points)


def up(rep: str, points: float) -> tuple:
    return ("upsell", rep, points)


def act(rep: str, call: bool = False) -> tuple:
    return ("activity", rep, call)


GOOD = {2: nb("Ava Patel", 2), 3: nb("Cara Diaz", 4), 4: up("Dan Kim", 3)}
DAY_FIRST = "[input]\nday_first = true\n"


@dataclass(frozen=True)
class Case:
    """One corpus case and everything it must give.

    problems: each pattern must match one problem of the case's files, and every error or
      warning of those files must match a pattern ("…" separates parts found in order).
    counted: line (or (file, line)) -> nb/up/act: the fault file's rows that count, and no others.
    not_counted: line -> a substring of the reason; together with counted, every ledger row of the
      fault files (a row set aside is in neither).
    """

    files: tuple[str, ...]
    rc: int
    problems: tuple[str, ...] = ()
    counted: dict = field(default_factory=dict)
    not_counted: dict = field(default_factory=dict)
    rules: str = ""
    ledger: dict = field(default_factory=dict)       # line -> {column: value} in the JSON ledger
    stdout: tuple[str, ...] = ()                      # substrings of check's stdout
    mtimes: dict = field(default_factory=dict)        # file -> modification day
    total_rows: int | None = None                     # rows dropped as totals


CASES: dict[str, Case] = {
    "01_utf8_bom": Case(("01_utf8_bom.csv",), 0, counted=GOOD, stdout=("utf-8-sig",)),
    "02_utf16le_tab": Case(("02_utf16le_tab.csv",), 0, counted=GOOD,
                           not_counted={5: "José Núñez is not on the roster"}, stdout=("utf-16", "tab")),
    "03_cp1252": Case(("03_cp1252.csv",), 0, counted=GOOD,
                      not_counted={5: "José Núñez is not on the roster"}, stdout=("cp1252",)),
    "04_invalid_utf8_byte": Case(("04_invalid_utf8_byte.csv",), 1,
                                 ("04_invalid_utf8_byte.csv:3: error: invalid byte for UTF-8…set aside",),
                                 counted={2: GOOD[2], 4: GOOD[4]}),
    "05_nul_bytes": Case(("05_nul_bytes.csv",), 0, ("05_nul_bytes.csv:3: warning: NUL bytes removed",),
                         counted=GOOD, ledger={3: {"account": "Cobalt"}}),
    "06_binary_garbage": Case(("06_binary_garbage.csv",), 1,
                              ("06_binary_garbage.csv: error: binary content…file skipped",)),
    "07_xlsx_named_csv": Case(("07_xlsx_named.csv",), 0,
                              ("07_xlsx_named.csv: warning: named .csv but is an XLSX workbook",),
                              counted=GOOD),
    "08_csv_named_xlsx": Case(("08_csv_named.xlsx",), 0,
                              ("08_csv_named.xlsx: warning: named .xlsx but is not a workbook",),
                              counted={2: GOOD[2], 3: GOOD[3]}),
    "09_cut_mid_quote": Case(("09_cut_mid_quote.csv",), 1,
                             ("09_cut_mid_quote.csv:4: error: a quoted cell is never closed",),
                             counted={2: GOOD[2], 3: GOOD[3]}),
    # A lone quote inside an unquoted cell (an inch mark) is a character, not an open quote.
    "67_inch_mark_quote": Case(("67_inch_mark_quote.csv",), 0, counted=GOOD),
    "68_nul_padding": Case(("68_nul_padding.csv",), 0,
                           ("68_nul_padding.csv: warning: 4,096 NUL bytes after the last line ignored",),
                           counted=GOOD),
    # Accounts nobody scores on: only the warnings, one per unclear value on its line.
    "69_unclear_target_flag": Case(("69_unclear_target_flag.csv",), 0,
                                   ("69_unclear_target_flag.csv:3: [Target Account] warning: 'maybe' is neither "
                                    "yes nor no; read as not a target account",
                                    "69_unclear_target_flag.csv:5: [Target Account] warning: 'TBD' is neither "
                                    "yes nor no; read as not a target account")),
    "70_id_twice_in_one_export": Case(("70_id_twice_in_one_export.csv",), 0,
                                      counted={2: nb("Ava Patel", 2), 4: up("Dan Kim", 3)},
                                      not_counted={3: "same Opportunity ID as 70_id_twice_in_one_export.csv:2"}),
    # A summary report: group headings and subtotals between the rows are report rows, not data.
    "71_summary_report_groups": Case(("71_summary_report_groups.csv",), 0,
                                     counted={3: nb("Ava Patel", 2), 6: nb("Cara Diaz", 4), 8: up("Dan Kim", 3)}),
    "10_cut_mid_number": Case(("10_cut_mid_number.csv",), 1,
                              ("10_cut_mid_number.csv:4: error: row has 7 cells but the header has 8",),
                              counted={2: GOOD[2], 3: GOOD[3]}),
    "11_empty": Case(("11_empty.csv",), 0, ("11_empty.csv: warning: file is empty",)),
    "12_whitespace_only": Case(("12_whitespace_only.csv",), 0, ("12_whitespace_only.csv: warning: file is empty",)),
    "13_header_only": Case(("13_header_only.csv",), 0, ("13_header_only.csv…warning: …no data rows",)),
    "14_huge_cell": Case(("14_huge_cell.csv",), 0,
                         counted={2: act("Ben Ortiz"), 3: act("Ben Ortiz"), 4: act("Cara Diaz", call=True)}),
    "15_salesforce_footer": Case(("15_salesforce_footer.csv",), 0,
                                 ("15_salesforce_footer.csv: info: 5 footer lines dropped",), counted=GOOD,
                                 stdout=("2026-04-30 18:05",)),
    "16_footer_decides_newest": Case(
        ("16_footer_order",), 0,
        ("a_newer_by_footer.csv: info: 5 footer lines dropped", "b_older_by_footer.csv: info: 5 footer lines dropped"),
        counted={("a_newer_by_footer.csv", 2): nb("Ava Patel", 4)},
        not_counted={("b_older_by_footer.csv", 2): "replaced by the newer row a_newer_by_footer.csv:2"},
        mtimes={"a_newer_by_footer.csv": "2026-04-01", "b_older_by_footer.csv": "2026-05-01"}),
    "17_footer_copyright_symbol": Case(("17_footer_copyright_symbol.csv",), 0,
                                       ("17_footer_copyright_symbol.csv: info: 5 footer lines dropped",),
                                       counted=GOOD, stdout=("2026-04-29 09:15",)),
    "65_footer_company_comma": Case(("65_footer_company_comma.csv",), 0,
                                    ("65_footer_company_comma.csv: info: 5 footer lines dropped",),
                                    counted=GOOD, stdout=("2026-04-30 07:45",)),
    "18_grand_totals": Case(("18_grand_totals.csv",), 0, counted=GOOD, total_rows=1),
    "19_subtotal_rows": Case(("19_subtotal_rows.csv",), 0, counted={2: GOOD[2], 4: GOOD[3]}, total_rows=3),
    "20_title_rows": Case(("20_title_rows.csv",), 0,
                          counted={5: GOOD[2], 6: GOOD[3], 7: GOOD[4]}),
    "21_dup_header_same": Case(("21_dup_header_same.csv",), 0, counted={2: GOOD[2], 3: up("Dan Kim", 3)}),
    "22_dup_header_diff": Case(("22_dup_header_diff.csv",), 1,
                               ("22_dup_header_diff.csv:1: [Amount] error: header appears twice",)),
    "23_dup_header_disambiguated": Case(("23_dup_header_disambiguated.csv",), 0,
                                        counted={2: GOOD[2], 3: up("Dan Kim", 3)},
                                        rules='[columns.opportunities]\namount = ["Amount#2", "Amount"]\n',
                                        ledger={3: {"amount": 9000}}),
    "24_ragged_more": Case(("24_ragged_more.csv",), 1,
                           ("24_ragged_more.csv:3: error: row has 9 cells but the header has 8…set aside",),
                           counted={2: GOOD[2], 4: GOOD[4]}),
    # The header and most rows end with a delimiter: that is the file's dialect. The one row with
    # a second blank cell past the header is ragged all the same.
    "25_trailing_delimiter": Case(("25_trailing_delimiter.csv",), 1,
                                  ("25_trailing_delimiter.csv:3: error: row has 10 cells but the header has 9…set aside",),
                                  counted={2: GOOD[2], 4: GOOD[4]}),
    "26_ragged_fewer": Case(("26_ragged_fewer.csv",), 1,
                            ("26_ragged_fewer.csv:3: error: row has 7 cells but the header has 8…set aside",),
                            counted={2: GOOD[2], 4: GOOD[4]}),
    "27_currency_strings": Case(("27_currency_strings.csv",), 0,
                                counted={n: up("Dan Kim", 1) for n in (2, 3, 4, 5)},
                                not_counted={6: "amount 4,999.99 is not over 5,000"},
                                ledger={n: {"amount": 12500} for n in (2, 3, 4, 5)}),
    "28_paren_negative": Case(("28_paren_negative.csv",), 0, counted={4: up("Dan Kim", 1)},
                              not_counted={2: "amount -1,200.00 is not over", 3: "amount -12,000.00 is not over"},
                              ledger={2: {"amount": -1200}, 3: {"amount": -12000}}),
    "29_nan_inf": Case(("29_nan_inf.csv",), 1,
                       ("29_nan_inf.csv:2: [Amount] error: 'NaN' is not an amount",
                        "29_nan_inf.csv:3: [Amount] error: 'inf' is not an amount",
                        "29_nan_inf.csv:4: [Amount] error: '-Infinity' is not an amount"),
                       counted={5: up("Dan Kim", 1)},
                       not_counted={2: "is not an amount", 3: "is not an amount", 4: "is not an amount"},
                       ledger={2: {"amount": None}, 4: {"amount": None}}),
    "66_foreign_digit_amounts": Case(("66_foreign_digit_amounts.csv",), 1,
                                     ("66_foreign_digit_amounts.csv:2: [Amount] error: '١٢٥٠٠' is not an amount",
                                      "66_foreign_digit_amounts.csv:3: [Amount] error: '１２５００' is not an amount"),
                                     counted={4: up("Dan Kim", 1)},
                                     not_counted={2: "is not an amount", 3: "is not an amount"}),
    "30_scientific": Case(("30_scientific.csv",), 0, counted={2: up("Dan Kim", 1)},
                          not_counted={3: "amount 4,900.00 is not over"}, ledger={2: {"amount": 120000}}),
    "31_currency_no_rate": Case(("31_currency_no_rate.csv",), 0, counted={4: up("Dan Kim", 1)},
                                not_counted={2: "EUR", 3: "EUR"}),
    "32_currency_with_rate": Case(("32_currency_with_rate.csv",), 0, counted={2: up("Dan Kim", 1)},
                                  not_counted={3: "amount 4,400.00 is not over", 4: "JPY"},
                                  rules="[input]\nrates = { EUR = 1.1 }\n"),
    "33_currency_column": Case(("33_currency_column.csv",), 0, counted={2: up("Dan Kim", 1), 4: up("Dan Kim", 1)},
                               not_counted={3: "CHF"}, rules="[input]\nrates = { GBP = 1.25 }\n"),
    "34_day_first_true": Case(("34_day_first_true.csv",), 0, counted=GOOD, rules=DAY_FIRST,
                              ledger={2: {"date": "2026-04-15"}, 3: {"date": "2026-04-17"}, 4: {"date": "2026-04-03"}}),
    "35_day_first_unconfigured": Case(
        ("35_day_first_unconfigured.csv",), 0,
        ("35_day_first_unconfigured.csv:2: [Created Date] warning: 2 dates like '15/04/2026' only read with "
         "[input] day_first = true",),
        counted={4: up("Dan Kim", 3)}, not_counted={2: "created", 3: "created"}, ledger={4: {"date": "2026-04-05"}}),
    "36_serial_dates_xlsx": Case(("36_serial_dates.xlsx",), 0, counted={2: GOOD[2], 3: GOOD[3]},
                                 not_counted={4: "created 2026-03-31, before the contest"}),
    "37_impossible_dates": Case(("37_impossible_dates.csv",), 1,
                                ("37_impossible_dates.csv:2: [Created Date] error: '2026-02-30' is not a date",
                                 "37_impossible_dates.csv:3: [Created Date] error: '4/31/2026' is not a date"),
                                counted={4: GOOD[4]},
                                not_counted={2: "is not a date", 3: "is not a date"}),
    # A cell the rules read that holds an Excel error has no value to read: its row is set aside.
    "38_xlsx_error_cells": Case(("38_error_cells.xlsx",), 1,
                                ("38_error_cells.xlsx:2: [Amount] error: the cell holds the Excel error #N/A; "
                                 "row set aside",
                                 "38_error_cells.xlsx:3: [Created Date] error: the cell holds the Excel error #REF!; "
                                 "row set aside"),
                                counted={4: GOOD[4]}),
    "39_formula_without_cache": Case(("39_formula_no_cache.xlsx",), 1,
                                     ("39_formula_no_cache.xlsx:3: error: formula cell H3 has no saved value and "
                                      "read as blank — open and save the workbook in Excel",
                                      "39_formula_no_cache.xlsx:4: error: formula cell G4 has no saved value"),
                                     counted={2: GOOD[2]}, not_counted={3: "no created date", 4: "no amount"}),
    "40_merged_cells": Case(("40_merged_cells.xlsx",), 0, counted={4: GOOD[2], 5: GOOD[3], 6: GOOD[4]}),
    "41_second_sheet": Case(("41_second_sheet.xlsx",), 0, counted=GOOD),
    "42_empty_workbook": Case(("42_empty_workbook.xlsx",), 0,
                              ("42_empty_workbook.xlsx: warning: workbook has no data",)),
    "43_truncated_xlsx": Case(("43_truncated.xlsx",), 1,
                              ("43_truncated.xlsx: error: not a valid XLSX workbook…file skipped",)),
    "44_decompression_bomb": Case(("44_bomb.xlsx",), 1, ("44_bomb.xlsx: error: refused…file skipped",)),
    "45_semicolon_decimal_comma": Case(("45_semicolon_decimal_comma.csv",), 0,
                                       counted={2: nb("Ava Patel", 2), 3: up("Dan Kim", 3)},
                                       not_counted={4: "amount 4,999.99 is not over"},
                                       rules=DAY_FIRST + 'decimal = ","\n', stdout=("semicolon",),
                                       ledger={2: {"amount": 13884}, 3: {"amount": 5000.5, "date": "2026-04-17"},
                                               4: {"date": "2026-04-16"}}),
    "46_embedded_newlines": Case(("46_embedded_newlines.csv",), 1,
                                 ("46_embedded_newlines.csv:6: [Created Date] error: '4/77/2026' is not a date",),
                                 counted={2: GOOD[2], 5: GOOD[3], 9: up("Dan Kim", 1)},
                                 not_counted={6: "is not a date"}),
    "47_crlf": Case(("47_crlf.csv",), 1, ("47_crlf.csv:3: [Created Date] error: '4/32/2026' is not a date",),
                    counted={2: GOOD[2], 4: GOOD[4]}, not_counted={3: "is not a date"}),
    "48_all_quoted": Case(("48_all_quoted.csv",), 0, counted=GOOD),
    "49_none_quoted": Case(("49_none_quoted.csv",), 0, counted=GOOD),
    "50_header_spaces": Case(("50_header_spaces.csv",), 0, counted=GOOD,
                             ledger={2: {"stage_or_type": "Demo"}, 3: {"rep": "Cara Diaz"}}),
    "51_markup_and_escapes": Case(("51_markup_escapes.csv",), 0, counted={2: GOOD[2]},
                                  not_counted={n: "is not on the roster" for n in range(3, 9)},
                                  ledger={3: {"rep": "[bold red]Eve[/bold red]"}}),
    "52_escape_in_file_name": Case(("52_\x1b[31mred\x07.csv",), 0, counted={2: GOOD[2]}),
    # Text after a date that is not a time makes it no date; the escapes are shown, not sent.
    "53_escape_in_date": Case(("53_escape_in_date.csv",), 1,
                              ("53_escape_in_date.csv:2: [Created Date] error: '15/04/2026 \\x1b[2J\\x1b[31mred' "
                               "is not a date",),
                              counted={3: GOOD[3], 4: GOOD[4]}, not_counted={2: "is not a date"}),
    "54_ignored_names": Case(("54_ignored_names",), 0),
    "55_unrecognised": Case(("55_unrecognised.csv",), 0, ("55_unrecognised.csv: warning: unrecognised export",)),
    "56_two_digit_years": Case(("56_two_digit_years.csv",), 0, counted={2: GOOD[2], 3: GOOD[3]},
                               not_counted={4: "created 2026-03-31, before the contest"}),
    "57_dates_with_times": Case(("57_dates_with_times.csv",), 0, counted=GOOD, ledger={4: {"date": "2026-04-30"}}),
    "58_serial_dates_csv": Case(("58_serial_in_csv.csv",), 0, counted={2: GOOD[2], 3: GOOD[3]},
                                not_counted={4: "created 2026-03-31, before the contest"}),
    "59_blank_lines_inside": Case(("59_blank_lines_inside.csv",), 1,
                                  ("59_blank_lines_inside.csv:7: [Created Date] error: '4/99/2026' is not a date",),
                                  counted={2: GOOD[2], 5: GOOD[3]}, not_counted={7: "is not a date"}),
    "60_activity_bad_date": Case(("60_activity_bad_date.csv",), 1,
                                 ("60_activity_bad_date.csv:3: [Date] error: '4/31/2026' is not a date",),
                                 counted={2: act("Ben Ortiz"), 4: act("Cara Diaz", call=True)},
                                 not_counted={3: "is not a date"}),
    "62_formatted_report_xlsx": Case(("62_formatted_report.xlsx",), 0,
                                     counted={5: GOOD[2], 6: GOOD[3], 7: GOOD[4]}),
    "63_declared_bomb": Case(("63_declared_bomb.xlsx",), 1, ("63_declared_bomb.xlsx: error: refused…file skipped",)),
    "64_mtime_decides_newest": Case(("64_mtime_order",), 0, counted={("c_new.csv", 2): nb("Ava Patel", 2)},
                                    not_counted={("d_old.csv", 2): "replaced by the newer row c_new.csv:2"},
                                    mtimes={"c_new.csv": "2026-05-01", "d_old.csv": "2026-04-01"}),
}


def _load_make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    return _load_make_corpus().build(tmp_path_factory.mktemp("generated_corpus"))


def corpus_path(name: str, generated: Path) -> Path:
    built = generated / name
    return built if built.exists() else CORPUS / name


def set_up(case: Case, tmp_path: Path, generated: Path) -> tuple[Path, Path, list[str]]:
    data = tmp_path / "data"
    shutil.copytree(CLEAN, data)
    names = []
    for name in case.files:
        source = corpus_path(name, generated)
        if source.is_dir():
            shutil.copytree(source, data, dirs_exist_ok=True)
            names += [p.name for p in source.iterdir() if p.is_file() and p.suffix in (".csv", ".xlsx")
                      and not p.name.startswith((".", "~$"))]
        else:
            shutil.copyfile(source, data / name)
            names.append(shown_name(name))
    for name, day in case.mtimes.items():
        stamp = dt.datetime.fromisoformat(day).timestamp()
        os.utime(data / name, (stamp, stamp))
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES + case.rules, encoding="utf-8")
    return data, rules, names


def run(capsys, *argv: str) -> tuple[int, bytes, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out
    assert "Traceback" not in out + captured.err
    assert code in (0, 1), captured.err
    return code, out, captured.err


def matches(pattern: str, text: str) -> bool:
    at = 0
    for part in pattern.split("…"):
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def assert_safe_text(text: str, where: str) -> None:
    assert "\x1b" not in text, f"raw ESC in {where}: {text[max(0, text.find(chr(27)) - 60):][:160]!r}"
    assert "\x07" not in text, f"raw BEL in {where}"
    assert "\x9b" not in text, f"raw CSI in {where}"


def assert_csv_neutralised(text: str) -> None:
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell.startswith(DANGEROUS_START):
                try:
                    float(cell)
                except ValueError:
                    pytest.fail(f"CSV cell a spreadsheet would run: {cell!r}")


def key(case: Case, names: list[str], where) -> tuple[str, int]:
    return where if isinstance(where, tuple) else (names[0], where)


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_case(name, tmp_path, capsys, generated):
    case = CASES[name]
    data, rules_path, names = set_up(case, tmp_path, generated)
    common = ["--rules", str(rules_path), "--as-of", AS_OF]

    # The live board's loading path never raises.
    rules = load_rules(rules_path)
    files = FolderReader(keep_last_good=True).read(data, rules)
    snapshot = score(rules, files, dt.date.fromisoformat(AS_OF))

    # Problems: each expected one found; no unexpected error or warning on the case's files.
    problems = [p for p in snapshot.problems if p.file in names]
    texts = [str(p) for p in problems]
    for pattern in case.problems:
        assert any(matches(pattern, t) for t in texts), f"missing problem {pattern!r}; got {texts}"
    unexpected = [str(p) for p in problems if p.severity != INFO
                  and not any(matches(pattern, str(p)) for pattern in case.problems)]
    assert not unexpected, f"unexpected problems: {unexpected}"
    assert not [p for p in snapshot.problems if p.file not in names], "the clean files gained problems"
    if case.total_rows is not None:
        assert sum(f.total_rows for f in files if f.name in names) == case.total_rows

    # check: exit code, every non-info problem (with its line) in the report, nothing dangerous.
    code, out, err = run(capsys, "check", str(data), *common)
    assert code == case.rc, out + err
    for problem in problems:
        assert str(problem) in out
    for expected in case.stdout:
        assert expected in out
    assert_safe_text(out + err, "check output")
    assert len(out) < 100_000

    # export --view ledger: JSON rows and CSV cells.
    code, out, err = run(capsys, "export", str(data), "--view", "ledger", "--format", "json", *common)
    assert code == case.rc
    for problem in problems:
        if problem.severity == "error":
            assert str(problem) in err
    assert_safe_text(err, "export stderr")
    ledger = json.loads(out)

    by_place = {(row["file"], row["line"]): row for row in ledger}
    assert len(by_place) == len(ledger), "two ledger rows claim the same file and line"

    # The clean rows are exactly the hand-computed ones.
    clean = {place: (r["kind"], r["record_id"], r["rep"], r["counted"], r["points"])
             for place, r in by_place.items() if place[0] in ("accounts.csv", "opportunities.csv", "activities.csv")}
    assert clean == CLEAN_LEDGER

    # The fault files' rows: exactly the expected ones, counted or not and why.
    counted = {key(case, names, w): v for w, v in case.counted.items()}
    not_counted = {key(case, names, w): v for w, v in case.not_counted.items()}
    fault_rows = {place: row for place, row in by_place.items() if place not in CLEAN_LEDGER}
    assert set(fault_rows) == set(counted) | set(not_counted), (
        f"ledger rows {sorted(fault_rows)} != expected {sorted(set(counted) | set(not_counted))}")
    for place, (kind, rep, value) in counted.items():
        row = fault_rows[place]
        assert row["counted"] is True, f"{place} not counted: {row['reason']}"
        assert (row["kind"], row["rep"]) == (kind, rep), place
        if kind == "activity":
            assert row["is_call"] is value
        else:
            assert row["points"] == value, place
    for place, reason in not_counted.items():
        row = fault_rows[place]
        assert row["counted"] is False and row["points"] == 0, place
        assert reason in row["reason"], f"{place}: {row['reason']!r}"
    for line, columns in case.ledger.items():
        row = fault_rows[key(case, names, line)]
        for column, value in columns.items():
            assert row[column] == value, f"line {line} {column}: {row[column]!r} != {value!r}"

    # The boards are the clean ones plus exactly what the fault files counted.
    assert_boards(snapshot, counted)
    cli_rows = {(r["file"], r["line"], r["counted"], r["points"]) for r in ledger}
    api = snapshot.view("ledger")
    assert cli_rows == set(zip(api["file"], api["line"].astype(int), api["counted"].astype(bool),
                               api["points"]))


def assert_boards(snapshot, counted: dict) -> None:
    points = {rep: list(p) for rep, p in CLEAN_POINTS.items()}
    activity = {rep: list(a) for rep, a in CLEAN_ACTIVITY.items()}
    for kind, rep, value in counted.values():
        if kind == "new_business":
            points[rep][0] += value
        elif kind == "upsell":
            points[rep][1] += value
        else:
            activity[rep][0] += 1
            activity[rep][1] += int(value)
    reps = snapshot.view("reps").set_index("rep")
    assert set(reps.index) == set(points)
    for rep, (new_business, upsell) in points.items():
        assert (reps.at[rep, "new_business_points"], reps.at[rep, "upsell_points"],
                reps.at[rep, "total_points"]) == (new_business, upsell, new_business + upsell), rep
    board = snapshot.view("activity").set_index("rep")
    for rep, (activities, calls) in activity.items():
        assert (board.at[rep, "activities"], board.at[rep, "calls"]) == (activities, calls), rep
        assert bool(board.at[rep, "qualified"]) == (activities >= 2 and calls >= 1), rep
    teams = snapshot.view("teams").set_index("team")
    for team, members in TEAMS.items():
        assert teams.at[team, "total_points"] == sum(sum(points[m]) for m in members)
        assert bool(teams.at[team, "eligible"]) == all(
            activity[m][0] >= 2 and activity[m][1] >= 1 for m in members)


def test_corpus_has_every_fault_family():
    assert len(CASES) >= 45
    committed = {p.name for p in CORPUS.iterdir() if p.name[:2].isdigit()}
    generated = set(_load_make_corpus().text_cases()) | set(_load_make_corpus().binary_cases()) | {"44_bomb.xlsx"}
    used = {name for case in CASES.values() for name in case.files}
    assert used == committed | generated, "a corpus file without a case, or a case without its file"


def test_hostile_names_stay_text_in_every_format(tmp_path, capsys, generated):
    """Rich markup, escape sequences, HTML and formulas in names: literal in md, string cells in xlsx."""
    data, rules_path, _ = set_up(CASES["51_markup_and_escapes"], tmp_path, generated)
    common = ["--rules", str(rules_path), "--as-of", AS_OF]
    code, out, err = run(capsys, "export", str(data), "--view", "ledger", "--format", "md", *common)
    assert code == 0
    assert_safe_text(out, "Markdown export")
    assert "<b>" not in out and "&lt;b&gt;Acme&lt;/b&gt; \\| &amp;amp;" in out
    assert "[bold red]Eve[/bold red]" in out
    for line in out.splitlines()[2:]:
        assert line.count(" | ") == line.replace("\\|", "").count(" | ")
    workbook_path = tmp_path / "ledger.xlsx"
    code, _, _ = run(capsys, "export", str(data), "--view", "ledger", "--format", "xlsx",
                     "-o", str(workbook_path), *common)
    assert code == 0
    sheet = openpyxl.load_workbook(workbook_path).active
    texts = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any(cell.value.startswith("=") for cell in texts), "the formula-like names should be in the sheet"
    for cell in texts:
        assert cell.data_type == "s", f"{cell.coordinate} {cell.value!r} is not a string cell"
        assert "\x1b" not in cell.value and "\x07" not in cell.value
    code, out, err = run(capsys, "check", str(data), *common)
    assert_safe_text(out + err, "check output")


def test_every_fault_at_once(tmp_path, capsys, generated):
    """All corpus files in one folder: no traceback, exit 1, the clean rows still exactly right."""
    data = tmp_path / "data"
    shutil.copytree(CLEAN, data)
    for case in CASES.values():
        for name in case.files:
            source = corpus_path(name, generated)
            if source.is_dir():
                shutil.copytree(source, data, dirs_exist_ok=True)
            else:
                shutil.copyfile(source, data / name)
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    common = ["--rules", str(rules), "--as-of", AS_OF]
    code, out, err = run(capsys, "check", str(data), *common)
    assert code == 1
    assert_safe_text(out + err, "check output")
    first = run(capsys, "export", str(data), "--view", "ledger", "--format", "json", *common)
    ledger = json.loads(first[1])
    clean = {(r["file"], r["line"]): (r["kind"], r["record_id"], r["rep"], r["counted"], r["points"])
             for r in ledger if r["file"] in ("opportunities.csv", "activities.csv")}
    assert clean == CLEAN_LEDGER
    # The same folder, rules and --as-of give byte-identical exports, safe to paste anywhere.
    for fmt in ("json", "csv", "md"):
        one = run(capsys, "export", str(data), "--view", "ledger", "--format", fmt, *common)[1]
        two = run(capsys, "export", str(data), "--view", "ledger", "--format", fmt, *common)[1]
        assert one == two
        assert_safe_text(one, f"{fmt} export")
        if fmt == "csv":
            assert_csv_neutralised(one)
            assert len(list(csv.DictReader(io.StringIO(one)))) == len(ledger)


@pytest.mark.parametrize("name", ["44_bomb.xlsx", "63_declared_bomb.xlsx"])
def test_bomb_is_refused_fast_and_small(name, generated, tmp_path):
    rules_path = tmp_path / "rules.toml"
    rules_path.write_text(RULES, encoding="utf-8")
    rules = load_rules(rules_path)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = read_export(generated / name, rules)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MiB while refusing a bomb"
    assert result.frame is None and any("refused" in p.message and p.severity == "error" for p in result.problems)


def test_a_broken_file_keeps_its_last_good_version_on_the_live_board(tmp_path, generated):
    """The live reader: a good file turned into each broken corpus file never raises, never blanks it."""
    rules_path = tmp_path / "rules.toml"
    rules_path.write_text(RULES, encoding="utf-8")
    rules = load_rules(rules_path)
    data = tmp_path / "data"
    shutil.copytree(CLEAN, data)
    reader = FolderReader(keep_last_good=True)
    broken = ["06_binary_garbage.csv", "09_cut_mid_quote.csv", "43_truncated.xlsx", "44_bomb.xlsx",
              "04_invalid_utf8_byte.csv"]
    target = data / "opportunities.csv"
    for number, name in enumerate(broken, start=1):
        shutil.copyfile(CLEAN / "opportunities.csv", target)
        os.utime(target, (1_700_000_000 + 10 * number,) * 2)
        before = score(rules, reader.read(data, rules), dt.date(2026, 4, 30)).view("reps")
        shutil.copyfile(corpus_path(name, generated), target)
        os.utime(target, (1_700_000_005 + 10 * number,) * 2)
        snapshot = score(rules, reader.read(data, rules), dt.date(2026, 4, 30))
        assert snapshot.has_errors
        assert snapshot.view("reps").equals(before), name
