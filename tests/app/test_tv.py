"""TV mode: cycles Teams → Reps → Activity, hides footer and cursor, leaders in large type."""

from __future__ import annotations

from appkit import loaded, make_app, wait_for
from textual.widgets import Digits, Footer


async def test_tv_mode_cycles_panes_and_hides_the_chrome(small):
    app = make_app(small, tv_interval=0.1)
    seen: list[str] = []
    step = app._tv_next

    def record_step() -> None:
        step()
        seen.append(app.active_tab)

    app._tv_next = record_step
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("t")
        assert app.tv
        assert not app.query_one(Footer).display
        assert app.query_one("#tv-banner").display
        assert not app.table("reps-table").show_cursor
        assert app.query_one("#tv-lead-team").render().plain == "ALPHA"
        assert app.query_one(Digits).value == "9"
        top = app.query_one("#tv-top-reps").render().plain.splitlines()
        assert [line.split()[0] for line in top] == ["1", "2", "3"]  # three fit at 80×24
        assert "Ann Lee" in top[0] and top[0].rstrip().endswith("6")

        await wait_for(pilot, lambda: len(seen) >= 4, "the panes to cycle")
        assert seen[:4] == ["reps", "activity", "teams", "reps"]

        await pilot.press("t")
        assert not app.tv
        assert app.query_one(Footer).display
        assert app.table("reps-table").show_cursor
        tab = app.active_tab
        await pilot.pause(0.3)
        assert app.active_tab == tab  # no more cycling


async def test_tv_flag_starts_in_tv_mode_and_shows_more_leaders_at_200x60(small):
    app = make_app(small, tv=True)
    async with app.run_test(size=(200, 60)) as pilot:
        await loaded(pilot)
        assert app.tv and app.active_tab == "teams"
        top = app.query_one("#tv-top-reps").render().plain.splitlines()
        assert len(top) == 4  # up to five at this size; the contest has four reps
        await pilot.press("escape")
        assert not app.tv
