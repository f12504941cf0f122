"""Which files in the data folder are exports: by name alone, so the watcher can tell without
loading the engine (and pandas)."""

from __future__ import annotations

EXPORT_SUFFIXES = (".csv", ".xlsx")
PARTIAL_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp")


def is_export_name(name: str) -> bool:
    lowered = name.lower()
    if name.startswith((".", "~$")) or lowered.endswith(PARTIAL_SUFFIXES):
        return False
    return lowered.endswith(EXPORT_SUFFIXES)
