"""The data folder: which files are exports, read each once while it is unchanged."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from spiff_tui.core.export_names import is_export_name
from spiff_tui.core.memory import release_freed_memory
from spiff_tui.core.problems import ERROR, Problem
from spiff_tui.core.reader import FileResult, read_export
from spiff_tui.core.rules import Rules

# Files read so far, and files to read: see FolderReader.read.
Progress = Callable[[int, int], None]


def list_exports(folder: Path) -> list[Path]:
    """Export files directly in the folder, in name order; sub-folders, hidden and partial files skipped."""
    return sorted((p for p in folder.iterdir() if is_export_name(p.name) and p.is_file()),
                  key=lambda p: p.name)


@dataclass(frozen=True)
class FileStamp:
    size: int
    mtime_ns: int


class FolderReader:
    """Reads a folder's exports, keeping each file's result while its size and mtime are unchanged.

    The cache is keyed by the rules' reading settings too, since column maps change what a file is.
    With keep_last_good (the live board), a file that read cleanly before and now has errors —
    half-written, truncated, garbage — is scored from its last good version until it is fixed.
    """

    def __init__(self, keep_last_good: bool = False, workers: int = 1) -> None:
        self.workers = workers
        self._cache: dict[Path, tuple[FileStamp, object, FileResult]] = {}
        self._last_good: dict[Path, FileResult] = {}
        self._keep_last_good = keep_last_good
        self._lock = threading.Lock()

    def read(self, folder: Path, rules: Rules, progress: Progress | None = None) -> list[FileResult]:
        """Every export's result; `progress(read, to_read)` is called as each changed file is read
        (from the reading threads), for a board that shows how far a long first read has got."""
        settings = _reading_settings(rules)
        paths = list_exports(folder)
        with self._lock:
            stamps: dict[Path, FileStamp] = {}
            for path in paths:
                try:
                    stat = path.stat()
                except OSError:
                    continue
                stamps[path] = FileStamp(stat.st_size, stat.st_mtime_ns)
            stale = [p for p, stamp in stamps.items()
                     if not (p in self._cache and self._cache[p][:2] == (stamp, settings))]
            fresh = self._read_all(stale, rules, {p: stamps[p].size for p in stale}, _counting(progress, len(stale)))
            for path in stale:
                self._cache[path] = (stamps[path], settings, self._prefer_last_good(path, fresh[path]))
            results = [self._cache[p][2] for p in stamps]
            for gone in set(self._cache) - set(stamps):
                del self._cache[gone]
                self._last_good.pop(gone, None)
        return results

    def _read_all(self, paths: list[Path], rules: Rules, sizes: dict[Path, int],
                  read_one: Callable[[Path, Rules], FileResult]) -> dict[Path, FileResult]:
        """The live board reads one file at a time, so a rescore never competes with itself for the
        board's CPU or memory; a one-shot command may overlap files (Arrow, numpy and the hashing
        release the GIL for much of a read)."""
        if self.workers <= 1 or len(paths) <= 1:
            return {path: read_one(path, rules) for path in paths}
        from concurrent.futures import ThreadPoolExecutor

        # Largest first, so the two biggest files are not left to the end one after the other.
        by_size = sorted(paths, key=sizes.__getitem__, reverse=True)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="spiff-read") as pool:
            read = dict(zip(by_size, pool.map(lambda path: read_one(path, rules), by_size)))
        return {path: read[path] for path in paths}

    def _prefer_last_good(self, path: Path, result: FileResult) -> FileResult:
        if not self._keep_last_good:
            return result
        errors = [p for p in result.problems if p.severity == ERROR]
        if not errors:
            self._last_good[path] = result
            return result
        good = self._last_good.get(path)
        if good is None:
            return result
        kept = Problem(result.name, errors[0].line, errors[0].column,
                       f"{errors[0].message} — its last good version is scored until it is fixed", ERROR)
        return replace(good, problems=good.problems + (kept,))

    def forget(self) -> None:
        """Drop cached results, so the next read reads every file again."""
        with self._lock:
            self._cache.clear()


def _counting(progress: Progress | None, total: int) -> Callable[[Path, Rules], FileResult]:
    """_read_and_release, telling `progress` how many of `total` files are read after each one."""
    if progress is None:
        return _read_and_release
    done = itertools.count(1)
    lock = threading.Lock()

    def read_one(path: Path, rules: Rules) -> FileResult:
        result = _read_and_release(path, rules)
        with lock:
            progress(next(done), total)
        return result

    return read_one


def _read_and_release(path: Path, rules: Rules) -> FileResult:
    result = read_export(path, rules)
    if result.frame is not None and len(result.frame) >= 50_000:
        release_freed_memory()
    return result


def _reading_settings(rules: Rules) -> object:
    tables = tuple((t.kind, t.credit) for t in rules.tables)
    columns = tuple((k, tuple(sorted(v.items()))) for k, v in sorted(rules.columns.items()))
    return (rules.input, tables, columns)
