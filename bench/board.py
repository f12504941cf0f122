"""The live board's own timings, headless: first frame, full board, and opening a rep's drilldown.

    python bench/board.py /tmp/spiff-1m [--runs 3] [--size 200x60]

Each run is two fresh processes (so interpreter start and imports count, as they do for a user),
each starting the app on the folder with Textual's headless driver. Times are from the moment the
process is spawned.

The first start has an empty cache folder, so nothing of an earlier run is shown:
  first frame   the app has mounted and drawn its first screen (header, tabs, empty boards);
  full board    the first scores are drawn on the Reps board (the screen update that shows them,
                clocked as the app hands it to the driver: the rescore thread, still busy, would
                delay any wait for the app to be idle);
  rows ready    the scores with every ledger row's columns are drawn: drilldowns open from here
                (the first rescore draws the boards as soon as they are scored, then builds the rows);
then, with the rows ready and the rescore done, the time to open the drilldown of the rep with
the most ledger rows (until its table is mounted with every row) and to scroll it to the end and
back; and the time to open it again as a person does, with the cursor resting on the rep's row
for a second before enter (the board lays out the rows under the cursor meanwhile; the first
open is made cold).

The restart is the same app on the same unchanged folder, with the cache folder the first start
left: its first frame already holds the last run's board (restart board), and the folder's fresh
scores replace it (restart full board).
Prints each run's figures and the medians. Not a test: it only prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


async def _drilldown_drawn(app, pilot):
    """The drilldown screen, once its table is mounted with every row and drawn."""
    screen = None
    while screen is None or screen.table is None:
        await asyncio.sleep(0.005)
        screen = app.screen if type(app.screen).__name__ == "RepLedgerScreen" else None
    await pilot.pause()
    return screen


def _clock_paints(app, figures: dict[str, float]) -> asyncio.Event:
    """Clock the screen updates that first show scores (full board) and scores with every row
    behind them (rows ready). The headless driver sends nothing to a terminal, but the app
    still composes each update and hands it over; a thread scoring meanwhile does not delay
    these clocks as it would a wait for the app to be idle."""
    rows_painted = asyncio.Event()
    hand_over = app._display

    def display(screen, update) -> None:
        snapshot = app.snapshot
        if update is not None and snapshot is not None and app.table("reps-table").row_count:
            figures.setdefault("full_board_at", time.time())
            if snapshot.full_rows and "rows_ready_at" not in figures:
                figures["rows_ready_at"] = time.time()
                rows_painted.set()
        hand_over(screen, update)

    app._display = display
    return rows_painted


async def measure(folder: Path, size: tuple[int, int], restart: bool) -> dict[str, float]:
    """Clock times (time.time) of the first frame and the full board; with restart, whether the first
    frame held the last run's board, and nothing more; else the drilldown's durations too."""
    from spiff_tui.ui.app import SpiffApp

    rules = folder / "rules.toml"
    app = SpiffApp(folder, rules if rules.exists() else Path("rules.toml"))
    figures: dict[str, float] = {}
    painted = _clock_paints(app, figures)
    async with app.run_test(headless=True, size=size) as pilot:
        figures["first_frame_at"] = time.time()
        figures["last_board_shown"] = float(app.card is not None)
        while "full_board_at" not in figures:
            await asyncio.sleep(0.01)
        await painted.wait()
        while app.rescoring:   # what it does once its result is out (the next export's id index)
            await asyncio.sleep(0.01)
        if restart:
            await pilot.press("q")
            return figures
        acts = app.snapshot.ledger_parts[1]
        opps = app.snapshot.ledger_parts[0]
        counts = acts["rep"].value_counts().add(opps["rep"].value_counts(), fill_value=0)
        rep = str(counts.idxmax())
        started = time.perf_counter()
        app._prefetched = None   # cold: not laid out while the board was shown
        app.open_rep(rep)
        screen = await _drilldown_drawn(app, pilot)
        figures["drilldown_s"] = time.perf_counter() - started
        figures["drilldown_rows"] = float(len(screen.rows))
        started = time.perf_counter()
        for key in ("end", "home", "pagedown", "pagedown", "pageup"):
            await pilot.press(key)
        await pilot.pause()
        figures["scroll_5_keys_s"] = time.perf_counter() - started
        # As a person opens it: the cursor rests on the rep's row for a moment, then enter.
        await pilot.press("escape")
        await pilot.pause()
        board = app.table("reps-table")
        row = board.get_row_index(rep)
        board.move_cursor(row=row + 1 if row + 1 < board.row_count else row - 1)
        await asyncio.sleep(0.1)
        board.move_cursor(row=row)
        await asyncio.sleep(1.0)
        started = time.perf_counter()
        await pilot.press("enter")
        screen = await _drilldown_drawn(app, pilot)
        figures["drilldown_after_cursor_s"] = time.perf_counter() - started
        await pilot.press("q")
    return figures


def _spawn(args: argparse.Namespace, cache: str, restart: bool) -> dict[str, float] | None:
    """One fresh process's figures, clock times made relative to its spawn."""
    # Imports as a user sees them: from cached bytecode (the default), whatever this shell says.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"XDG_CACHE_HOME": cache}
    command = [sys.executable, __file__, str(args.folder), "--size", args.size, "--one"] + (["--restart"] * restart)
    spawned = time.time()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {k.removesuffix("_at") + "_s" if k.endswith("_at") else k: v - spawned if k.endswith("_at") else v
            for k, v in figures.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="200x60")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a single run, as JSON
    parser.add_argument("--restart", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    if args.one:
        gc.disable()   # as spiff_tui.cli.run starts every process
        print(json.dumps(asyncio.run(measure(args.folder, (width, height), args.restart))))
        return 0
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="spiff-bench-cache-") as cache:
            first = _spawn(args, cache, restart=False)
            again = _spawn(args, cache, restart=True) if first is not None else None
        if first is None or again is None:
            return 1
        if first.pop("last_board_shown") or not again.pop("last_board_shown"):
            print("the first start showed a last board, or the restart did not", file=sys.stderr)
            return 1
        runs.append(first | {"restart_board_s": again["first_frame_s"],
                             "restart_full_board_s": again["full_board_s"]})
        print("  ".join(f"{k} {v:.3f}" if not k.endswith("rows") else f"{k} {v:.0f}" for k, v in runs[-1].items()))
    print("median  " + "  ".join(f"{k} {statistics.median(r[k] for r in runs):.3f}" for k in runs[0]
                                 if not k.endswith("rows")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
