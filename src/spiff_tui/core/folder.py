"""The data folder: which files are exports, read each once while it is unchanged."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from spiff_tui.core.reader import FileResult, read_export
from spiff_tui.core.rules import Rules

EXPORT_SUFFIXES = (".csv", ".xlsx")
PARTIAL_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp")


def is_export_name(name: str) -> bool:
    lowered = name.lower()
    if name.startswith((".", "~$")) or lowered.endswith(PARTIAL_SUFFIXES):
        return False
    return lowered.endswith(EXPORT_SUFFIXES)


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
    """

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[FileStamp, object, FileResult]] = {}
        self._lock = threading.Lock()

    def read(self, folder: Path, rules: Rules) -> list[FileResult]:
        settings = _reading_settings(rules)
        results = []
        paths = list_exports(folder)
        with self._lock:
            for path in paths:
                try:
                    stat = path.stat()
                except OSError:
                    continue
                stamp = FileStamp(stat.st_size, stat.st_mtime_ns)
                cached = self._cache.get(path)
                if cached and cached[0] == stamp and cached[1] == settings:
                    results.append(cached[2])
                    continue
                result = read_export(path, rules)
                self._cache[path] = (stamp, settings, result)
                results.append(result)
            for gone in set(self._cache) - set(paths):
                del self._cache[gone]
        return results


def _reading_settings(rules: Rules) -> object:
    tables = tuple((t.kind, t.credit) for t in rules.tables)
    columns = tuple((k, tuple(sorted(v.items()))) for k, v in sorted(rules.columns.items()))
    return (rules.input, tables, columns)
