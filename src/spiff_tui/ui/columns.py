"""The columns of every board table, in the order they are shown."""

from __future__ import annotations

from spiff_tui.ui.widgets.board_table import Column

REPS_COLUMNS = [
    Column("rank", "#", numeric=True, descending=False), Column("move", "±", numeric=True), Column("rep", "Rep"),
    Column("team", "Team"), Column("new_business", "NewBiz", numeric=True),
    Column("upsell", "Upsell", numeric=True), Column("total", "Total", numeric=True),
    Column("opportunities", "Opps", numeric=True), Column("closed_won", "Won", numeric=True),
    Column("stages", "Stages"),
]
ACTIVITY_COLUMNS = [
    Column("rep", "Rep"), Column("team", "Team"), Column("activities", "Activities", numeric=True),
    Column("calls", "Calls", numeric=True), Column("qualified", "Q"),
    Column("per_day", "Needed per day", descending=True),
]
TEAMS_COLUMNS = [
    Column("rank", "#", numeric=True, descending=False), Column("team", "Team"), Column("members", "Members"),
    Column("new_business", "NewBiz", numeric=True), Column("upsell", "Upsell", numeric=True),
    Column("total", "Total", numeric=True), Column("eligible", "Eligible", numeric=True),
]
FILES_COLUMNS = [
    Column("file", "File"), Column("kind", "Kind"), Column("encoding", "Encoding"),
    Column("delimiter", "Delim"), Column("read", "Read", numeric=True), Column("used", "Used", numeric=True),
    Column("skipped", "Skipped", numeric=True), Column("footer", "Footer", numeric=True),
    Column("exported", "Exported"),
]
PROBLEMS_COLUMNS = [
    Column("severity", "Severity"), Column("where", "Where"), Column("column", "Column"),
    Column("message", "Message"),
]
MEMBER_COLUMNS = [
    Column("rep", "Rep"), Column("new_business", "NewBiz", numeric=True),
    Column("upsell", "Upsell", numeric=True), Column("total", "Total", numeric=True),
    Column("activities", "Activities", numeric=True), Column("calls", "Calls", numeric=True),
    Column("qualified", "Qualified"),
]
