"""The rules that cross files, on a joined ledger part: per opportunity id the newest export's row
wins, and an activity counts once. Rows that lose stop counting where they stand; the reasons that
name the row they lose to ('replaced by the newer row file:line') can be built then, or later, on
a part with the same rows and a reason column (the live board's first rescore names them after
the boards are drawn)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from spiff_tui.core.dedupe import first_positions
from spiff_tui.core.labels import overlay
from spiff_tui.core.row_names import (
    REPLACED,
    ROW_NAME_PREFIXES,
    SAME_ACTIVITY,
    SAME_ACTIVITY_ID,
    SAME_OPPORTUNITY,
    row_names,
)

# Names, in a ledger part with the rows a mark was worked out on (in the same order) and a reason
# column, the rows that the marked ones repeat or lose to.
Namer = Callable[[pd.DataFrame], None]


def mark_superseded(opps: pd.DataFrame) -> pd.DataFrame:
    """Per opportunity id the row of the newest export wins; the others say which row replaced them."""
    return _marked(opps, supersede)


def mark_duplicates(acts: pd.DataFrame) -> pd.DataFrame:
    """Same Activity ID counts once; without an id, a row repeated in a different file counts once."""
    return _marked(acts, count_once)


def _marked(part: pd.DataFrame, mark: Callable[[pd.DataFrame], Namer | None]) -> pd.DataFrame:
    """The part marked, and its marked rows named if it has the rows' own texts (a part with only
    the boards' columns has no reason column)."""
    name = mark(part)
    if name is not None and "reason" in part:
        name(part)
    return part


def supersede(opps: pd.DataFrame) -> Namer | None:
    """Per opportunity id the rows of older exports stop counting; returns what names, for each, the
    row that replaced it (None when no row lost)."""
    has_id = opps["_has_id"].to_numpy(dtype=bool)
    if not has_id.any():
        return None
    newest_first = np.lexsort((opps["line"].to_numpy(), -opps["_file_order"].to_numpy(),
                               -opps["_export_time"].to_numpy().astype("datetime64[ns]").astype(np.int64)))
    # Rows with one id share their first row's position; the winner is the row of the id met first
    # in newest-first order.
    group = first_positions(opps["_dedupe_key"])
    place = np.empty(len(opps), dtype=np.int64)
    place[newest_first] = np.arange(len(opps))
    best = np.full(len(opps), len(opps), dtype=np.int64)
    np.minimum.at(best, group, place)
    winner = newest_first[best[group]]
    losers = has_id & (winner != np.arange(len(opps)))
    if not losers.any():
        return None
    # An id twice in one export is no newer in either row: the first counts, and the second says so.
    file_order = opps["_file_order"].to_numpy()
    same_export = losers & (file_order[winner] == file_order)

    def name(ledger: pd.DataFrame) -> None:
        reason = ledger["reason"].array
        for rows, prefix in ((losers & ~same_export, REPLACED), (same_export, SAME_OPPORTUNITY)):
            if rows.any():
                reason = overlay(reason, rows, row_names(ledger, winner[rows], prefix), ROW_NAME_PREFIXES)
        ledger["reason"] = reason

    # `opps` is the fresh join of the per-file parts, so it is marked where it stands.
    opps.loc[losers, "counted"] = False
    opps.loc[losers, "points"] = 0.0
    return name


def count_once(acts: pd.DataFrame) -> Namer | None:
    """Each activity's rows after its first stop counting; returns what names, for each, the first
    row (None when no row repeats one)."""
    if acts.empty:
        return None
    position = np.arange(len(acts))
    has_id = acts["_has_id"].to_numpy(dtype=bool)
    first = _first_positions_apart(acts["_dedupe_key"], has_id)
    repeat = has_id & (first != position)
    # Without an id, identical rows within one file are separate activities; only other files repeat them.
    file_order = acts["_file_order"].to_numpy()
    repeat_plain = ~has_id & (file_order != file_order[first])
    duplicate = repeat | repeat_plain
    if not duplicate.any():
        return None

    def name(ledger: pd.DataFrame) -> None:
        # A row and the first with its key either both have an id or both have none.
        texts = row_names(ledger, first[duplicate], SAME_ACTIVITY, SAME_ACTIVITY_ID, has_id)
        ledger["reason"] = overlay(ledger["reason"].array, duplicate, texts, ROW_NAME_PREFIXES)

    # `acts` is the fresh join of the per-file parts, so it is marked where it stands.
    acts.loc[duplicate, "counted"] = False
    acts.loc[duplicate, "is_call"] = False
    return name


def _first_positions_apart(keys: pd.Series, has_id: np.ndarray) -> np.ndarray:
    """first_positions of the rows with an id and of those without, apart: no key of one equals a key
    of the other, and the ids alone keep the fast path that equal-width ids take."""
    if has_id.all() or not has_id.any():
        return first_positions(keys)
    first = np.empty(len(keys), dtype=np.int64)
    for group in (has_id, ~has_id):
        rows = np.flatnonzero(group)
        first[rows] = rows[first_positions(keys.iloc[rows].reset_index(drop=True))]
    return first
