"""Every key of the board: tabs, drilldowns and back, filter, sort, rescore, TV, export, help, quit."""

from __future__ import annotations

from pathlib import Path

from appkit import loaded, make_app, rescored, wait_for

from spiff_tui.ui.screens.help import HelpScreen
from spiff_tui.ui.screens.rep_ledger import RepLedgerScreen
from spiff_tui.ui.screens.team import TeamScreen


async def test_number_keys_switch_tabs_and_focus_their_table(small):
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        for key, tab in (("2", "activity"), ("3", "teams"), ("4", "data"), ("1", "reps")):
            await pilot.press(key)
            assert app.active_tab == tab
            assert app.focused is app.current_table()


async def test_enter_opens_a_reps_ledger_and_escape_restores_the_cursor(small):
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("down", "down")  # Cy Dunn
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RepLedgerScreen) and app.screen.table,
                       "the ledger screen")
        screen = app.screen
        assert screen.rep == "Cy Dunn"
        # Cy has one opportunity (Demo, 2 points) and two calls, all counted; opportunities first.
        assert list(screen.rows["stage_or_type"]) == ["Demo", "Call", "Call"]
        assert list(screen.rows["show_counted"]) == ["✓", "✓", "✓"]
        assert list(screen.rows["show_points"]) == ["2", "0", "0"]
        assert list(screen.rows["show_where"]) == ["opps.csv:5", "acts.csv:5", "acts.csv:6"]
        await pilot.press("escape")
        assert not isinstance(app.screen, RepLedgerScreen)
        assert app.focused is app.table("reps-table")
        assert app.table("reps-table").selected_key == "Cy Dunn"


async def test_the_rep_under_the_cursor_is_laid_out_before_enter_and_only_for_that_snapshot(small):
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("down", "down")  # Cy Dunn
        await wait_for(pilot, lambda: app._prefetched is not None and app._prefetched[1] == "Cy Dunn",
                       "Cy's rows laid out")
        prefetched = app._prefetched[2]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RepLedgerScreen) and app.screen.table,
                       "the ledger screen")
        assert app.screen.frame is prefetched   # nothing gathered again
        assert list(app.screen.rows["show_where"]) == ["opps.csv:5", "acts.csv:5", "acts.csv:6"]
        await pilot.press("escape")
        # Rows laid out from an older snapshot are not shown after a rescore.
        await pilot.press("up")   # Bo
        await wait_for(pilot, lambda: app._prefetched is not None and app._prefetched[1] != "Cy Dunn",
                       "the next rep's rows")
        rep, stale, generation = app._prefetched[1], app._prefetched[2], app.snapshot.generation
        await pilot.press("r")
        await rescored(pilot, generation)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RepLedgerScreen) and app.screen.table,
                       "the ledger screen")
        assert app.screen.rep == rep and app.screen.snapshot is app.snapshot
        assert app.screen.frame is not stale and app._prefetched is None   # let go
        assert list(app.screen.frame["show_where"]) == list(stale["show_where"])   # the same rows, made anew


async def test_ledger_shows_uncounted_rows_with_reasons_and_filters_and_sorts(small):
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        app.open_rep("Di Fox")
        await wait_for(pilot, lambda: isinstance(app.screen, RepLedgerScreen) and app.screen.table,
                       "the ledger screen")
        screen = app.screen
        assert list(screen.rows["show_counted"]) == ["✓", "✗"]
        assert "before the contest" in screen.rows["reason"].iloc[1]
        await pilot.press("slash")
        await pilot.press(*"echo")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(screen.rows) == 2 and screen.filter_text == "echo", "filter")
        await pilot.press("slash", "escape")  # escape in the filter clears it
        await wait_for(pilot, lambda: screen.filter_text == "", "the cleared filter")
        await pilot.press("slash", *"lost")  # only the Closed Lost opportunity
        await wait_for(pilot, lambda: len(screen.rows) == 1 and screen.table.row_count == 1,
                       "the narrowed ledger")
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(screen.rows) == 2, "the cleared filter")
        await pilot.press("s")  # by counted: counted first
        await wait_for(pilot, lambda: screen.sort_index == 0, "sort")
        assert list(screen.rows["show_counted"]) == ["✓", "✗"]
        await pilot.press("s", "s")  # by stage / type, A first: Closed Lost before Email
        await wait_for(pilot, lambda: screen.sort_index == 2, "sort by stage")
        assert list(screen.rows["stage_or_type"]) == ["Closed Lost", "Email"]
        await pilot.press("escape")
        assert len(app.screen_stack) == 1


async def test_team_drilldown_lists_members_and_opens_their_ledger(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("3", "down", "enter")  # Beta
        await wait_for(pilot, lambda: isinstance(app.screen, TeamScreen), "the team screen")
        team = app.screen.table
        await wait_for(pilot, lambda: team.row_count == 2, "members")
        assert team.visible_keys() == ["Cy Dunn", "Di Fox"]
        assert team.column_texts("total") == ["2", "0"]
        assert team.cell_text("Cy Dunn", "qualified") == "✓ qualified"
        assert team.cell_text("Di Fox", "qualified") == "✗ needs 2 act, 1 calls"
        await pilot.press("e")
        [members] = tmp_path.glob("spiff-team-beta-*.csv")
        assert [line.split(",")[1] for line in members.read_text().splitlines()] == ["rep", "Cy Dunn", "Di Fox"]
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RepLedgerScreen), "Di's ledger")
        assert app.screen.rep == "Di Fox"
        await pilot.press("e")
        [ledger] = tmp_path.glob("spiff-ledger-di-fox-*.csv")
        assert len(ledger.read_text().splitlines()) == 3  # header, the Closed Lost deal, the early email
        await pilot.press("escape")
        assert isinstance(app.screen, TeamScreen)
        await pilot.press("escape")
        assert app.table("teams-table").selected_key == "Beta"
        assert app.focused is app.table("teams-table")


