"""Messages that carry work from the watcher and the rescore worker to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from spiff_tui.core.snapshot import Snapshot


class FolderChanged(Message):
    """Something in the data folder or the rules file changed: a hint to look, not a fact."""

    def can_replace(self, message: Message) -> bool:
        # A burst of file events is one reason to look, so queued ones collapse into one.
        return isinstance(message, FolderChanged)


class ScoresReady(Message):
    """A rescore finished with a new snapshot (scored with the old rules if the new ones are invalid)."""

    def __init__(self, snapshot: Snapshot, request: int, stamps: frozenset,
                 rules_error: str | None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.request = request
        self.stamps = stamps
        self.rules_error = rules_error


class RescoreFailed(Message):
    """A rescore could not produce a snapshot; the board keeps the one it has."""

    def __init__(self, message: str, request: int, stamps: frozenset) -> None:
        super().__init__()
        self.message = message
        self.request = request
        self.stamps = stamps


class ReadProgress(Message):
    """A rescore has read `done` of the `total` exports it had to read."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total
