"""Laying a snapshot out for the app: tables updated in place, header, problems, TV banner,
rank movement and Closed Won announcements. Runs on the app's thread, from worker messages."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

from textual.widgets import Static

from spiff_tui.ui.format import bar_width
from spiff_tui.ui.messages import ReadProgress, RescoreFailed, ScoresReady
from spiff_tui.ui.widgets.header import BoardHeader
from spiff_tui.ui.widgets.tv_banner import banner_of

if TYPE_CHECKING:
    from rich.text import Text

    from spiff_tui.core.snapshot import Snapshot
    from spiff_tui.ui.last_board import Banner, BoardCard


class ShowsScores:
    """Mixed into the App, which provides the tables, `snapshot`, `rules_error` and `failure`."""

    _ranks_now: dict[str, int] | None = None
    _ranks_before: dict[str, int] = {}  # noqa: RUF012 — replaced, never mutated
    _bar_width = 0
    card: BoardCard | None = None   # the last run's board, while no snapshot is shown
    _last_full: Snapshot | None = None   # the last snapshot shown with every ledger row's columns
    banner: Banner | None = None
    keeps_last_board = True

    def on_rescore_started(self) -> None:
        self._show_header(busy=True)

    def on_rows_ready(self) -> None:
        """Hook for the app: the first snapshot with every ledger row's columns is shown."""

    def on_read_progress(self, message: ReadProgress) -> None:
        if self.rescoring:   # a late message after the result is shown says nothing new
            self._show_header(busy=True, progress=(message.done, message.total))

    async def on_scores_ready(self, message: ScoresReady) -> None:
        if self.is_stale(message):
            return
        previous, snapshot = self.snapshot, message.snapshot
        self.snapshot, self.rules = snapshot, snapshot.rules
        if message.rules_error and message.rules_error != self.rules_error:
            self.notify(message.rules_error, title="rules.toml not applied", severity="error",
                        timeout=10, markup=False)
        self.rules_error, self.failure = message.rules_error, None
        self._track_ranks(snapshot)
        self.banner = banner_of(snapshot)
        shown = self._show_boards(flash=previous is not None or self.card is not None)
        self.card = None
        # A boards-only snapshot is followed by the full one from the same rescore.
        self._show_header(busy=not snapshot.full_rows)
        if not snapshot.full_rows:
            return
        if self.keeps_last_board and not message.rules_error and shown is not None:
            self._keep_board(snapshot, *shown, message.stamps)
        # Against the last snapshot with rows: `previous` may be this rescore's boards alone.
        if self._last_full is not None:
            self._announce_closed_won(self._last_full, snapshot)
        self._last_full = snapshot
        for screen in self.screen_stack[1:]:
            update = getattr(screen, "update_snapshot", None)
            if update is not None:
                result = update(snapshot)
                if inspect.isawaitable(result):
                    await result
        if previous is not None and not previous.full_rows:
            self.on_rows_ready()

    def on_rescore_failed(self, message: RescoreFailed) -> None:
        if self.is_stale(message):
            return
        if message.message != self.failure:
            self.notify(message.message, title="rescore failed", severity="error", timeout=10, markup=False)
        self.failure = message.message
        self._show_header()
        self._show_problems()

    def _track_ranks(self, snapshot: Snapshot) -> None:
        from spiff_tui.ui.boards import ranks

        current = ranks(snapshot)
        if self._ranks_now is not None and current != self._ranks_now:
            self._ranks_before = self._ranks_now
        self._ranks_now = current

    def _show_boards(self, flash: bool) -> tuple[dict[str, list], Text] | None:
        """Lay the snapshot out; returns the boards' rows by table id, and the activity caption."""
        from spiff_tui.ui import boards

        snapshot = self.snapshot
        if snapshot is None:
            return None
        self._bar_width = bar_width(self.size.width)
        shown = {"reps-table": boards.reps_rows(snapshot, self._ranks_before),
                 "activity-table": boards.activity_rows(snapshot, self._bar_width),
                 "teams-table": boards.teams_rows(snapshot),
                 "files-table": boards.files_rows(snapshot)}
        caption = boards.activity_caption(snapshot)
        with self.batch_update():
            for table_id, rows in shown.items():
                self.table(table_id).show_rows(rows, flash)
            self.query_one("#activity-caption", Static).update(caption)
            self._show_problems()
            self._show_tv_banner()
        if self.focused is None and not self.tv and len(self.screen_stack) == 1:
            self.current_table().focus()
        return shown, caption

    def _show_problems(self) -> None:
        from spiff_tui.ui import boards

        extra = [("error", str(self.rules_path.name), "", f"{message} — {what}")
                 for message, what in ((self.rules_error, "the previous rules are kept"),
                                       (self.failure, "the last good scores are kept")) if message]
        self.table("problems-table").show_rows(boards.problem_rows(extra + boards.snapshot_problems(self.snapshot)))

    # The last run's board: shown at start while the folder is read, kept after every rescore.

    def show_last_board(self) -> None:
        """Show the card kept for this folder, if it was scored from the very files and rules there now."""
        from spiff_tui.ui.boards import problem_rows
        from spiff_tui.ui.last_board import card_key, load_card
        from spiff_tui.ui.rescore import folder_stamps

        card = load_card(self.data_dir, card_key(folder_stamps(self.data_dir, self.rules_path), self.today()))
        if card is None:
            return
        self.card, self.banner = card, card.banner
        self._ranks_now, self._ranks_before = card.ranks, card.ranks_before
        with self.batch_update():
            for table_id, rows in card.tables.items():
                self.table(table_id).show_rows(rows, flash=False)
            self.table("problems-table").show_rows(problem_rows(list(card.problems)), flash=False)
            self.query_one("#activity-caption", Static).update(card.caption)
            self._show_tv_banner()
        self._show_header()

    def _keep_board(self, snapshot: Snapshot, shown: dict[str, list], caption: Text, stamps: frozenset) -> None:
        from spiff_tui.ui.boards import snapshot_problems
        from spiff_tui.ui.last_board import BoardCard, card_key, plain_rows, save_card
        from spiff_tui.ui.widgets.header import scored_line

        card = BoardCard(tables={table_id: plain_rows(rows) for table_id, rows in shown.items()},
                         problems=tuple(snapshot_problems(snapshot)),
                         caption=caption, header=scored_line(snapshot), banner=self.banner,
                         ranks=dict(self._ranks_now or {}), ranks_before=dict(self._ranks_before),
                         scored_at=snapshot.scored_at)
        save_card(self.data_dir, card_key(stamps, snapshot.as_of), card)

    def _show_header(self, busy: bool = False, progress: tuple[int, int] | None = None) -> None:
        note = "" if self.watcher is None or self.watcher.kind != "polling" else "polling"
        self.query_one(BoardHeader).show(self.snapshot, busy=busy, rules_error=self.rules_error,
                                         failure=self.failure, note=note, progress=progress,
                                         last_run=self.card.header if self.card is not None else None)

    def _announce_closed_won(self, previous: Snapshot, snapshot: Snapshot) -> None:
        from spiff_tui.core.names import display_text
        from spiff_tui.ui.boards import new_closed_won
        from spiff_tui.ui.format import points

        deals = new_closed_won(previous, snapshot)
        for deal in deals[:3]:
            self.notify(f"{display_text(deal['rep'])} closed {display_text(deal['account']) or 'a deal'} "
                        f"(+{points(deal['points'])} points)", title="🎉 Closed Won", timeout=8, markup=False)
        if len(deals) > 3:
            self.notify(f"and {len(deals) - 3} more Closed Won deals", title="🎉 Closed Won", markup=False)

    def on_resize(self) -> None:
        if self.snapshot is not None and bar_width(self.size.width) != self._bar_width:
            from spiff_tui.ui import boards

            self._bar_width = bar_width(self.size.width)
            self.table("activity-table").show_rows(boards.activity_rows(self.snapshot, self._bar_width),
                                                   flash=False)
        self._show_tv_banner()
