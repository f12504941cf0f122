"""Rescore latency as the live board sees it: warm caches, then one new export dropped in.

    python bench/rescore.py /tmp/spiff-1m [--runs 5]

Copies the folder to a temporary one, scores it cold with the app's FolderReader and
ScoringMemo, then (a) adds a new opportunities export and (b) adds a new 100k-row activities
export, then instead (c) a new 100k-row activities export whose ids are new, and (d) one whose name
sorts before the others', and times each rescore (read changed files + score + the boards) until
the boards are scored and until every row behind them is: as on the live board, the boards come
first, alone, where that is sooner (the activities joined anew), else both at once. Export
(b) repeats cached rows, so every one of its rows is marked a duplicate: the slower case. The names
of (b) and (c) sort after the others', as dated exports' names do, so only their rows are checked
against the ones before; (d) is put before them: its boards come from the last join's marks, and
its rows from joining every activities export again. Prints medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from spiff_tui.core.folder import FolderReader, list_exports
from spiff_tui.core.ledger import ScoringMemo
from spiff_tui.core.rules import load_rules
from spiff_tui.core.snapshot import score

AS_OF = dt.date(2026, 4, 30)


def timed(folder: Path, rules, reader: FolderReader, memo: ScoringMemo) -> tuple[float, float]:
    """(seconds until the boards are scored, until every row behind them is), as the live board
    rescores: the boards alone are handed over first where that brings them sooner."""
    start = time.perf_counter()
    boards_at = []
    snapshot = score(rules, reader.read(folder, rules), AS_OF, memo,
                     boards_first=lambda boards: boards_at.append(time.perf_counter() - start))
    snapshot.view("teams")
    took = time.perf_counter() - start
    memo.finish_later()   # as the live board does once the result is out: for the next rescore
    return (boards_at[0] if boards_at else took), took


def small_copy(source: Path, target: Path, rows: int, new_ids: bool = False) -> None:
    """The header, the first `rows` data rows and the footer of an export, under a new name; with
    new_ids, the generator's activity ids get another prefix, so none repeats a cached row."""
    lines = source.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    if new_ids:
        lines = lines[:1] + [line.replace("00TDn", "00UDn", 1) for line in lines[1:rows + 1]] + lines[rows + 1:]
    # A Salesforce footer starts after the last blank line; an export without one has none.
    footer_start = next((i for i in range(len(lines) - 1, 0, -1) if not lines[i].strip()), len(lines))
    target.write_text("".join(lines[:rows + 1] + lines[footer_start:]), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rules = load_rules(args.folder / "rules.toml")
    exports = list_exports(args.folder)
    opportunities = next(p for p in exports if p.name.startswith("opportunities"))
    activities = next(p for p in exports if p.name.startswith("activities"))
    results: dict[str, list[tuple[float, float]]] = {"cold": [], "new opportunities export": [],
                                       "new 100k activities export": [],
                                       "new 100k activities, new ids": [],
                                       "new 100k activities, sorting first": [], "nothing changed": []}
    with tempfile.TemporaryDirectory() as temporary:
        for run in range(args.runs):
            folder = Path(temporary) / f"run{run}"
            shutil.copytree(args.folder, folder)
            reader, memo = FolderReader(keep_last_good=True), ScoringMemo()
            results["cold"].append(timed(folder, rules, reader, memo))
            results["nothing changed"].append(timed(folder, rules, reader, memo))
            small_copy(opportunities, folder / "opportunities_new.csv", 2_000)
            results["new opportunities export"].append(timed(folder, rules, reader, memo))
            small_copy(activities, folder / "activities_new.csv", 100_000)
            results["new 100k activities export"].append(timed(folder, rules, reader, memo))
            (folder / "activities_new.csv").unlink()
            timed(folder, rules, reader, memo)
            small_copy(activities, folder / "activities_fresh.csv", 100_000, new_ids=True)
            results["new 100k activities, new ids"].append(timed(folder, rules, reader, memo))
            (folder / "activities_fresh.csv").unlink()
            timed(folder, rules, reader, memo)
            small_copy(activities, folder / "0_activities_first.csv", 100_000, new_ids=True)
            results["new 100k activities, sorting first"].append(timed(folder, rules, reader, memo))
            shutil.rmtree(folder)
    print(f"folder {args.folder}: {sum(p.stat().st_size for p in exports) / 2**20:.0f} MiB in {len(exports)} exports;"
          f" {args.runs} runs; the boards scored / every row behind them, ms")
    for name, times in results.items():
        boards, rows = [t[0] for t in times], [t[1] for t in times]
        print(f"  {name:36s} median {statistics.median(boards) * 1000:6.0f} / {statistics.median(rows) * 1000:6.0f}"
              f"   min {min(boards) * 1000:6.0f} / {min(rows) * 1000:6.0f}")


if __name__ == "__main__":
    main()
