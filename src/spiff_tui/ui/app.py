"""The live board: header, Reps / Activity / Teams / Data tabs, drilldowns, TV mode.

Scoring runs in a thread worker (see live.py); this module only lays out what a snapshot says.
Nothing heavy is imported at the top, so the first frame is drawn before pandas loads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from spiff_tui.ui.columns import (
    ACTIVITY_COLUMNS,
    FILES_COLUMNS,
    PROBLEMS_COLUMNS,
    REPS_COLUMNS,
    TEAMS_COLUMNS,
)
from spiff_tui.ui.commands import SpiffCommands
from spiff_tui.ui.live import LiveScoring, WatcherFactory, default_watcher
from spiff_tui.ui.prefetch import PrefetchesDrilldowns
from spiff_tui.ui.rescore import RESCAN_SECONDS
from spiff_tui.ui.showing import ShowsScores
from spiff_tui.ui.tv import TV_PANES, TvMode
from spiff_tui.ui.widgets.board_table import BoardTable
from spiff_tui.ui.widgets.filter_bar import FilterBar
from spiff_tui.ui.widgets.footer import KeyFooter
from spiff_tui.ui.widgets.header import BoardHeader
from spiff_tui.ui.widgets.tv_banner import TvBanner

if TYPE_CHECKING:
    import pandas as pd

    from spiff_tui.core.rules import Rules
    from spiff_tui.core.snapshot import Snapshot

BOARD_TABLES = ("reps-table", "activity-table", "teams-table", "files-table", "problems-table")
TAB_KEYS = Binding.Group("Tabs", compact=True)


class SpiffApp(LiveScoring, ShowsScores, PrefetchesDrilldowns, TvMode, App[int]):
    # The screens' stylesheets too: a stylesheet first met when its screen is pushed makes Textual
    # reparse every style and restyle the whole app, a tenth of a second on each first drilldown.
    CSS_PATH: ClassVar[list[str]] = ["app.tcss", "screens/rep_ledger.tcss", "screens/team.tcss",
                                     "screens/help.tcss"]
    TITLE = "spiff-tui"
    AUTO_FOCUS = None  # focus is set on mount: the reps table, or nothing in TV mode
    COMMANDS = App.COMMANDS | {SpiffCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_tab('reps')", "Reps", group=TAB_KEYS),
        Binding("2", "show_tab('activity')", "Activity", group=TAB_KEYS),
        Binding("3", "show_tab('teams')", "Teams", group=TAB_KEYS),
        Binding("4", "show_tab('data')", "Data", group=TAB_KEYS),
        Binding("enter", "drill", "Open", show=False),
        Binding("escape", "back", "Back", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("r", "rescore", "Rescore"),
        Binding("t", "toggle_tv", "TV"),
        Binding("e", "export", "Export"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, data_dir: Path, rules_path: Path, as_of: dt.date | None = None, *,
                 tv: bool = False, tv_interval: float = 15.0,
                 watcher_factory: WatcherFactory | None = default_watcher,
                 rescan_seconds: float = RESCAN_SECONDS, last_board: bool = True) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.rules_path = Path(rules_path)
        self.as_of = as_of
        self.rules: Rules | None = None
        self.snapshot: Snapshot | None = None
        self.rules_error: str | None = None
        self.failure: str | None = None
        self.tv_interval = tv_interval
        self._start_tv = tv
        self._rep_to_open: str | None = None
        # Show the last run's board at start, and keep each new one for the next start.
        self.keeps_last_board = last_board
        self.init_live(watcher_factory, rescan_seconds)

    def compose(self) -> ComposeResult:
        yield BoardHeader(id="header")
        yield TvBanner(id="tv-banner")
        with TabbedContent(initial=TV_PANES[0] if self._start_tv else "reps", id="tabs"):
            with TabPane("Reps", id="reps"):
                yield BoardTable(REPS_COLUMNS, id="reps-table")
            with TabPane("Activity", id="activity"):
                yield Static(id="activity-caption", classes="section")
                yield BoardTable(ACTIVITY_COLUMNS, id="activity-table")
            with TabPane("Teams", id="teams"):
                yield BoardTable(TEAMS_COLUMNS, id="teams-table")
            with TabPane("Data", id="data"):
                yield Static("Files", classes="section")
                yield BoardTable(FILES_COLUMNS, id="files-table", flash=False)
                yield Static("Problems", classes="section")
                yield BoardTable(PROBLEMS_COLUMNS, id="problems-table", flash=False)
        yield FilterBar(id="filter")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self._start_tv:
            self.set_tv(True)
        else:
            self.table("reps-table").focus()
        if self.keeps_last_board:
            self.show_last_board()
        # The first frame goes out before the engine (and pandas) is loaded by the first rescore.
        self.call_after_refresh(self.start_live)

    def on_unmount(self) -> None:
        self.stop_live()
        self.stop_layouts()

    # Lookups.

    def table(self, table_id: str) -> BoardTable:
        return self.query_one(f"#{table_id}", BoardTable)

    def board_tables(self) -> list[BoardTable]:
        return [self.table(table_id) for table_id in BOARD_TABLES]

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def current_table(self) -> BoardTable:
        """The focused table of the active tab, else the tab's first table."""
        pane_tables = list(self.query_one(f"TabPane#{self.active_tab}").query(BoardTable))
        focused = self.focused
        return focused if focused in pane_tables else pane_tables[0]

    # Actions.

    def action_show_tab(self, tab: str) -> None:
        self._close_drilldowns()
        self.query_one(TabbedContent).active = tab
        if self.tv:
            self._show_tv_banner()
        else:
            self._focus_table()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        filter_bar = self.query_one(FilterBar)
        if filter_bar.display:
            filter_bar.display = False
        for table in self.board_tables():
            if table.filter_text:
                table.set_filter("")
        if not self.tv:
            # The pane is shown after this message, and a hidden table cannot take focus.
            self.call_after_refresh(self._focus_table)

    def action_drill(self) -> None:
        table = self.current_table()
        if table.selected_key is not None:
            self._drill(table, table.selected_key)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, BoardTable) and event.data_table.id in BOARD_TABLES:
            event.stop()
            self._drill(event.data_table, event.row_key.value)

    def _drill(self, table: BoardTable, key: str) -> None:
        if self.tv or key is None:
            return
        if table.id in ("reps-table", "activity-table"):
            self.open_rep(key)
        elif table.id == "teams-table":
            self.open_team(key)
        elif table.id == "files-table":
            problems = self.table("problems-table")
            problems.set_filter(key)
            problems.focus()
            self.notify(f"problems of {key} (escape shows all)", timeout=3, markup=False)

    def open_rep(self, rep: str) -> None:
        from spiff_tui.ui.screens.rep_ledger import RepLedgerScreen

        if self._scored("drilldowns", rows=True, rep=rep):
            self.push_screen(RepLedgerScreen(self.snapshot, rep, self.drilldown_rows(self.snapshot, rep)))

    def open_team(self, team: str) -> None:
        from spiff_tui.ui.screens.team import TeamScreen

        if self._scored("drilldowns"):
            self.push_screen(TeamScreen(self.snapshot, team))

    def _scored(self, what: str, rows: bool = False, rep: str | None = None) -> bool:
        """Whether there is a snapshot (with every ledger row's columns, if `rows`); the last run's
        board alone has no rows behind it to show. A rep asked for while the first board's rows are
        still being gathered is opened when they are."""
        if self.snapshot is None and self.card is not None:
            self.notify(f"the board is the last run's until the folder is read; {what} open then",
                        timeout=4, markup=False)
        if rows and self.snapshot is not None and not self.snapshot.full_rows:
            if self.rescoring:
                self._rep_to_open = rep
                self.notify(f"gathering the rows behind the board; {rep}'s opens in a moment",
                            timeout=3, markup=False)
            else:   # the rescore failed after the boards were shown: the header says why
                self.notify("the rows behind the board could not be gathered; r rescores",
                            severity="warning", timeout=4, markup=False)
            return False
        return self.snapshot is not None

    def on_rows_ready(self) -> None:
        """The first full snapshot is shown: open the rep asked for while it was being scored."""
        rep, self._rep_to_open = self._rep_to_open, None
        if rep is not None and len(self.screen_stack) == 1 and not self.tv:
            self.open_rep(rep)

    def action_back(self) -> None:
        if self.tv:
            self.set_tv(False)
            return
        table = self.current_table()
        if table.filter_text:
            table.set_filter("")
            self.query_one(FilterBar).display = False

    def action_filter(self) -> None:
        if not self.tv:
            self.query_one(FilterBar).open(self.current_table().filter_text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.current_table().set_filter(event.value)

    def on_filter_bar_done(self, event: FilterBar.Done) -> None:
        self._focus_table()

    def on_filter_bar_cleared(self, event: FilterBar.Cleared) -> None:
        self._focus_table()

    def _focus_table(self) -> None:
        self.current_table().focus()

    def action_sort(self) -> None:
        if not self.tv:
            self.notify(f"sorted by {self.current_table().cycle_sort()}", timeout=2, markup=False)

    def action_rescore(self) -> None:
        self.request_rescore()

    def action_reload_rules(self) -> None:
        self.request_rescore(forget=True)

    def action_export(self) -> None:
        if self.snapshot is None and self.card is None:
            self.notify("nothing to export yet", severity="warning")
            return
        if not self._scored("exports"):
            return
        tab = self.active_tab
        if tab == "data":
            from spiff_tui.core.report import file_table

            self.export_frame(file_table(self.snapshot), "files")
        else:
            self.export_frame(self.snapshot.view(tab), tab)

    def export_frame(self, frame: pd.DataFrame, view: str) -> None:
        from spiff_tui.ui.exporting import export_csv, export_folder

        try:
            path = export_csv(frame, view, export_folder(Path.cwd(), self.data_dir), dt.datetime.now())
        except OSError as exc:
            self.notify(f"export failed: {exc.strerror or exc}", severity="error", markup=False)
            return
        self.notify(f"exported {len(frame)} rows to {path}", title="Export", timeout=8, markup=False)

    def action_help(self) -> None:
        from spiff_tui.ui.screens.help import HelpScreen, describe

        screen_bindings = list(getattr(self.screen, "BINDINGS", [])) if len(self.screen_stack) > 1 else []
        extra = [Binding("enter", "drill", "Open: a rep's ledger, a team's members, a file's problems"),
                 Binding("escape", "back", "Back; clear the filter; leave TV mode"),
                 Binding("ctrl+p", "command_palette", "Command palette: open rep…, reload rules")]
        self.push_screen(HelpScreen(describe(self, screen_bindings + extra + list(self.BINDINGS))))

    def _close_drilldowns(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()


def run_app(data_dir: Path, rules_path: Path, as_of: dt.date | None, *, tv: bool = False,
            tv_interval: float = 15.0, last_board: bool = True) -> int:
    app = SpiffApp(data_dir, rules_path, as_of, tv=tv, tv_interval=tv_interval, last_board=last_board)
    result = app.run()
    return result if isinstance(result, int) else app.return_code or 0
