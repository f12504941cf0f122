"""Drilldown: a team's members with their points and how far each is from qualifying."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from spiff_tui.core.names import display_text
from spiff_tui.ui import format as fmt
from spiff_tui.ui.boards import member_rows
from spiff_tui.ui.columns import MEMBER_COLUMNS
from spiff_tui.ui.widgets.board_table import BoardTable
from spiff_tui.ui.widgets.filter_bar import FilterBar
from spiff_tui.ui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from spiff_tui.core.snapshot import Snapshot


class TeamScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("e", "export", "Export"),
    ]

    def __init__(self, snapshot: Snapshot, team: str) -> None:
        super().__init__()
        self.team = team
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        yield Static(id="team-title")
        yield FilterBar(id="team-filter")
        yield BoardTable(MEMBER_COLUMNS, id="team-table")
        yield KeyFooter()

    @property
    def table(self) -> BoardTable:
        return self.query_one("#team-table", BoardTable)

    def on_mount(self) -> None:
        self.update_snapshot(self.snapshot)
        self.table.focus()

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        teams = snapshot.view("teams")
        row = teams.loc[teams["team"] == self.team]
        title = Text(display_text(self.team), style="bold")
        if len(row):
            r = row.iloc[0]
            title.append(f" — rank {int(r['rank'])} · {fmt.points(r['total_points'])} points · ")
            title.append("eligible" if r["eligible"] else "not eligible yet",
                         style="green" if r["eligible"] else "red")
        self.query_one("#team-title", Static).update(title)
        self.table.show_rows(member_rows(snapshot, self.team))

    def action_back(self) -> None:
        self.dismiss()

    def action_filter(self) -> None:
        self.query_one(FilterBar).open(self.table.filter_text)

    def action_sort(self) -> None:
        self.notify(f"sorted by {self.table.cycle_sort()}", timeout=2)

    def action_export(self) -> None:
        members = next((t.members for t in self.snapshot.rules.teams if t.name == self.team), ())
        reps = self.snapshot.view("reps")
        self.app.export_frame(reps.loc[reps["rep"].isin(members)], f"team-{self.team}")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.table.set_filter(event.value)

    def on_filter_bar_done(self, event: FilterBar.Done) -> None:
        self.table.focus()

    def on_filter_bar_cleared(self, event: FilterBar.Cleared) -> None:
        self.table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        from spiff_tui.ui.screens.rep_ledger import RepLedgerScreen

        self.app.push_screen(RepLedgerScreen(self.snapshot, event.row_key.value))