async def test_filter_narrows_the_current_table_and_escape_clears_it(small):
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"beta")
        reps = app.table("reps-table")
        assert reps.visible_keys() == ["Cy Dunn", "Di Fox"]  # matches the team column
        await pilot.press("enter")
        assert app.focused is reps and reps.visible_keys() == ["Cy Dunn", "Di Fox"]
        await pilot.press("escape")  # on the table: clears the filter
        assert reps.visible_keys() == ["Ann Lee", "Bob Ray", "Cy Dunn", "Di Fox"]
        await pilot.press("slash", *"ann", "escape")  # in the input: clears and closes
        assert reps.visible_keys() == ["Ann Lee", "Bob Ray", "Cy Dunn", "Di Fox"]
        assert not app.query_one("#filter").display


async def test_sort_cycles_columns_of_the_current_table(small):
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        reps = app.table("reps-table")
        await pilot.press("s")  # rank, lowest first: the board order
        assert reps.visible_keys() == ["Ann Lee", "Bob Ray", "Cy Dunn", "Di Fox"]
        await pilot.press("s", "s")  # movement, then rep name A→Z
        assert reps.visible_keys() == ["Ann Lee", "Bob Ray", "Cy Dunn", "Di Fox"]
        await pilot.press("s")  # team A→Z: Alpha, Alpha, Beta, Beta (stable)
        await pilot.press("s")  # new business points, highest first
        assert reps.column_texts("new_business") == ["6", "3", "2", "0"]
        await pilot.press("3", "s", "s")  # teams: by team name A→Z
        assert app.table("teams-table").visible_keys() == ["Alpha", "Beta"]
        for _ in range(len(app.table("teams-table").board_columns) - 1):
            await pilot.press("s")
        assert app.table("teams-table").sort_index is None  # cycled back to the board order


async def test_sort_keeps_the_cursor_on_its_row(small):
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        reps = app.table("reps-table")
        await pilot.press("down")  # Bob Ray
        for _ in range(5):  # up to new business points … then upsell (all 0, stable)
            await pilot.press("s")
        assert reps.selected_key == "Bob Ray"
        await pilot.press("s", "s")  # total points, highest first
        assert reps.visible_keys() == ["Ann Lee", "Bob Ray", "Cy Dunn", "Di Fox"]
        assert reps.selected_key == "Bob Ray"


async def test_r_rescores_now(small):
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        generation = app.snapshot.generation
        small.write("opps.csv", (small.data / "opps.csv").read_text().replace("Closed Lost", "Closed Won"))
        await pilot.press("r")
        await rescored(pilot, generation)
        assert app.table("reps-table").cell_text("Di Fox", "total") == "4"


async def test_e_exports_the_current_view_to_the_working_folder(small, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("3", "e")
        written = list(out.glob("spiff-teams-*.csv"))
        assert len(written) == 1
        lines = written[0].read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("rank,team,members,new_business_points,upsell_points,total_points")
        assert lines[1].startswith("1,Alpha,Ann Lee; Bob Ray,9")
        assert sorted(p.name for p in small.data.iterdir()) == ["acts.csv", "opps.csv"]


async def test_e_never_writes_into_the_data_folder(small, monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(small.data)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("e")
        assert len(list(home.glob("spiff-reps-*.csv"))) == 1
        assert sorted(p.name for p in small.data.iterdir()) == ["acts.csv", "opps.csv"]


async def test_question_mark_shows_every_key_and_closes(small):
    app = make_app(small)
    async with app.run_test(size=(100, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        for key in ("1", "2", "3", "4", "enter", "esc", "/", "s", "r", "t", "e", "?", "q"):
            assert key in keys, key
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits(small):
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, "the app to quit")


async def test_the_footer_follows_the_keys_but_is_not_rebuilt_when_they_stay_the_same(small):
    from textual.widgets._footer import FooterKey

    from spiff_tui.ui.widgets.footer import KeyFooter

    app = make_app(small)
    async with app.run_test(size=(160, 30)) as pilot:
        await loaded(pilot)
        footer = app.screen.query_one(KeyFooter)
        await wait_for(pilot, lambda: footer.query(FooterKey), "the footer's keys")
        keys = list(footer.query(FooterKey))
        assert "Rescore" in [key.description for key in keys]
        await pilot.press("2")   # another board: the same keys
        await pilot.pause()
        assert list(footer.query(FooterKey)) == keys
        await pilot.press("slash")   # the filter bar has a key of its own
        await wait_for(pilot, lambda: "Clear filter" in [k.description for k in footer.query(FooterKey)],
                       "the filter's key in the footer")
