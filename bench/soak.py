"""Soak the live board: the real app, headless, with the real watcher, on a temp copy of a contest
folder that a churn thread keeps rewriting, renaming, adding to and deleting from.

    python bench/soak.py [--minutes M] [--folder DIR] [--rules FILE] [--interval S] [--every N]

Every N seconds it prints elapsed time, RSS, threads (Python's count and the kernel's), open file
descriptors, rescores done and the last rescore's duration. At the end it prints the memory
growth after warm-up (the first minute by default) extrapolated to MB/day, and how threads and
file descriptors moved after warm-up. Not a test: it only prints figures (exit 1 if the app died).

RSS swings by tens of MB as rescores allocate and free, far more than a leak of 20 MB/day makes
in minutes. So besides the raw RSS taken every second, each printed line takes a "settled" RSS:
after gc.collect(), glibc's malloc_trim(0) and Arrow's release_unused(), which hand freed memory
back to the system, so what is left is what is still in use. Growth is the least-squares slope of
the settled RSS after warm-up, with its standard error; the memory blocks Python has allocated
("blocks", sys.getallocatedblocks()) and the Arrow bytes in use are printed too, since a leak of
objects shows there first. --types K names the object types that grew; it walks gc.get_objects(),
which can make a rescore running at that moment fail with a SystemError (the board keeps its last
scores), so use it to hunt a leak, not for the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import datetime as dt
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from spiff_tui.core.export_names import is_export_name
from spiff_tui.ui import live
from spiff_tui.ui.app import SpiffApp
from spiff_tui.ui.live import default_watcher

MB = 1024 * 1024


def proc_status() -> dict[str, int]:
    """VmRSS (bytes) and Threads from /proc/self/status."""
    found = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key == "VmRSS":
                found["rss"] = int(value.split()[0]) * 1024
            elif key == "Threads":
                found["threads"] = int(value)
    return found


@dataclass
class Sample:
    elapsed: float
    rss: int
    py_threads: int
    os_threads: int
    fds: int
    rescores: int
    settled: bool = False
    blocks: int = 0
    arrow: int = 0


class SampleLog:
    """Samples kept in arrays sized for the whole run up front, so that recording them allocates
    nothing while the app is measured: a list of objects would grow by ~20 MB a day by itself."""

    FIELDS = ("elapsed", "rss", "py_threads", "os_threads", "fds", "rescores", "settled", "blocks", "arrow")

    def __init__(self, capacity: int) -> None:
        self.columns = {name: array("d", bytes(8 * capacity)) for name in self.FIELDS}
        self.count = 0

    def append(self, sample: Sample) -> None:
        if self.count == len(self.columns["elapsed"]):   # a longer run than planned: grow once
            for column in self.columns.values():
                column.extend(array("d", bytes(8 * len(column))))
        for name, column in self.columns.items():
            column[self.count] = float(getattr(sample, name))
        self.count += 1

    def samples(self) -> list[Sample]:
        return [Sample(*(int(self.columns[name][i]) if name not in ("elapsed", "settled")
                         else (bool(self.columns[name][i]) if name == "settled" else self.columns[name][i])
                         for name in self.FIELDS)) for i in range(self.count)]


def _malloc_trim() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _arrow_pool():
    if "pyarrow" not in sys.modules:
        return None
    return sys.modules["pyarrow"].default_memory_pool()


def sample(started: float, rescores: int, settle: bool = False) -> Sample:
    blocks = arrow = 0
    if settle:
        gc.collect()
        pool = _arrow_pool()
        if pool is not None:
            pool.release_unused()
            arrow = pool.bytes_allocated()
        _malloc_trim()
        # Not len(gc.get_objects()): that list can hold a tuple another thread is still building,
        # and CPython then fails that thread with "SystemError: bad argument to internal function".
        blocks = sys.getallocatedblocks()
    status = proc_status()
    return Sample(time.monotonic() - started, status["rss"], threading.active_count(), status["threads"],
                  len(os.listdir("/proc/self/fd")), rescores, settle, blocks, arrow)


@dataclass
class RescoreClock:
    """Wraps the function the rescore worker calls, to count rescores and time them."""

    count: int = 0
    failures: int = 0
    last: float = 0.0
    durations: array = field(default_factory=lambda: array("d"))
    failed: dict[str, int] = field(default_factory=dict)

    def install(self) -> None:
        original = live.rescore

        def timed(*args, **kwargs):
            began = time.perf_counter()
            outcome = original(*args, **kwargs)
            self.last = time.perf_counter() - began
            if self.count < len(self.durations):
                self.durations[self.count] = self.last   # preallocated: recording allocates nothing
            else:
                self.durations.append(self.last)
            self.count += 1
            if outcome.snapshot is None:
                self.failures += 1
                self.failed[outcome.failure] = self.failed.get(outcome.failure, 0) + 1
            return outcome

        live.rescore = timed


class Churn(threading.Thread):
    """Every `interval` seconds, one change of the kind an exports folder sees: a rewrite in place,
    a chunked copy, an atomic rename, a new export, a deletion, a rename, a touched file, litter
    (lock files, partial downloads) and now and then the rules file rewritten as it was. The folder
    stays about the size it started: new exports go to a few fixed names."""

    EXTRA_SLOTS = 4

    def __init__(self, data: Path, rules: Path, interval: float, seed: int = 7) -> None:
        super().__init__(name="churn", daemon=True)
        self.data, self.rules, self.interval = data, rules, interval
        self.random = random.Random(seed)
        self.originals = {p.name: p.read_bytes() for p in sorted(data.iterdir()) if is_export_name(p.name)}
        self.csvs = [name for name in self.originals if name.lower().endswith(".csv")]
        self.stop_event = threading.Event()
        self.changes = 0
        self.errors = 0
        self.last_error = ""

    def run(self) -> None:
        actions = [self.rewrite, self.chunked, self.atomic, self.add, self.delete, self.rename, self.touch,
                   self.litter, self.restore, self.rules_rewrite]
        weights = [3, 2, 3, 2, 2, 1, 1, 1, 2, 0.2]
        while not self.stop_event.wait(self.interval):
            try:
                self.random.choices(actions, weights)[0]()
                self.changes += 1
            except OSError as exc:  # a race with our own deletes; counted, never fatal
                self.errors += 1
                self.last_error = f"{type(exc).__name__}: {exc}"

    def variant(self, name: str) -> bytes:
        """The original file with a few body rows left out: a different but well-formed export."""
        lines = self.originals[name].split(b"\n")
        end = next((i for i in range(1, len(lines)) if not lines[i].strip()), len(lines))
        body = range(1, end)
        drop = set(self.random.sample(body, min(len(body), self.random.randint(0, 3))))
        return b"\n".join(line for i, line in enumerate(lines) if i not in drop)

    def extra_names(self) -> list[str]:
        return sorted(p.name for p in self.data.glob("extra_*") if is_export_name(p.name))

    def rewrite(self) -> None:
        name = self.random.choice(self.csvs)
        (self.data / name).write_bytes(self.variant(name))

    def chunked(self) -> None:
        name = self.random.choice(self.csvs)
        content = self.variant(name)
        step = max(1, len(content) // 4)
        with open(self.data / name, "wb") as out:
            for start in range(0, len(content), step):
                out.write(content[start:start + step])
                out.flush()
                time.sleep(0.01)

    def atomic(self) -> None:
        name = self.random.choice(self.csvs)
        temporary = self.data / f".{name}.tmp"
        temporary.write_bytes(self.variant(name))
        os.replace(temporary, self.data / name)

    def add(self) -> None:
        name = self.random.choice(self.csvs)
        slot = self.random.randrange(self.EXTRA_SLOTS)
        partial = self.data / f"extra_{slot}_{name}.crdownload"
        partial.write_bytes(self.variant(name))
        os.replace(partial, self.data / f"extra_{slot}_{name}")

    def delete(self) -> None:
        extras = self.extra_names()
        if extras:
            (self.data / self.random.choice(extras)).unlink()

    def rename(self) -> None:
        extras = self.extra_names()
        if extras:
            source = self.random.choice(extras)
            slot = self.random.randrange(self.EXTRA_SLOTS)
            target = f"extra_{slot}_{source.split('_', 2)[2]}"
            os.replace(self.data / source, self.data / target)

    def touch(self) -> None:
        os.utime(self.data / self.random.choice(list(self.originals)))

    def litter(self) -> None:
        name = self.random.choice(["~$opportunities.xlsx", ".~lock.activities.csv#", "export.csv.part",
                                   ".hidden.csv", "report.xlsx.crdownload"])
        path = self.data / name
        if path.exists():
            path.unlink()
        else:
            path.write_bytes(b"not an export yet")

    def restore(self) -> None:
        name = self.random.choice(list(self.originals))
        temporary = self.data / f".{name}.tmp"
        temporary.write_bytes(self.originals[name])
        os.replace(temporary, self.data / name)

    def rules_rewrite(self) -> None:
        text = self.rules.read_bytes()
        temporary = self.rules.with_name(".rules.toml.tmp")
        temporary.write_bytes(text)
        os.replace(temporary, self.rules)


def slope_per_day(samples: list[Sample], value) -> tuple[float, float]:
    """Least-squares slope of value(sample) over elapsed seconds, per day, and its standard error."""
    if len(samples) < 3:
        return 0.0, float("nan")
    xs = [s.elapsed for s in samples]
    ys = [value(s) for s in samples]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0, float("nan")
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    intercept = mean_y - slope * mean_x
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True)) / (len(xs) - 2)
    return slope * 86400, (residual / spread) ** 0.5 * 86400


def type_census(before: dict[str, int], top: int) -> dict[str, int]:
    """Count live objects by type; print the types that grew most since the last census, and how
    full the bounded caches are (functools' lru_cache, Textual's LRU and FIFO caches): growth
    that is only those caches filling up to their bounds stops by itself."""
    counts: dict[str, int] = {}
    cached = {"lru_cache": 0, "textual caches": 0}
    largest: list[tuple[int, str]] = []
    for obj in gc.get_objects():
        kind = type(obj)
        name = f"{kind.__module__}.{kind.__qualname__}"
        counts[name] = counts.get(name, 0) + 1
        if name == "functools._lru_cache_wrapper":
            info = obj.cache_info()
            cached["lru_cache"] += info.currsize
            largest.append((info.currsize, f"{obj.__module__}.{obj.__qualname__} {info.currsize}/{info.maxsize}"))
        elif name in ("textual.cache.LRUCache", "textual.cache.FIFOCache"):
            cached["textual caches"] += len(obj)
    print("          cache entries: " + ", ".join(f"{k} {v}" for k, v in cached.items()) + "; largest: "
          + ", ".join(text for _, text in sorted(largest, reverse=True)[:6]), flush=True)
    if before and top:
        grown = sorted(((counts.get(k, 0) - before.get(k, 0), k) for k in counts.keys() | before.keys()),
                       reverse=True)[:top]
        print("          grew: " + ", ".join(f"{k} {d:+d} (={counts.get(k, 0)})" for d, k in grown if d > 0),
              flush=True)
    return counts


def line(s: Sample, raw: Sample, clock: RescoreClock) -> str:
    return (f"{s.elapsed:7.0f} s  rss {raw.rss / MB:6.1f} MB (settled {s.rss / MB:6.1f})  "
            f"threads {s.py_threads:2d} py / {s.os_threads:2d} os  fds {s.fds:3d}  "
            f"blocks {s.blocks:7d}  arrow {s.arrow / MB:5.1f} MB  "
            f"rescores {s.rescores:5d}  last {clock.last * 1000:6.1f} ms")


async def soak(args: argparse.Namespace) -> int:
    root = Path(tempfile.mkdtemp(prefix="spiff-soak-"))
    data, rules = root / "data", root / "rules.toml"
    shutil.copytree(args.folder, data)
    shutil.copyfile(args.rules, rules)
    clock = RescoreClock()
    clock.durations = array("d", bytes(8 * int(args.minutes * 60 * 20 + 100)))
    clock.install()
    app = SpiffApp(data, rules, args.as_of, watcher_factory=default_watcher)
    churn = Churn(data, rules, args.interval)
    duration = args.minutes * 60
    samples = SampleLog(int(duration) + int(duration / max(args.every, 1)) + 100)
    print(f"soak: {args.folder} → {data}; {args.minutes:g} min, a change every {args.interval:g} s, "
          f"warm-up {args.warmup:g} s", flush=True)
    try:
        async with app.run_test(headless=True, size=(160, 50), notifications=True) as pilot:
            deadline = time.monotonic() + 60
            while app.snapshot is None and time.monotonic() < deadline:
                await pilot.pause(0.1)
            if app.snapshot is None:
                print("the first board never came", flush=True)
                return 1
            started = time.monotonic()
            census = type_census({}, 0) if args.types else {}
            churn.start()
            next_print = 0.0
            while (now := time.monotonic() - started) < duration:
                raw = sample(started, clock.count)
                samples.append(raw)
                if now >= next_print:
                    settled = sample(started, clock.count, settle=True)
                    samples.append(settled)
                    print(line(settled, raw, clock), flush=True)
                    if args.types:
                        census = type_census(census, args.types)
                    next_print += args.every
                await asyncio.sleep(1.0)
            churn.stop_event.set()
            churn.join(timeout=10)
            raw = sample(started, clock.count)
            last = sample(started, clock.count, settle=True)
            samples.append(raw)
            samples.append(last)
            print(line(last, raw, clock), flush=True)
            alive = app.is_running
            watcher = "alive" if app.watcher is not None and app.watcher.is_alive() else "DEAD"
            kind = app.watcher.kind if app.watcher is not None else "none"
            failure = app.failure
    finally:
        churn.stop_event.set()
        shutil.rmtree(root, ignore_errors=True)
    clock.durations = clock.durations[:clock.count]
    report(samples.samples(), clock, churn, args.warmup, alive, f"{watcher} ({kind})", failure)
    return 0 if alive else 1


def report(all_samples: list[Sample], clock: RescoreClock, churn: Churn, warmup: float, alive: bool,
           watcher: str, failure: str | None) -> None:
    raw = [s for s in all_samples if not s.settled]
    samples = [s for s in all_samples if s.settled]
    after = [s for s in samples if s.elapsed >= warmup] or samples[-1:]
    raw_after = [s for s in raw if s.elapsed >= warmup] or raw[-1:]
    first, warm, last = samples[0], after[0], samples[-1]
    hours = (last.elapsed - warm.elapsed) / 3600
    print()
    print(f"run: {last.elapsed / 60:.1f} min; {churn.changes} changes ({churn.errors} churn errors"
          f"{': ' + churn.last_error if churn.errors else ''}); app running: {alive}; watcher {watcher}")
    if failure:
        print(f"the app shows a failure: {failure}")
    durations = sorted(clock.durations)
    if durations:
        print(f"rescores: {clock.count} ({clock.failures} without a board); duration median "
              f"{statistics.median(durations) * 1000:.1f} ms, p95 {durations[int(len(durations) * 0.95)] * 1000:.1f} ms, "
              f"max {durations[-1] * 1000:.1f} ms")
    for message, count in clock.failed.items():
        print(f"  {count}× no board: {message}")
    print(f"RSS raw: start {raw[0].rss / MB:.1f} MB, after warm-up {raw_after[0].rss / MB:.1f} MB, "
          f"end {raw[-1].rss / MB:.1f} MB; after warm-up min {min(s.rss for s in raw_after) / MB:.1f}, "
          f"max {max(s.rss for s in raw_after) / MB:.1f} MB")
    print(f"RSS settled: start {first.rss / MB:.1f} MB, after warm-up ({warm.elapsed:.0f} s) "
          f"{warm.rss / MB:.1f} MB, end {last.rss / MB:.1f} MB")
    if hours > 0:
        endpoints = (last.rss - warm.rss) / MB / hours * 24
        fitted, error = slope_per_day(after, lambda s: s.rss / MB)
        raw_fitted, raw_error = slope_per_day(raw_after, lambda s: s.rss / MB)
        blocks, blocks_error = slope_per_day(after, lambda s: s.blocks)
        print(f"RSS growth after warm-up (settled): {(last.rss - warm.rss) / MB:+.1f} MB in {hours * 60:.1f} min; "
              f"least squares {fitted:+.1f} ± {error:.1f} MB/day (end points {endpoints:+.1f} MB/day)")
        print(f"RSS growth after warm-up (raw, every second): {raw_fitted:+.1f} ± {raw_error:.1f} MB/day")
        print(f"Python memory blocks: after warm-up {warm.blocks}, end {last.blocks}; "
              f"{blocks:+.0f} ± {blocks_error:.0f} per day; Arrow bytes in use at the end {last.arrow / MB:.1f} MB")
        # Textual's DataTable caches (rendered cells, rows, lines) fill up to their LRU bounds for
        # minutes: growth that stops is not a leak, so the second half is shown on its own too.
        half = [s for s in after if s.elapsed >= (warm.elapsed + last.elapsed) / 2]
        if len(half) >= 3:
            rss_half, rss_half_error = slope_per_day(half, lambda s: s.rss / MB)
            blocks_half, blocks_half_error = slope_per_day(half, lambda s: s.blocks)
            print(f"second half ({half[0].elapsed / 60:.1f}–{last.elapsed / 60:.1f} min): settled RSS "
                  f"{rss_half:+.1f} ± {rss_half_error:.1f} MB/day; blocks {half[0].blocks} → {last.blocks}, "
                  f"{blocks_half:+.0f} ± {blocks_half_error:.0f} per day")
    for label, value in (("threads (py)", lambda s: s.py_threads), ("threads (os)", lambda s: s.os_threads),
                         ("fds", lambda s: s.fds)):
        values = [value(s) for s in after]
        print(f"{label}: start {value(first)}, after warm-up {value(warm)}, end {value(last)}, "
              f"delta {value(last) - value(warm):+d}; min/max after warm-up {min(values)}/{max(values)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--folder", type=Path, default=REPO / "sample_data")
    parser.add_argument("--rules", type=Path, default=REPO / "rules.toml")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between churn changes")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between printed lines")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds left out of the growth figures")
    parser.add_argument("--types", type=int, default=0, metavar="K",
                        help="with each line, the K object types that grew most (to hunt a leak)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="score as of this date (default: today, as the app does)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir() or not args.rules.is_file():
        parser.error(f"need a folder and a rules file: {args.folder}, {args.rules}")
    gc.disable()   # as spiff_tui.cli.run starts every process: the app's first rescore resumes it
    return asyncio.run(soak(args))


if __name__ == "__main__":
    raise SystemExit(main())
