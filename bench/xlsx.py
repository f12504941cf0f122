"""Reading an XLSX export: calamine where it reads as openpyxl does, against openpyxl alone; and,
with --export, writing the folder's ledger as XLSX against pandas' to_excel.

    python bench/xlsx.py /tmp/spiff-1m [--rows 100000] [--runs 3]
    python bench/xlsx.py /tmp/spiff-100k --export [--runs 3]

Writes the first ROWS rows of the folder's largest activities export to two workbooks in a
temporary folder: one as Excel writes them (strings in the shared table, by xlsxwriter) and one
with each string in its cell (openpyxl's way). Reads each with the reader the app uses, in turns,
then with calamine's reading refused, so openpyxl reads it; checks that both give the same rows;
prints the medians, the ratio, and the longest another thread waited to run meanwhile (the live
board's screen stalls that long). With --export, the folder's ledger is scored once and written as
XLSX by the exporter and by pandas' `to_excel` with openpyxl (what an analyst would write), in turns,
in-process. Not a test: it only prints figures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import statistics
import tempfile
import threading
import time
from pathlib import Path

import spiff_tui.core.xlsx_fast as xlsx_fast
from spiff_tui.core.folder import list_exports
from spiff_tui.core.reader import read_export
from spiff_tui.core.rules import load_rules


def source_rows(folder: Path, count: int) -> list[list[str]]:
    activities = max((p for p in list_exports(folder) if "activit" in p.name.lower() and p.suffix == ".csv"),
                     key=lambda p: p.stat().st_size)
    with activities.open(encoding="utf-8-sig", newline="") as handle:
        rows = []
        for row in csv.reader(handle):
            rows.append(row)
            if len(rows) > count:
                break
    return rows


def write_shared(rows: list[list[str]], path: Path) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet("Activities")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    workbook.close()


def write_inline(rows: list[list[str]], path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Activities")
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def _refused(data):
    raise xlsx_fast.NotFast
    yield


def timed(path: Path, rules, fast: bool):
    """(seconds, result, the longest another thread waited to run meanwhile: what the live board's
    screen would stall for while the export is read)."""
    original = xlsx_fast.worksheets
    xlsx_fast.worksheets = original if fast else _refused
    longest, reading = [0.0], [True]

    def other_thread() -> None:
        last = time.perf_counter()
        while reading[0]:
            time.sleep(0.001)
            now = time.perf_counter()
            longest[0], last = max(longest[0], now - last), now

    ticker = threading.Thread(target=other_thread)
    ticker.start()
    try:
        start = time.perf_counter()
        result = read_export(path, rules)
        return time.perf_counter() - start, result, longest[0]
    finally:
        reading[0] = False
        ticker.join()
        xlsx_fast.worksheets = original


def export_figures(folder: Path, rules, runs: int) -> None:
    import io

    from spiff_tui.core.export import render
    from spiff_tui.core.labels import as_text
    from spiff_tui.core.snapshot import score_folder

    ledger = score_folder(folder, rules, dt.date.today()).view("ledger")
    times: dict[str, list[float]] = {"exporter": [], "pandas": []}
    for _ in range(runs):
        start = time.perf_counter()
        size = len(render(ledger, "xlsx", "ledger"))
        times["exporter"].append(time.perf_counter() - start)
        start = time.perf_counter()
        as_text(ledger).to_excel(io.BytesIO(), engine="openpyxl", index=False, sheet_name="ledger")
        times["pandas"].append(time.perf_counter() - start)
    ours, theirs = statistics.median(times["exporter"]), statistics.median(times["pandas"])
    print(f"ledger as XLSX: {len(ledger):,} rows, {size / 2**20:.1f} MiB; exporter {ours:.2f} s, "
          f"pandas to_excel {theirs:.2f} s, ratio {ours / theirs:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--export", action="store_true", help="time writing the ledger as XLSX instead")
    args = parser.parse_args()
    rules = load_rules(args.folder / "rules.toml")
    if args.export:
        export_figures(args.folder, rules, args.runs)
        return
    rows = source_rows(args.folder, args.rows)
    with tempfile.TemporaryDirectory() as scratch:
        for label, write in (("shared strings", write_shared), ("inline strings", write_inline)):
            path = Path(scratch) / f"activities_{label.split()[0]}.xlsx"
            write(rows, path)
            times: dict[bool, list[float]] = {True: [], False: []}
            pauses: dict[bool, list[float]] = {True: [], False: []}
            frames = {}
            for _ in range(args.runs):
                for fast in (True, False):
                    took, result, pause = timed(path, rules, fast)
                    times[fast].append(took)
                    pauses[fast].append(pause)
                    frames[fast] = result
            same = frames[True].frame.equals(frames[False].frame) and frames[True].problems == frames[False].problems
            fast, slow = statistics.median(times[True]), statistics.median(times[False])
            print(f"{label}: {len(rows) - 1:,} rows, {path.stat().st_size / 2**20:.1f} MiB; "
                  f"read {fast:.2f} s, openpyxl alone {slow:.2f} s, ratio {fast / slow:.2f}; same rows: {same}; "
                  f"longest wait of another thread {statistics.median(pauses[True]) * 1000:.0f} ms "
                  f"(openpyxl alone {statistics.median(pauses[False]) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
