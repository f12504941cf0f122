"""Drilldown: every ledger row crediting one rep, counted or not and why, in a virtual table.

The table draws only the lines on screen, so 100,000 rows open fast; a filter or sort mounts a
fresh table over the new rows.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from spiff_tui.core.names import display_text
from spiff_tui.ui import format as fmt
from spiff_tui.ui.ledger_rows import (
    FIELDS,
    LEDGER_COLUMNS,
    display_columns,
    haystack,
    rep_ledger,
    shown,
)
from spiff_tui.ui.widgets.filter_bar import FilterBar
from spiff_tui.ui.widgets.footer import KeyFooter
from spiff_tui.ui.widgets.ledger_table import LedgerTable

if TYPE_CHECKING:
    import pandas as pd

    from spiff_tui.core.snapshot import Snapshot

FILTER_DELAY = 0.15


class RepLedgerScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("e", "export", "Export"),
    ]

    def __init__(self, snapshot: Snapshot, rep: str,
                 rows: pd.DataFrame | concurrent.futures.Future | None = None) -> None:
        """`rows`: the rep's drilldown rows from this snapshot if they are laid out already, or
        being laid out on another thread while this screen is built."""
        super().__init__()
        self.rep = rep
        self.snapshot = snapshot
        self._ready_rows = rows
        self.sort_index: int | None = None
        self.filter_text = ""
        self.frame: pd.DataFrame | None = None
        self.rows: pd.DataFrame | None = None
        self._filter_timer = None
        self._tables = 0
        self._table: LedgerTable | None = None
        self._swap = asyncio.Lock()
        self._haystack: pd.Series | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="ledger-title")
        yield FilterBar(id="ledger-filter")
        yield Vertical(id="ledger-body")
        yield KeyFooter()

    async def on_mount(self) -> None:
        rows, self._ready_rows = self._ready_rows, None
        if isinstance(rows, concurrent.futures.Future):
            rows = await asyncio.wrap_future(rows)
        await self.update_snapshot(self.snapshot, rows)

    @property
    def table(self) -> LedgerTable | None:
        return self._table

    async def update_snapshot(self, snapshot: Snapshot, rows: pd.DataFrame | None = None) -> None:
        """Show this rep's rows from a new snapshot, keeping filter, sort and cursor row."""
        self.snapshot = snapshot
        self.frame = rows if rows is not None else rep_ledger(snapshot.ledger_parts_of(self.rep, FIELDS))
        self._haystack = None
        await self._show_rows()

    async def _show_rows(self) -> None:
        async with self._swap:
            await self._swap_table()

    async def _swap_table(self) -> None:
        assert self.frame is not None
        if self.filter_text.strip() and self._haystack is None:
            self._haystack = haystack(self.frame)
        rows = shown(self.frame, self.filter_text, self.sort_index, self._haystack)
        old = self._table
        cursor = old.cursor_row if old is not None else 0
        shown_columns = display_columns(rows)
        labels = {display: label + (_arrow(descending) if i == self.sort_index else "")
                  for i, (label, display, _, descending) in enumerate(LEDGER_COLUMNS)}
        self._tables += 1
        table = LedgerTable({labels[display]: shown_columns[display] for display in labels},
                            right_aligned=frozenset({labels["show_points"]}), id=f"ledger-table-{self._tables}")
        # Mount the new table before removing the old one, so there is always one to read.
        await self.query_one("#ledger-body", Vertical).mount(table)
        if old is not None:
            await old.remove()
        self._table, self.rows = table, rows
        self._update_title()
        if len(rows):
            table.move_cursor(row=min(cursor, len(rows) - 1), animate=False)
        if not self.query_one(FilterBar).has_focus:
            table.focus()

    def _update_title(self) -> None:
        assert self.frame is not None and self.rows is not None
        team = self.snapshot.rules.team_of.get(self.rep, "")
        counted = self.frame.loc[self.frame["counted"]]
        opportunities = int((counted["kind"] != "activity").sum())
        activities = int((counted["kind"] == "activity").sum())
        title = Text(display_text(self.rep), style="bold")
        title.append(f" · {display_text(team)}" if team else "", style="dim")
        title.append(f" — {fmt.points(counted['points'].sum())} pts · {opportunities} opportunities · "
                     f"{activities} activities counted · {len(self.frame)} rows")
        if len(self.rows) != len(self.frame):
            title.append(f" · showing {len(self.rows)}", style="yellow")
        self.query_one("#ledger-title", Static).update(title)

    def action_back(self) -> None:
        self.dismiss()

    def action_filter(self) -> None:
        self.query_one(FilterBar).open(self.filter_text)

    async def action_sort(self) -> None:
        self.sort_index = 0 if self.sort_index is None else self.sort_index + 1
        if self.sort_index >= len(LEDGER_COLUMNS):
            self.sort_index = None
        await self._show_rows()

    def action_export(self) -> None:
        self.app.export_frame(self.snapshot.ledger_of(self.rep), f"ledger-{self.rep}")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter_text = event.value
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._show_rows)

    def on_filter_bar_done(self, event: FilterBar.Done) -> None:
        if self.table is not None:
            self.table.focus()

    def on_filter_bar_cleared(self, event: FilterBar.Cleared) -> None:
        if self.table is not None:
            self.table.focus()


def _arrow(descending: bool) -> str:
    return " ▼" if descending else " ▲"
