"""Hand memory freed by a big read back to the system, so the next file's work does not sit on top."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
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
def use_system_allocator() -> None:
    """Arrow's buffers from the C library's malloc rather than Arrow's bundled mimalloc, unless the
    user chose a pool (ARROW_DEFAULT_MEMORY_POOL). mimalloc hands freed pages back to the system and
    faults them in again as the next column is built: at a million rows that doubled the time spent
    in the kernel and added a fifth to the peak memory (bench/compare.py, same run)."""
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
