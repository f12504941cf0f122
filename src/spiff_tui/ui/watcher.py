"""Watch the data folder and the rules file; post one coalescing hint per burst, never raise.

The watcher is a hint source only: the app debounces, waits for files to settle and rescans on
a timer too, because file-system events can be lost or arrive out of order.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from spiff_tui.core.export_names import is_export_name

# Writes, renames and deletions only: opening or reading a file (ours included) is never a change,
# and with inotify these filters mean IN_OPEN, IN_ACCESS and IN_CLOSE_NOWRITE are not even asked for.
WATCHED_EVENTS = [FileCreatedEvent, FileModifiedEvent, FileAttribEvent, FileMovedEvent,
                  FileDeletedEvent, FileClosedEvent, DirDeletedEvent, DirMovedEvent]
CHANGE_TYPES = {"created", "modified", "attrib", "moved", "deleted", "closed"}


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher) -> None:
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            if self._watcher.is_relevant(event):
                self._watcher.notify()
        except Exception:  # noqa: BLE001, S110 — a watchdog thread that raises dies silently; the rescan covers us
            pass


class FolderWatcher:
    """One observer over the data folder (not recursive) and the folder of the rules file."""

    def __init__(self, folder: Path, rules_path: Path, notify: Callable[[], None],
                 observer_factory: Callable[[], BaseObserver] = Observer) -> None:
        self.folder = Path(os.path.abspath(folder))
        self.rules_path = Path(os.path.abspath(rules_path))
        self.notify = notify
        self._observer_factory = observer_factory
        self._observer: BaseObserver | None = None
        self.kind = ""

    def is_relevant(self, event: FileSystemEvent) -> bool:
        if event.event_type not in CHANGE_TYPES:
            return False
        paths = [os.fsdecode(event.src_path)]
        if event.dest_path:
            paths.append(os.fsdecode(event.dest_path))
        return any(self._is_watched_path(Path(p), event.is_directory) for p in paths if p)

    def _is_watched_path(self, path: Path, is_directory: bool) -> bool:
        if is_directory:
            return path == self.folder or path == self.rules_path.parent
        if path == self.rules_path:
            return True
        return path.parent == self.folder and is_export_name(path.name)

    def start(self) -> str:
        """Start watching; fall back to polling when inotify cannot start (e.g. its limits are hit)."""
        try:
            self._observer = self._started(self._observer_factory())
            self.kind = "events"
        except OSError:
            self._observer = self._started(PollingObserver(timeout=1.0))
            self.kind = "polling"
        return self.kind

    def _folders(self) -> list[Path]:
        """The folders there are to watch: those of the data folder and the rules folder that exist."""
        return [folder for folder in dict.fromkeys([self.folder, self.rules_path.parent]) if folder.is_dir()]

    def _started(self, observer: BaseObserver) -> BaseObserver:
        handler = _Handler(self)
        for folder in self._folders():
            observer.schedule(handler, str(folder), recursive=False, event_filter=WATCHED_EVENTS)
        observer.daemon = True
        try:
            observer.start()
        except BaseException:
            _stop(observer)
            raise
        return observer

    def is_alive(self) -> bool:
        """The observer runs and watches every folder there is to watch.

        A watched folder that is deleted ends its emitter while the observer thread lives on, and a
        folder that appears later is not watched at all: either way this is False, so the app's
        rescan restarts the watcher.
        """
        observer = self._observer
        if observer is None or not observer.is_alive():
            return False
        try:
            watching = {Path(emitter.watch.path) for emitter in list(observer.emitters) if emitter.is_alive()}
        except RuntimeError:  # the emitters changed while we looked; look again on the next rescan
            return True
        return watching == set(self._folders())

    def restart(self) -> str:
        self.stop()
        return self.start()

    def stop(self) -> None:
        if self._observer is not None:
            _stop(self._observer)
            self._observer = None


def _stop(observer: BaseObserver) -> None:
    try:
        observer.stop()
        if observer.is_alive():
            observer.join(timeout=2.0)
    except Exception:  # noqa: BLE001, S110 — stopping a broken observer must not stop the app
        pass
