"""One-shot commands (check, export) use every core: big exports are read and scored in forked
worker processes, side by side, while this process reads the small ones.

Reading and scoring an export is mostly Python and pandas, which one process runs on one core at a
time; DuckDB-style speed on a laptop needs the second core. The live board never does this: it
keeps each file's result between rescores in its own process.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pandas as pd

from spiff_tui.core.folder import list_exports
from spiff_tui.core.ledger import part_name, score_export, targets_of
from spiff_tui.core.reader import FileResult, read_export
from spiff_tui.core.rules import Rules

PARALLEL_MIN_BYTES = 4 << 20   # smaller files read faster here than a worker can send them back
SCORED_KINDS = ("opportunities", "activities")

# What forked workers inherit: (rules, target accounts or None when only reading is safe).
_inherited: tuple[Rules, object] | None = None


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        return os.cpu_count() or 1


def read_and_score(folder: Path, rules: Rules, jobs: int) -> tuple[list[FileResult], dict[str, pd.DataFrame]] | None:
    """The folder's file results in name order, and the ledger parts workers scored (by part name);
    None when there is nothing to share out, or the workers cannot run — read here then."""
    global _inherited
    if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    paths = list_exports(folder)
    sizes = {path: _size(path) for path in paths}
    big = sorted((p for p in paths if sizes[p] >= PARALLEL_MIN_BYTES), key=lambda p: -sizes[p])
    if len(big) < 2:
        return None
    # Accounts exports are small: read here first, so workers can score against their targets.
    results = {path: read_export(path, rules) for path in paths if path not in big}
    known = [results[p] for p in paths if p in results]
    _inherited = (rules, targets_of(known))
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(big))) as pool:
            done = pool.map(_read_and_score, big, chunksize=1)
    except Exception:   # noqa: BLE001 — a worker that died or a result that would not travel: read here
        return None
    finally:
        _inherited = None
    parts = {}
    for path, result, part in done:
        results[path] = result
        if part is not None:
            parts[part_name(result)] = part
    if any(results[p].kind == "accounts" for p in big):
        parts = {}   # the workers scored without these accounts: score again here
    return [results[p] for p in paths], parts


def _read_and_score(path: Path) -> tuple[Path, FileResult, pd.DataFrame | None]:
    rules, targets = _inherited
    result = read_export(path, rules)
    if result.kind not in SCORED_KINDS or result.frame is None or result.frame.empty:
        return path, result, None
    return path, result, score_export(rules, result, targets)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
