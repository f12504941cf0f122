"""TV mode for the app: cycle Teams → Reps → Activity, hide footer and cursor, show the banner."""

from __future__ import annotations

from textual.timer import Timer
from textual.widgets import TabbedContent

from spiff_tui.ui.widgets.filter_bar import FilterBar
from spiff_tui.ui.widgets.tv_banner import TvBanner

TV_PANES = ("teams", "reps", "activity")
# From this many rows the banner lists five reps instead of three.
TALL_SCREEN = 40


def next_pane(current: str) -> str:
    if current not in TV_PANES:
        return TV_PANES[0]
    return TV_PANES[(TV_PANES.index(current) + 1) % len(TV_PANES)]


class TvMode:
    """Mixed into the App, which provides the tables, `banner` and `tv_interval`."""

    tv: bool = False
    tv_interval: float = 15.0
    _tv_timer: Timer | None = None

    def action_toggle_tv(self) -> None:
        self.set_tv(not self.tv)

    def set_tv(self, on: bool) -> None:
        self.tv = on
        self._close_drilldowns()
        self.screen_stack[0].set_class(on, "-tv")
        self.query_one(FilterBar).display = False
        for table in self.board_tables():
            table.show_cursor = not on
        if self._tv_timer is not None:
            self._tv_timer.stop()
            self._tv_timer = None
        if on:
            self.set_focus(None)  # a focused table would pull its pane back to the front
            self.query_one(TabbedContent).active = TV_PANES[0]
            self._tv_timer = self.set_interval(self.tv_interval, self._tv_next)
        else:
            self._focus_table()
        self._show_tv_banner()

    def _tv_next(self) -> None:
        self.query_one(TabbedContent).active = next_pane(self.active_tab)
        self._show_tv_banner()

    def _show_tv_banner(self) -> None:
        if self.tv:
            top = 5 if self.size.height >= TALL_SCREEN else 3
            self.query_one(TvBanner).show(self.banner, self.active_tab, top)
