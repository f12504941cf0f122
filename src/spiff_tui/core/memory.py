"""Hand memory freed by a big read back to the system, so the next file's work does not sit on top."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None   # not glibc (musl has no malloc_trim)


def release_freed_memory() -> None:
    """Arrow's pool and glibc's heap keep freed blocks for reuse; after a large export neither would
    shrink on its own, and the peak of the whole run would grow by what the reads left behind."""
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def tune_allocators() -> None:
    """How Arrow and numpy get memory, set once before the first read, unless the user chose
    (ARROW_DEFAULT_MEMORY_POOL, NUMPY_MADVISE_HUGEPAGE).

    Arrow's buffers come from the C library's malloc rather than Arrow's bundled mimalloc, which
    hands freed pages back to the system and faults them in again as the next column is built: at a
    million rows that doubled the time spent in the kernel and added a fifth to the peak memory.

    numpy's large arrays are not asked to be huge pages: where the system compacts memory to make
    one on first touch, the first rescore that needs more memory than any before it stalled on
    it (a new 100k-row activities export beside a million rows: 340 ms instead of 265, by
    bench/rescore.py); a million-row export runs as fast either way."""
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        import pyarrow as pa

        pa.set_memory_pool(pa.system_memory_pool())
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ:
        _numpy_huge_pages(False)


def _numpy_huge_pages(enabled: bool) -> None:
    """numpy's switch for MADV_HUGEPAGE (the one NUMPY_MADVISE_HUGEPAGE sets at import), where this
    numpy has one."""
    import numpy as np

    for module in ("_core", "core"):
        switch = getattr(getattr(np, module, None), "multiarray", None)
        switch = getattr(switch, "_set_madvise_hugepage", None)
        if switch is not None:
            switch(enabled)
            return


@contextmanager
def collections_paused() -> Iterator[None]:
    """No garbage collections while a reading makes a Python object per cell: each collection would
    walk every row made so far, a third of the time of a 500k-row workbook and pauses of the live
    board of up to half a second. Process-wide; whoever turned collection on turns it back on, so
    two readings at once leave it as they found it."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
