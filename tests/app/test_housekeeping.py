"""A board that runs for weeks does not keep what it has stopped showing."""

from __future__ import annotations

import gc
import weakref

from appkit import loaded, make_app, wait_for
from textual._styles_cache import StylesCache
from textual.widgets._toast import Toast


async def _show_toasts(pilot, count: int, label: str) -> list[weakref.ref]:
    """Show toasts one after another; weak references to each one's rendered-lines cache."""
    app = pilot.app
    caches: list[weakref.ref] = []
    seen: weakref.WeakSet = weakref.WeakSet()
    for number in range(count):
        app.notify(f"{label} Closed Won number {number}", timeout=0.2, markup=False)
        await pilot.pause(0.05)   # painted, so Textual has cached its styles
        for toast in app.query(Toast):
            if toast._styles_cache not in seen:
                seen.add(toast._styles_cache)
                caches.append(weakref.ref(toast._styles_cache))
    await wait_for(pilot, lambda: not app.query(Toast), "the toasts to expire")
    return caches


async def test_toasts_that_have_gone_leave_no_rendered_lines_behind(small):
    app = make_app(small, rescan_seconds=3600)   # housekeeping only when this test calls the rescan
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await loaded(pilot)
        first = await _show_toasts(pilot, 30, "early")
        # Later toasts push the first ones out of Textual's own small per-widget layout caches.
        await _show_toasts(pilot, 30, "late")
        gc.collect()
        before = [ref for ref in first if ref() is not None]
        app._rescan()   # the periodic rescan, which also does the housekeeping
        assert StylesCache.get_inner_outer.cache_info().currsize == 0   # nothing memoised is left
        await pilot.pause(0.1)
        gc.collect()
        kept = [ref for ref in first if ref() is not None]
        assert len(first) >= 20   # each toast seen while shown (a slow machine may miss a few)
        # Until the housekeeping nearly all stay, in an lru_cache of 1,024 entries; after it only
        # what Textual's per-widget layout caches (four arrangements each) still hold, which
        # depends on how the toasts overlapped: 16 at most on a quiet machine, 22 seen on a busy one.
        assert len(before) >= len(first) - 6
        assert len(kept) < len(before)
