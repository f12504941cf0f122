"""Laying a snapshot out for the app: tables updated in place, header, problems, TV banner,
rank movement and Closed Won announcements. Runs on the app's thread, from worker messages."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

from textual.widgets import Static

from spiff_tui.ui.format import bar_width
from spiff_tui.ui.messages import ReadProgress, RescoreFailed, ScoresReady
from spiff_tui.ui.widgets.header import BoardHeader

if TYPE_CHECKING:
    from spiff_tui.core.snapshot import Snapshot


class ShowsScores:
    """Mixed into the App, which provides the tables, `snapshot`, `rules_error` and `failure`."""

    _ranks_now: dict[str, int] | None = None
    _ranks_before: dict[str, int] = {}  # noqa: RUF012 — replaced, never mutated
    _bar_width = 0

    def on_rescore_started(self) -> None:
        self._show_header(busy=True)

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
        self._show_boards(flash=previous is not None)
        self._show_header()
        if previous is not None:
            self._announce_closed_won(previous, snapshot)
        for screen in self.screen_stack[1:]:
            update = getattr(screen, "update_snapshot", None)
            if update is not None:
                result = update(snapshot)
                if inspect.isawaitable(result):
                    await result

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

    def _show_boards(self, flash: bool) -> None:
        from spiff_tui.ui import boards

        snapshot = self.snapshot
        if snapshot is None:
            return
        self._bar_width = bar_width(self.size.width)
        with self.batch_update():
            self.table("reps-table").show_rows(boards.reps_rows(snapshot, self._ranks_before), flash)
            self.table("activity-table").show_rows(boards.activity_rows(snapshot, self._bar_width), flash)
            self.query_one("#activity-caption", Static).update(boards.activity_caption(snapshot))
            self.table("teams-table").show_rows(boards.teams_rows(snapshot), flash)
            self.table("files-table").show_rows(boards.files_rows(snapshot), flash)
            self._show_problems()
            self._show_tv_banner()
        if self.focused is None and not self.tv and len(self.screen_stack) == 1:
            self.current_table().focus()

    def _show_problems(self) -> None:
        from spiff_tui.ui import boards

        extra = [("error", str(self.rules_path.name), "", f"{message} — {what}")
                 for message, what in ((self.rules_error, "the previous rules are kept"),
                                       (self.failure, "the last good scores are kept")) if message]
        self.table("problems-table").show_rows(
            boards.problem_rows(extra + boards.snapshot_problems(self.snapshot)))

    def _show_header(self, busy: bool = False, progress: tuple[int, int] | None = None) -> None:
        note = "" if self.watcher is None or self.watcher.kind != "polling" else "polling"
        self.query_one(BoardHeader).show(self.snapshot, busy=busy, rules_error=self.rules_error,
                                         failure=self.failure, note=note, progress=progress)

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
