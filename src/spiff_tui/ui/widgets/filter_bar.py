"""The `/` filter: an input that narrows the current table as you type; escape clears it."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    """Hidden until `/`; enter keeps the filter and returns to the table, escape clears it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "clear_filter", "Clear filter", show=True)]

    class Cleared(Message):
        """The filter was cleared and the bar closed."""

    class Done(Message):
        """The user is done typing; the filter stays."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="filter rows…  (enter: keep · escape: clear)", id=id, compact=True)
        self.display = False

    def open(self, value: str = "") -> None:
        self.value = value
        self.display = True
        self.focus()

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.post_message(self.Cleared())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.value:
            self.display = False
        self.post_message(self.Done())
