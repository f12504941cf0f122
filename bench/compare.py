"""Time spiff-tui against the DuckDB baseline on one folder and check they agree.

    python bench/compare.py DIR [--runs 5] [--warmup 1] [--view teams|reps|activity|all]
                            [--rules RULES] [--ours "spiff-tui"] [--ours-args ARGS]

Per view it runs, whole-process and interleaved (the order alternates each round),
`spiff-tui export DIR --view V --format csv` and `python bench/duckdb_score.py DIR --view V`,
and prints the median, min and max wall time of each, the median CPU time (user + system,
steadier than wall time on a busy machine), the ratio ours/duckdb of the medians, the peak
RSS of each, and whether the two outputs are equal as tables.

Peak RSS comes from os.wait4() on each child: the kernel's ru_maxrss for that one process
(and any children it waited for), in KiB on Linux. getrusage(RUSAGE_CHILDREN) would not do:
its ru_maxrss is the maximum over every child so far, so before/after deltas are wrong as
soon as an earlier child was bigger; /proc polling can miss a short peak. That figure is the
largest single process, though: if a contender starts worker processes, what the machine gives
the whole run is their sum. So a sampler also adds up the PSS (proportional set
size: shared pages counted once) of the process and all its descendants every 20 ms, and the
peak of that sum is printed as "tree PSS MB" (a sample can miss a peak shorter than 20 ms).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
VIEW_COLUMNS = {
    "reps": [
        "rank",
        "rep",
        "team",
        "new_business_points",
        "upsell_points",
        "total_points",
        "opportunities",
    ],
    "activity": [
        "rep",
        "team",
        "activities",
        "calls",
        "activities_needed",
        "calls_needed",
        "qualified",
    ],
    "teams": [
        "rank",
        "team",
        "members",
        "new_business_points",
        "upsell_points",
        "total_points",
        "eligible",
    ],
}
VIEW_KEY = {"reps": "rep", "activity": "rep", "teams": "team"}
TEXT_COLUMNS = {"rep", "team", "members"}
BOOLEAN_COLUMNS = {"qualified", "eligible"}
BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    max_rss_kib: int
    tree_pss_kib: int
    exit_code: int
    stdout: str
    stderr: str


@dataclass
class Contender:
    name: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)
    broken: str | None = None


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    pending.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """The peak, over 20 ms samples, of the summed PSS of a process and its descendants."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(p) for p in _descendants(self.pid)))


def run_once(command: list[str]) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        sampler = TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(
            status
        )  # already reaped: stop Popen waiting again
        out.seek(0)
        err.seek(0)
        return Run(
            seconds,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss,
            sampler.peak_kib,
            process.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def parse_table(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def same_cell(column: str, ours: str, theirs: str) -> bool:
    ours, theirs = ours.strip(), theirs.strip()
    if column in TEXT_COLUMNS:
        return ours == theirs
    if column in BOOLEAN_COLUMNS:
        return BOOLEANS.get(ours.lower(), ours) == BOOLEANS.get(theirs.lower(), theirs)
    try:
        return math.isclose(float(ours), float(theirs), rel_tol=1e-9, abs_tol=1e-9)
    except ValueError:
        return ours == theirs


def compare_tables(view: str, ours_text: str, duck_text: str) -> list[str]:
    """Differences between the two outputs on the view's columns, ignoring row order."""
    columns, key = VIEW_COLUMNS[view], VIEW_KEY[view]
    ours_header, ours_rows = parse_table(ours_text)
    duck_header, duck_rows = parse_table(duck_text)
    problems = [f"spiff-tui output lacks column {c!r}" for c in columns if c not in ours_header]
    problems += [f"duckdb output lacks column {c!r}" for c in columns if c not in duck_header]
    if problems:
        return problems
    ours_by_key = {r[key].strip(): r for r in ours_rows}
    duck_by_key = {r[key].strip(): r for r in duck_rows}
    if len(ours_rows) != len(duck_rows):
        problems.append(f"row count: spiff-tui {len(ours_rows)}, duckdb {len(duck_rows)}")
    for k in sorted(duck_by_key.keys() - ours_by_key.keys()):
        problems.append(f"{key} {k!r} only in duckdb output")
    for k in sorted(ours_by_key.keys() - duck_by_key.keys()):
        problems.append(f"{key} {k!r} only in spiff-tui output")
    for k in sorted(ours_by_key.keys() & duck_by_key.keys()):
        for column in columns:
            a, b = ours_by_key[k][column], duck_by_key[k][column]
            if not same_cell(column, a, b):
                problems.append(f"{key} {k!r}, {column}: spiff-tui {a!r}, duckdb {b!r}")
    if not problems and [r[key].strip() for r in ours_rows] != [r[key].strip() for r in duck_rows]:
        problems.append("(note) same rows, different row order")
    return problems


def summary(contender: Contender) -> str:
    times = [r.seconds for r in contender.runs]
    cpu = statistics.median(r.cpu_seconds for r in contender.runs)
    rss = max(r.max_rss_kib for r in contender.runs) / 1024
    tree = max(r.tree_pss_kib for r in contender.runs) / 1024
    return (
        f"{contender.name:18} {statistics.median(times):9.3f} {min(times):9.3f} {max(times):9.3f}"
        f" {cpu:9.3f} {rss:12.1f} {tree:12.1f}"
    )


def folder_size(folder: Path) -> str:
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".xlsx")]
    return f"{len(files)} data files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB"


