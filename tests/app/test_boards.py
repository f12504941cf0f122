"""Each tab shows what the hand-built contest gives (the arithmetic is in appkit.py)."""

from __future__ import annotations

from appkit import loaded, make_app


async def test_header_names_contest_day_files_and_problems(small):
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        header = app.query_one("#header").plain
        assert header.startswith("Test Spiff · day 15 of 30 · scored ")
        assert "2 files" in header
        assert "0 problems" in header


async def test_reps_tab_ranks_points_and_stage_breakdown(small):
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        reps = app.table("reps-table")
        assert reps.visible_keys() == ["Ann Lee", "Bob Ray", "Cy Dunn", "Di Fox"]
        assert reps.column_texts("rank") == ["1", "2", "3", "4"]
        assert reps.column_texts("total") == ["6", "3", "2", "0"]
        assert reps.column_texts("opportunities") == ["2", "1", "1", "1"]
        assert reps.column_texts("closed_won") == ["1", "0", "0", "0"]
        assert reps.column_texts("move") == ["–"] * 4
        # Furthest stage first: Closed Won (4 points) before Demo (2).
        assert reps.cell_text("Ann Lee", "stages") == "CW 1 · Demo 1"
        assert reps.cell_text("Di Fox", "stages") == "CL 1"
        assert "yellow" in str(reps._base["Ann Lee"][2].style)  # the leader is highlighted


async def test_activity_tab_bars_qualification_and_pace(small):
    app = make_app(small)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("2")
        activity = app.table("activity-table")
        assert app.active_tab == "activity"
        assert activity.column_texts("qualified") == ["✓", "✗", "✓", "✗"]
        # At 80 columns the bars are 5 cells: 2/2 is full, 1/2 is half (floor of 2.5).
        assert activity.cell_text("Ann Lee", "activities") == "█████ 2/2"
        assert activity.cell_text("Bob Ray", "activities") == "██░░░ 1/2"
        assert activity.cell_text("Bob Ray", "calls") == "░░░░░ 0/1"
        # Bob needs 1 activity and 1 call over 12 business days: 1 a day each, rounded up.
        assert activity.cell_text("Bob Ray", "per_day") == "1 act · 1 call"
        assert activity.cell_text("Ann Lee", "per_day") == "done"
        # He averaged 0.1 a day over 10 days, so needing 1 a day is well past 1.5×: at risk.
        assert "red" in str(activity._base["Bob Ray"][5].style)
        assert "green" in str(activity._base["Ann Lee"][4].style)
        caption = app.query_one("#activity-caption").render()
        assert "12 business days left" in str(caption)


async def test_teams_tab_totals_members_and_eligibility(small):
    app = make_app(small)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("3")
        teams = app.table("teams-table")
        assert teams.visible_keys() == ["Alpha", "Beta"]
        assert teams.column_texts("total") == ["9", "2"]
        assert teams.column_texts("members") == ["Ann Lee, Bob Ray", "Cy Dunn, Di Fox"]
        assert teams.column_texts("eligible") == ["✗ 1/2", "✗ 1/2"]


async def test_data_tab_lists_files_and_every_problem(small):
    small.write("notes.csv", "Foo,Bar\n1,2\n")
    app = make_app(small)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("4")
        files = app.table("files-table")
        assert files.visible_keys() == ["acts.csv", "notes.csv", "opps.csv"]
        assert files.cell_text("opps.csv", "kind") == "opportunities"
        assert files.cell_text("acts.csv", "read") == "6"
        assert files.cell_text("notes.csv", "kind") == "unrecognised"
        problems = app.table("problems-table")
        assert [problems.cell_text(k, "where") for k in problems.visible_keys()] == ["notes.csv"]
        assert problems.column_texts("severity") == ["warning"]
        assert "1 problem" in app.query_one("#header").plain
        await pilot.press("down", "enter")  # on notes.csv: show only its problems
        assert problems.filter_text == "notes.csv" and app.focused is problems
