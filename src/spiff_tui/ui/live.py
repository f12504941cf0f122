"""Live scoring for the app: the injected watcher, debounce, settle check, rescan timer and the
one rescore worker. Results come back as messages; nothing here touches a widget."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from spiff_tui.ui.housekeeping import drop_removed_widget_renders
from spiff_tui.ui.messages import FolderChanged, ReadProgress, RescoreFailed, ScoresReady
from spiff_tui.ui.rescore import (
    DEBOUNCE_SECONDS,
    SETTLE_SECONDS,
    Outcome,
    Settle,
    folder_stamps,
    rescore,
)

if TYPE_CHECKING:
    from spiff_tui.core.folder import FolderReader
    from spiff_tui.core.ledger import ScoringMemo
    from spiff_tui.core.rules import Rules
    from spiff_tui.ui.watcher import FolderWatcher

WatcherFactory = Callable[[Path, Path, Callable[[], None]], "FolderWatcher"]


def default_watcher(folder: Path, rules_path: Path, notify: Callable[[], None]) -> FolderWatcher:
    from spiff_tui.ui.watcher import FolderWatcher

    return FolderWatcher(folder, rules_path, notify)


class LiveScoring:
    """Mixed into the App. Call `init_live` in __init__, `start_live` once the first frame is up."""

    data_dir: Path
    rules_path: Path
    as_of: dt.date | None
    rules: Rules | None

    def init_live(self, watcher_factory: WatcherFactory | None, rescan_seconds: float) -> None:
        # Made by the first rescore, so the first frame is drawn before pandas is imported.
        self._reader: FolderReader | None = None
        self._memo: ScoringMemo | None = None
        self._watcher_factory = watcher_factory
        self._rescan_seconds = rescan_seconds
        self.watcher: FolderWatcher | None = None
        self._settle = Settle()
        self._look_timer: Timer | None = None
        self._busy = False
        self._pending = False
        self._requests = 0
        self._applied_request = 0
        self.scored_stamps: frozenset | None = None

    def start_live(self) -> None:
        # Thread workers run on the loop's default executor, which adds a thread whenever a rescore
        # is queued before the last one's thread is idle again, up to six. Rescores run one at a time
        # anyway: one thread, made once, keeps the thread count flat for weeks on the wall.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="spiff-rescore"))
        self._start_watcher()
        self.set_interval(self._rescan_seconds, self._rescan)
        self.request_rescore()

    def stop_live(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        if self._reader is not None:
            import gc

            # What was frozen lived as long as this app; the process may go on without it.
            gc.unfreeze()

    def _start_watcher(self) -> None:
        if self._watcher_factory is None:
            return
        try:
            self.watcher = self._watcher_factory(self.data_dir, self.rules_path,
                                                 lambda: self.post_message(FolderChanged()))
            self.watcher.start()
        except Exception as exc:  # noqa: BLE001 — without events the rescan timer still keeps the board live
            self.watcher = None
            self.notify(f"not watching the folder ({exc}); rescanning every {self._rescan_seconds:g} s",
                        severity="warning", markup=False)

    @property
    def rescoring(self) -> bool:
        """A rescore is running, queued, or waiting for the folder to settle."""
        return self._busy or self._pending or self._look_timer is not None

    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

    # Hints: debounce, then two looks that agree.

    def on_folder_changed(self, message: FolderChanged) -> None:
        self._settle.reset()
        if self._look_timer is not None:
            self._look_timer.stop()
        self._look_timer = self.set_timer(DEBOUNCE_SECONDS, self._look)

    def _look(self) -> None:
        self._look_timer = None
        stamps = folder_stamps(self.data_dir, self.rules_path)
        if not self._settle.observe(stamps):
            self._look_timer = self.set_timer(SETTLE_SECONDS, self._look)
            return
        self._settle.reset()
        if stamps != self.scored_stamps:
            self.request_rescore()

    def _rescan(self) -> None:
        """Catch what events missed: a dead observer, a new day, a changed file."""
        drop_removed_widget_renders()
        if self._busy:
            return
        if self.watcher is not None and not self.watcher.is_alive():
            try:
                self.watcher.restart()
            except Exception:  # noqa: BLE001 — the rescan timer keeps the board live without it
                self.watcher = None
        snapshot = getattr(self, "snapshot", None)
        if self.as_of is None and snapshot is not None and snapshot.as_of != dt.date.today():
            self.request_rescore()
        elif self._look_timer is None and folder_stamps(self.data_dir, self.rules_path) != self.scored_stamps:
            self._look()

    # The worker: one at a time; a request while it runs is remembered and run after.

    def request_rescore(self, forget: bool = False) -> None:
        if not self.is_running:  # shutting down: no new worker, no header to show it on
            return
        if forget and self._reader is not None:
            self._reader.forget()
        if self._busy:
            self._pending = True
            return
        self._busy = True
        self._requests += 1
        self.on_rescore_started()
        self._rescore_worker(self._requests)

    def _engine_caches(self) -> tuple[FolderReader, ScoringMemo]:
        """What rescores keep between runs: parsed files by (size, mtime), scored rows per file."""
        if self._reader is None or self._memo is None:
            from spiff_tui.core.folder import FolderReader
            from spiff_tui.core.ledger import ScoringMemo
            from spiff_tui.core.snapshot import one_shot_workers

            # The first rescore, with an empty board waiting, reads and scores files two at a time
            # as the CLI does; after it the board has scores to show, and rescores go one file at a
            # time so they never compete with themselves for the board's CPU or memory.
            workers = one_shot_workers()
            self._reader, self._memo = FolderReader(keep_last_good=True, workers=workers), ScoringMemo(workers)
            _freeze_what_lives_forever()
        return self._reader, self._memo

    @work(thread=True, exclusive=True, exit_on_error=False, group="rescore")
    def _rescore_worker(self, request: int) -> None:
        reader, memo = self._engine_caches()
        worker = get_current_worker()

        def show(outcome: Outcome) -> None:
            if worker.is_cancelled:
                return
            if outcome.snapshot is not None:
                self.post_message(ScoresReady(outcome.snapshot, request, outcome.stamps, outcome.rules_error))
            else:
                self.post_message(RescoreFailed(outcome.failure or "rescore failed", request, outcome.stamps))

        # The boards' numbers first, then the rows behind them, where that brings the numbers sooner
        # (snapshot.score): the first rescore, and any that joins every activities export anew.
        outcome = rescore(self.data_dir, self.rules_path, reader, self.rules, self.today(), memo,
                          lambda done, total: self.post_message(ReadProgress(done, total)), boards_first=show)
        if outcome.snapshot is not None:
            reader.workers = memo.workers = 1
        show(outcome)
        try:
            memo.finish_later()
        except Exception:  # noqa: BLE001 — only speeds up a later rescore, which can do without it
            memo.forget_later()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "rescore" or event.state not in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        if event.state == WorkerState.ERROR:
            self.post_message(RescoreFailed(f"rescore failed: {event.worker.error}", self._requests,
                                            self.scored_stamps or frozenset()))
        self._busy = False
        if self._pending:
            self._pending = False
            self.request_rescore()

    def is_stale(self, message: ScoresReady | RescoreFailed) -> bool:
        # A result that arrives while the app shuts down finds its widgets already removed.
        if not self.is_running or message.request < self._applied_request:
            return True
        self._applied_request = message.request
        self.scored_stamps = message.stamps
        return False

    def on_rescore_started(self) -> Any:
        """Hook for the app to show that a rescore is running."""


def _freeze_what_lives_forever() -> None:
    """Leave everything alive before the first read (modules, classes, the app's own widgets) out of
    later garbage collections: with pandas, Arrow and Textual loaded, a full collection otherwise
    walks them all, a tenth of a second of stalled screen every time (a drilldown opening, a
    scroll). Done before any data is read, so no scored rows can be caught by it."""
    import gc

    # The engine's lazily imported modules belong with the rest.
    import pyarrow.compute
    import pyarrow.csv  # noqa: F401

    gc.freeze()
    gc.enable()   # stopped while the process started up (cli.run)
