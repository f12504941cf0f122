"""The drilldown of the rep under the board's cursor, laid out while the user reads the board, so
that enter opens it without waiting for a hundred thousand rows to be gathered and formatted."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from textual import work
from textual.widgets import DataTable

if TYPE_CHECKING:
    import pandas as pd

    from spiff_tui.core.snapshot import Snapshot

# A cursor held this long on a rep is worth preparing for; moving on sooner (holding an arrow
# key) prepares nothing.
PREFETCH_DELAY = 0.2
REP_TABLES = ("reps-table", "activity-table")


class PrefetchesDrilldowns:
    """Mixed into the App, which provides `snapshot`, `tv` and the rescore thread."""

    _prefetched: tuple[int, str, pd.DataFrame] | None = None
    _highlighted_rep: str | None = None
    _prefetch_timer = None
    _layout_thread: ThreadPoolExecutor | None = None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id not in REP_TABLES or self.tv or event.row_key is None:
            return
        rep = event.row_key.value
        # The boards redraw the same cursor row on every rescore: only the user moving it counts.
        if rep is None or rep == self._highlighted_rep:
            return
        self._highlighted_rep = rep
        if self._prefetch_timer is not None:
            self._prefetch_timer.stop()
        self._prefetch_timer = self.set_timer(PREFETCH_DELAY, lambda: self._prefetch(rep))

    def _prefetch(self, rep: str) -> None:
        self._prefetch_timer = None
        if (self.snapshot is not None and self.snapshot.full_rows and len(self.screen_stack) == 1
                and rep == self._highlighted_rep):
            self._prefetch_worker(self.snapshot, rep)

    # On the rescore thread: it waits behind a running rescore instead of competing with it.
    @work(thread=True, exclusive=True, exit_on_error=False, group="prefetch")
    def _prefetch_worker(self, snapshot: Snapshot, rep: str) -> None:
        self._prefetched = (snapshot.generation, rep, _rows_of(snapshot, rep))

    def drilldown_rows(self, snapshot: Snapshot, rep: str) -> pd.DataFrame | Future:
        """The rep's drilldown rows if they were laid out from this snapshot (rows from an older
        one are let go); else a future of them, laid out on a thread of the drilldown's own while
        the screen is built (not the rescore thread: a rescore may be running)."""
        kept = self._prefetched
        if kept is not None and kept[0] != snapshot.generation:
            self._prefetched = kept = None
        if kept is not None and kept[1] == rep:
            return kept[2]
        if self._layout_thread is None:
            self._layout_thread = ThreadPoolExecutor(1, thread_name_prefix="spiff-drilldown")
        return self._layout_thread.submit(_rows_of, snapshot, rep)

    def stop_layouts(self) -> None:
        if self._layout_thread is not None:
            self._layout_thread.shutdown(wait=False, cancel_futures=True)


def _rows_of(snapshot: Snapshot, rep: str) -> pd.DataFrame:
    from spiff_tui.ui.ledger_rows import FIELDS, rep_ledger

    return rep_ledger(snapshot.ledger_parts_of(rep, FIELDS))
