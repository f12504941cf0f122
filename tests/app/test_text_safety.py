"""Names are text: markup in a team or rep name shows literally, control characters never reach the screen."""

from __future__ import annotations

from appkit import build_contest, loaded, make_app, rescored, wait_for

from spiff_tui.ui.commands import SpiffCommands
from spiff_tui.ui.screens.rep_ledger import RepLedgerScreen
from spiff_tui.ui.screens.team import TeamScreen

EVIL_TEAM = "[bold red]Evil[/]"
EVIL_REP = "[@click=app.quit]x[/]"
ESCAPING = ("Opportunity ID,Account Name,Opportunity Owner,Type,Stage,Amount,Created Date\n"
            f"O9,Acme\x1b[2J,{EVIL_REP},New Business,Demo,10,2026-04-10\n")


async def test_markup_in_names_is_shown_literally_and_never_runs(tmp_path):
    contest = build_contest(tmp_path, alpha=EVIL_TEAM, ann=EVIL_REP)
    contest.write("escaping.csv", ESCAPING)
    app = make_app(contest)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        reps = app.table("reps-table")
        assert reps.visible_keys()[0] == EVIL_REP
        assert reps.cell_text(EVIL_REP, "rep") == EVIL_REP
        assert reps._base[EVIL_REP][2].spans == []
        await pilot.press("3")
        teams = app.table("teams-table")
        assert teams.cell_text(EVIL_TEAM, "team") == EVIL_TEAM
        assert teams.cell_text(EVIL_TEAM, "members") == f"{EVIL_REP}, Bob Ray"
        assert "Evil[/]" in app.export_screenshot()

        # Clicking the names runs nothing; a second click on the row opens the team.
        await pilot.click(teams, offset=(6, 1))
        await pilot.click(teams, offset=(6, 1))
        await wait_for(pilot, lambda: isinstance(app.screen, TeamScreen), "the team screen")
        assert app.is_running
        await pilot.press("escape", "1")
        await pilot.click(reps, offset=(10, 1))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RepLedgerScreen) and app.screen.table,
                       "the ledger")
        assert app.is_running and app.return_code is None
        ledger = app.screen
        # Ann's three deals: the escape character is shown as \x1b, never sent to the terminal.
        assert "Acme\\x1b[2J" in list(ledger.rows["account"])
        assert "\x1b" not in "".join(ledger.rows["account"])
        assert ledger.query_one("#ledger-title").render().plain.startswith(EVIL_REP)


async def test_palette_shows_names_literally_and_opens_them(tmp_path):
    app = make_app(build_contest(tmp_path, alpha=EVIL_TEAM, ann=EVIL_REP))
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        provider = SpiffCommands(app.screen)
        hits = [hit async for hit in provider.search("evil")]
        assert [hit.text for hit in hits] == [f"Open team: {EVIL_TEAM}"]
        assert hits[0].match_display.plain == f"Open team: {EVIL_TEAM}"
        hits[0].command()
        await wait_for(pilot, lambda: isinstance(app.screen, TeamScreen), "the team screen")
        assert app.screen.team == EVIL_TEAM
        generation = app.snapshot.generation
        [reload] = [hit async for hit in provider.search("reload rules")]
        reload.command()
        await rescored(pilot, generation, "the reload")
        verbs = [hit.text async for hit in _discover(provider)]
        assert verbs[:4] == ["Rescore now", "Reload rules", "Export current view", "Toggle TV mode"]
        assert f"Open rep: {EVIL_REP}" in verbs


async def _discover(provider):
    async for hit in provider.discover():
        yield hit
