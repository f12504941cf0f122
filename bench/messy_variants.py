"""Copies of a contest folder, each with one way real exports are not tidy, to check that none of
them sends a million rows down a slower path.

    python bench/messy_variants.py /tmp/spiff-1m --out /tmp/spiff-1m-messy

writes one folder per variant under --out (each a full copy of the source folder with one change):

  ragged       a row of three cells in the middle of the first activities export
  blank        that, and two blank lines and a row of empty cells in the middle of the second
  cp1252       the first activities export saved in cp1252, with accented subjects
  hubspot_ids  Activity IDs as numbers of varying width
  no_ids       every 50th activity without an Activity ID
  wide         twenty more columns, which no rule reads, in the first activities export
  date_times   a time of day on every activity's date

Time each against the source folder, interleaved, e.g. with
`python bench/compare.py FOLDER --runs 2` or `/usr/bin/time spiff-tui export FOLDER --view teams`.
The source must be a folder from bench/make_folder.py (two or more activities exports).
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import re
import shutil
import sys
from pathlib import Path

EXTRA_COLUMNS = [f"Custom Field {i}" for i in range(20)]
EXTRA_VALUES = ["some value", "", "12.5", "2026-04-01", "Yes"] * 4
# Lines that start a record: every activities export of make_folder.py starts one with its id.
RECORD_START = re.compile(rb'^"?00T')


def _activities(folder: Path) -> list[Path]:
    return sorted(folder.glob("activities_*.csv"))


def _insert_at_middle_record(path: Path, lines_to_insert: list[bytes]) -> None:
    """Insert raw lines before the first record start at or after the middle of the file."""
    data = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in data[:4096] else b"\n"
    lines = data.split(newline)
    at = next(i for i in range(len(lines) // 2, len(lines)) if RECORD_START.match(lines[i]))
    path.write_bytes(newline.join(lines[:at] + lines_to_insert + lines[at:]))


def _rewrite_text(path: Path, change, encoding: str | None = None) -> None:
    """Apply `change` to the file's text; keep a byte-order mark if it had one (and the encoding allows)."""
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = change(raw.decode("utf-8-sig"))
    if encoding:
        path.write_bytes(text.encode(encoding, errors="replace"))
    else:
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def ragged(folder: Path) -> None:
    _insert_at_middle_record(_activities(folder)[0], [b'"00TBROKEN","Ava Patel","Call"'])


def blank(folder: Path) -> None:
    ragged(folder)
    _insert_at_middle_record(_activities(folder)[1], [b"", b"", b",,,,,,"])


def cp1252(folder: Path) -> None:
    _rewrite_text(_activities(folder)[0], lambda text: text.replace("Sent deck", "Sent déck"), encoding="cp1252")


def hubspot_ids(folder: Path) -> None:
    for path in _activities(folder):
        _rewrite_text(path, lambda text: re.sub(r"\b00TDn0*(\d+)MAA\b", lambda m: str(int(m[1]) * 7 + 1), text))


def no_ids(folder: Path) -> None:
    def blank_every_50th(text: str) -> str:
        seen = itertools.count(1)
        return re.sub(r'(?m)^("?)00TDn\d+MAA("?)', lambda m: m[1] + m[2] if next(seen) % 50 == 0 else m[0], text)

    for path in _activities(folder):
        _rewrite_text(path, blank_every_50th)


def wide(folder: Path) -> None:
    path = _activities(folder)[0]
    raw = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    width = len(rows[0])
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for i, row in enumerate(rows):
        writer.writerow(row + EXTRA_COLUMNS if i == 0 else row + EXTRA_VALUES if len(row) == width else row)
    path.write_bytes(out.getvalue().encode("utf-8"))


def date_times(folder: Path) -> None:
    clock = itertools.count()

    def timed(match: re.Match) -> str:
        year, month, day = (match["y"], match["m"], match["d"]) if match["y"] else (match["iy"], match["im"], match["id"])
        n = next(clock)
        # A second apart row after row, so nearly every value is distinct, as logged times are.
        stamp = f"{year}-{int(month):02d}-{int(day):02d} {7 + n // 3600 % 11:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
        return f"{match['lead']}{match['q']}{stamp}{match['q']}"

    # The Date cell, the fourth of a record's first line, written M/D/YYYY or YYYY-MM-DD.
    cell = r'(?:"[^"\n]*"|[^,\n]*),'
    date_cell = re.compile(rf'(?m)^(?P<lead>{cell}{cell}{cell})(?P<q>"?)'
                           r'(?:(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2}))(?P=q)')
    for path in _activities(folder):
        _rewrite_text(path, lambda text: date_cell.sub(timed, text))


VARIANTS = {"ragged": ragged, "blank": blank, "cp1252": cp1252, "hubspot_ids": hubspot_ids, "no_ids": no_ids,
            "wide": wide, "date_times": date_times}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder from bench/make_folder.py")
    parser.add_argument("--out", type=Path, required=True, help="where the variant folders go")
    parser.add_argument("--only", nargs="*", choices=list(VARIANTS), help="just these variants")
    args = parser.parse_args(argv)
    if len(_activities(args.folder)) < 2:
        print(f"{args.folder}: needs two or more activities_*.csv (make it with bench/make_folder.py)", file=sys.stderr)
        return 2
    for name in args.only or VARIANTS:
        target = args.out / name
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(args.folder, target)
        VARIANTS[name](target)
        print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
