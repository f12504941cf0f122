"""Caches inside Textual that would keep removed widgets alive for hours on a wall TV."""

from __future__ import annotations


def drop_removed_widget_renders() -> None:
    """Forget the per-widget styles Textual memoises across all widgets.

    StylesCache.get_inner_outer is an lru_cache of 1,024 entries keyed by each widget's line cache,
    so every toast ever shown (a Closed Won, a rescore failure) keeps its rendered lines until
    1,024 newer entries push it out: hours of slow growth on a board that runs for weeks. The
    cached values are two colours' styles, recomputed in microseconds on the next paint.
    """
    try:
        from textual._styles_cache import StylesCache

        StylesCache.get_inner_outer.cache_clear()
    except (ImportError, AttributeError):  # another Textual: nothing of this shape to clear
        pass
