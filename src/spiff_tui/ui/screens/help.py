"""`?`: every key the board answers to, taken from the bindings themselves."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

ABOUT = ("Drop Salesforce or HubSpot exports (CSV, XLSX) into the data folder: the board rescores "
         "when a file settles. Edit rules.toml and it rescores with the new rules; an invalid edit "
         "keeps the old rules and shows the error. A broken file never blanks the board.")


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "app.pop_screen", "Close help")]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = bindings

    def compose(self) -> ComposeResult:
        table = Text()
        for key, description in self.keys:
            table.append(f"{key:>9}  ", style="bold cyan")
            table.append(description + "\n")
        table.rstrip()
        with Vertical():
            yield Static(Text("Keys", style="bold"))
            yield Static(table, id="help-keys")
            yield Static(Text(ABOUT), id="help-about")
            yield Static(Text("escape, ? or q closes this", style="dim"))


def describe(app, bindings: list[Binding]) -> list[tuple[str, str]]:
    """(key as shown, what it does) for each binding, first key of each action only once."""
    seen, rows = set(), []
    for binding in bindings:
        if binding.action in seen or not binding.description:
            continue
        seen.add(binding.action)
        shown = binding.key_display or ("enter" if binding.key == "enter" else app.get_key_display(binding))
        rows.append((shown, binding.description))
    return rows
