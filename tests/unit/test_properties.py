"""Properties of the reader: damaged bytes never raise, and every supported dialect reads back the same rows."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from spiff_tui.core.problems import Problem
from spiff_tui.core.reader import FileResult, read_export
from spiff_tui.core.rules import load_rules

CORPUS = Path(__file__).parents[1] / "corpus"
RULES = """\
[contest]
name = "Property Cup"
start = 2026-04-01
end = 2026-04-30

[[teams]]
name = "Falcons"
members = ["Ava Patel", "Ben Ortiz"]

[new_business]
types = ["New Business"]
credit = "owner"
stage_points = { "Demo" = 2 }

[upsell]
types = ["Upsell"]
credit = "account_executive"
min_amount = 5000
stage_points = { "Demo" = 1 }
"""
HEADER = ["Opportunity ID", "Opportunity Name", "Opportunity Owner", "Account Executive", "Type", "Stage",
          "Amount", "Created Date"]
TEXT_FIELDS = {"name": 1, "owner": 2, "account_executive": 3, "type": 4, "stage": 5}
SETTINGS = settings(max_examples=50, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return load_rules(path)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("property_files")


def _workbook_export() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Opportunities by Stage"])
    sheet.append(HEADER)
    sheet.append(["O1", "Acme rollout", "Ava Patel", "", "New Business", "Demo", 1000.0, dt.datetime(2026, 4, 15)])
    sheet.append(["O2", "Birch", "Sam Csm", "Ben Ortiz", "Upsell", "Demo", "$9,000.00", "4/16/2026"])
    raw = io.BytesIO()
    workbook.save(raw)
    return raw.getvalue()


SEEDS = {
    "footer.csv": (CORPUS / "15_salesforce_footer.csv").read_bytes(),
    "newlines.csv": (CORPUS / "46_embedded_newlines.csv").read_bytes(),
    "semicolon.csv": (CORPUS / "45_semicolon_decimal_comma.csv").read_bytes(),
    "utf16.csv": codecs.BOM_UTF16_LE + (CORPUS / "48_all_quoted.csv").read_text(encoding="utf-8")
    .replace(",", "\t").replace("Acme", "Açme").encode("utf-16-le"),
    "report.xlsx": _workbook_export(),
}


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "splice"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from([b"\x00", b'"', b"\n", b"\r", b",", b";", b"\t", b"\xff",
                                                b"\xc3", b"\xef\xbb\xbf", b"\x1b[2J", b"PK\x03\x04"]))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
    return name, bytes(data)


@SETTINGS
@given(mutated())
def test_damaged_bytes_never_raise_out_of_the_reader(rules, scratch, case):
    name, data = case
    path = scratch / name
    path.write_bytes(data)
    result = read_export(path, rules)
    assert isinstance(result, FileResult)
    assert all(isinstance(p, Problem) and p.severity in ("error", "warning", "info") for p in result.problems)
    if result.frame is not None:
        assert result.rows_used <= result.rows_read
        assert result.frame["line"].is_monotonic_increasing
        assert (result.frame["line"] >= 1).all()
    for problem in result.problems:
        assert "\x1b" not in str(problem)


# Realistic cell text: names with accents, punctuation, an occasional quote, delimiter or line break.
CELL_TEXT = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .'&-/()éüñØ")
                             + ['"', ",", ";", "\t", "\n"]),
    max_size=16,
)


@st.composite
def opportunity(draw, number: int) -> dict:
    return {
        "id": f"O{number}",
        "name": draw(CELL_TEXT),
        "owner": draw(CELL_TEXT),
        "account_executive": draw(CELL_TEXT),
        "type": draw(st.sampled_from(["New Business", "Upsell", "Renewal", ""])),
        "stage": draw(CELL_TEXT),
        "amount": draw(st.integers(0, 10**9)) / 100,
        "created": draw(st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31))),
    }


@st.composite
def table(draw) -> list[dict]:
    count = draw(st.integers(1, 8))
    return [draw(opportunity(number)) for number in range(1, count + 1)]


DIALECT = st.fixed_dictionaries({
    "delimiter": st.sampled_from([",", ";", "\t"]),
    "quoting": st.sampled_from([csv.QUOTE_ALL, csv.QUOTE_MINIMAL]),
    "newline": st.sampled_from(["\r\n", "\n"]),
    "encoding": st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    "amount": st.sampled_from(["plain", "grouped", "dollar", "code"]),
    "date": st.sampled_from(["iso", "us", "us-time"]),
})


def _amount_text(value: float, style: str) -> str:
    if style == "plain":
        return f"{value:.2f}"
    if style == "grouped":
        return f"{value:,.2f}"
    if style == "dollar":
        return f"${value:,.2f}"
    return f"USD {value:,.2f}"


def _date_text(day: dt.date, style: str) -> str:
    if style == "iso":
        return day.isoformat()
    if style == "us":
        return f"{day.month}/{day.day}/{day.year}"
    return f"{day.month}/{day.day}/{day.year} 9:05 AM"


def write_table(rows: list[dict], dialect: dict) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=dialect["delimiter"], quoting=dialect["quoting"],
                        lineterminator=dialect["newline"])
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row["id"], row["name"], row["owner"], row["account_executive"], row["type"], row["stage"],
                         _amount_text(row["amount"], dialect["amount"]), _date_text(row["created"], dialect["date"])])
    return out.getvalue().encode(dialect["encoding"])


@SETTINGS
@given(table(), DIALECT)
def test_every_dialect_reads_back_the_same_rows(rules, scratch, rows, dialect):
    try:
        data = write_table(rows, dialect)
    except UnicodeEncodeError:
        assume(False)
    path = scratch / "opportunities.csv"
    path.write_bytes(data)
    result = read_export(path, rules)
    errors = [str(p) for p in result.problems if p.severity == "error"]
    assert not errors, errors
    assert result.kind == "opportunities"
    frame = result.frame
    assert len(frame) == len(rows)
    assert frame["id"].tolist() == [r["id"] for r in rows]
    for field in TEXT_FIELDS:
        assert frame[field].tolist() == [r[field] for r in rows], field
    assert all(math.isclose(got, want["amount"], abs_tol=0.005)
               for got, want in zip(frame["amount_value"], rows))
    assert frame["created_day"].tolist() == [pd.Timestamp(r["created"]) for r in rows]
    lines = [1 + 1 + sum(1 + r2["name"].count("\n") + r2["owner"].count("\n") + r2["account_executive"].count("\n")
                         + r2["stage"].count("\n") for r2 in rows[:i]) for i in range(len(rows))]
    assert frame["line"].tolist() == lines
