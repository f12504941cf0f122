"""The boards of a join with new activities exports put among the others (a name that sorts before
theirs), from the last join's marks and ids, without joining or marking every row again.

An activity counts once, at its first row in file and line order. A new export's row is that first
row when no earlier row has its id: neither one of the new rows before it, nor the row where the
last join first has the id, if that row's export comes before the new one's. And that old first
row stops counting when a new row with its id comes before it. Every other row keeps its mark: a
row that repeated an id still repeats it. The boards read no more than which rows count; the rows'
reasons ("same Activity ID as …") are written by joining every export again, after the boards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiff_tui.core.activity_append import SeenIds, added_keys, not_counting, seen_rows
from spiff_tui.core.dedupe import first_by_words
from spiff_tui.core.labels import concat_frames
from spiff_tui.core.scoring import BOARD_COLUMNS


def inserted_board(last: pd.DataFrame, seen: SeenIds, last_lengths: list[int], last_places: list[int],
                   added: list[tuple[int, pd.DataFrame]]) -> pd.DataFrame | None:
    """The boards' columns (scoring.BOARD_COLUMNS) of the rows of `last` (the marked join of parts of
    `last_lengths` rows, which `seen` describes) and of the `added` parts, each given with its place
    among all the parts, as are the last join's parts in `last_places`: marked as a join of all of
    them in place order would mark them. None when an added row has no id, or an id that does not
    hash, or one whose hash another id has."""
    added = sorted(added, key=lambda placed: placed[0])
    rows = concat_frames([part for _, part in added])
    keyed = added_keys(rows)
    earlier = None if keyed is None else seen_rows(seen, *keyed[1:])
    within = None if keyed is None else first_by_words(*keyed[1:])
    if earlier is None or within is None:
        return None
    place = np.repeat([place for place, _ in added], [len(part) for _, part in added])
    # The place of the part holding each id's old first row; none beats every new row's place.
    starts = np.cumsum([0] + last_lengths[:-1])
    has_earlier = earlier >= 0
    earlier_place = np.full(len(rows), np.iinfo(np.int64).max, dtype=np.int64)
    last_part = np.searchsorted(starts, earlier[has_earlier], side="right") - 1
    earlier_place[has_earlier] = np.asarray(last_places)[last_part]
    # Rows of one id share its first new row (`within`): the id's first row overall is that one, or
    # the old first row when its part comes before.
    old_first_wins = earlier_place < place[within]
    repeated = old_first_wins | (within != np.arange(len(rows)))
    lost = np.zeros(len(last), dtype=bool)
    lost[earlier[has_earlier & ~old_first_wins]] = True
    return concat_frames([not_counting(last[BOARD_COLUMNS], lost), not_counting(rows[BOARD_COLUMNS], repeated)])