def bench_view(view: str, args, ours_base: list[str] | None) -> bool:
    rules = ["--rules", str(args.rules)] if args.rules else []
    duck = Contender(
        "duckdb_score.py",
        [sys.executable, str(BENCH / "duckdb_score.py"), str(args.folder), "--view", view, *rules],
    )
    contenders = [duck]
    ours = None
    if ours_base is not None:
        ours = Contender(
            "spiff-tui",
            [*ours_base, "export", str(args.folder), "--view", view, "--format", "csv", *rules,
             *shlex.split(args.ours_args)],
        )
        contenders.insert(0, ours)

    for round_no in range(args.warmup + args.runs):
        order = contenders if round_no % 2 == 0 else contenders[::-1]
        for contender in order:
            if contender.broken:
                continue
            run = run_once(contender.command)
            # Exit 1 means "the data has errors" but the board is still printed: time it.
            if run.exit_code not in (0, 1) or not run.stdout.strip():
                contender.broken = f"exit code {run.exit_code}; stderr ends:\n    " + "\n    ".join(
                    run.stderr.strip().splitlines()[-8:]
                )
                continue
            if round_no >= args.warmup:
                contender.runs.append(run)

    print(f"\nview {view}: {args.runs} timed runs each after {args.warmup} warm-up, interleaved")
    print(f"{'':18} {'median s':>9} {'min s':>9} {'max s':>9} {'CPU s':>9} {'peak RSS MB':>12} {'tree PSS MB':>12}")
    ok = True
    for contender in contenders:
        if contender.broken:
            print(f"{contender.name:18} FAILED: {contender.broken}")
            print(f"{'':18} command: {shlex.join(contender.command)}")
            ok = False
        else:
            print(summary(contender))
            if contender.runs and contender.runs[0].exit_code:
                lines = contender.runs[0].stderr.strip().splitlines()
                print(
                    f"{'':18} note: exit code {contender.runs[0].exit_code}, stderr has {len(lines)} lines:"
                )
                for line in lines[:3]:
                    print(f"{'':18}   {line}")
    if ours is None or ours.broken or duck.broken:
        print("ratio ours/duckdb: n/a (only one side ran)")
        return False
    ratio = statistics.median(r.seconds for r in ours.runs) / statistics.median(
        r.seconds for r in duck.runs
    )
    cpu_ratio = statistics.median(r.cpu_seconds for r in ours.runs) / statistics.median(
        r.cpu_seconds for r in duck.runs
    )
    rss_ratio = max(r.max_rss_kib for r in ours.runs) / max(r.max_rss_kib for r in duck.runs)
    tree_ratio = max(r.tree_pss_kib for r in ours.runs) / max(max(r.tree_pss_kib for r in duck.runs), 1)
    print(
        f"ratio ours/duckdb: {ratio:.2f}x wall (median), {cpu_ratio:.2f}x CPU, {rss_ratio:.2f}x peak RSS, {tree_ratio:.2f}x tree PSS"
    )
    if len({r.stdout for r in ours.runs}) > 1:
        print("spiff-tui: output differs between runs (the SPEC promises byte-identical exports)")
        ok = False
    problems = compare_tables(view, ours.runs[0].stdout, duck.runs[0].stdout)
    real = [p for p in problems if not p.startswith("(note)")]
    if real:
        print(f"outputs DIFFER as tables ({len(real)} differences):")
        for problem in real[:25]:
            print(f"  {problem}")
        if len(real) > 25:
            print(f"  ... and {len(real) - 25} more")
        ok = False
    else:
        rows = len(parse_table(duck.runs[0].stdout)[1])
        print(f"outputs equal as tables ({rows} rows x {len(VIEW_COLUMNS[view])} columns)")
    for problem in problems:
        if problem.startswith("(note)"):
            print(problem)
    return ok


def find_ours(spec: str) -> tuple[list[str] | None, str]:
    command = shlex.split(spec)
    beside = Path(sys.executable).with_name(command[0])
    if len(command) == 1 and beside.is_file():
        # The console script installed with this interpreter, as the DuckDB side runs on it: a
        # version manager's shim found first on PATH would add its own start-up to our side only.
        command = [str(beside)]
    if shutil.which(command[0]) is None:
        return None, (
            f"spiff-tui is not runnable: {command[0]!r} is not on PATH. Install the project "
            f"(pip install -e '.[bench]') or pass --ours. Timing the DuckDB side only."
        )
    probe = subprocess.run([*command, "--help"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        tail = "\n    ".join((probe.stderr or probe.stdout).strip().splitlines()[-5:])
        return None, (
            f"spiff-tui is not runnable: '{spec} --help' exited {probe.returncode}:\n    {tail}\n"
            "Timing the DuckDB side only."
        )
    return command, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed runs of each first (page cache, imports)"
    )
    parser.add_argument("--view", choices=[*VIEW_COLUMNS, "all"], default="teams")
    parser.add_argument(
        "--rules", type=Path, help="passed to both; default: each finds DIR/rules.toml"
    )
    parser.add_argument("--ours", default="spiff-tui", help="command that runs the project CLI")
    parser.add_argument("--ours-args", default="", metavar="ARGS",
                        help='more options for spiff-tui export, e.g. "--as-of 2026-04-30"')
    args = parser.parse_args(argv)

    ours, why_not = find_ours(args.ours)
    print(
        f"folder {args.folder}: {folder_size(args.folder)}; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    if why_not:
        print(why_not)
    else:
        print(f"spiff-tui: {shlex.join(ours)}; duckdb side: {sys.executable}")
    views = list(VIEW_COLUMNS) if args.view == "all" else [args.view]
    results = [bench_view(view, args, ours) for view in views]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
