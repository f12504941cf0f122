"""Board rows from a snapshot: every cell is rich Text built from display-cleaned strings.

Nothing here applies a scoring rule; it only lays out the engine's views for the tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from spiff_tui.core.names import display_text
from spiff_tui.ui import format as fmt
from spiff_tui.ui.widgets.board_table import Row

if TYPE_CHECKING:
    from spiff_tui.core.snapshot import Snapshot

LEADER = "bold yellow"

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "dim"}


def text(value: object, style: str = "") -> Text:
    return Text(display_text(value), style=style)


def number(value: float, style: str = "") -> Text:
    return Text(fmt.points(value), style=style, justify="right")


def ranks(snapshot: Snapshot) -> dict[str, int]:
    reps = snapshot.view("reps")
    return dict(zip(reps["rep"], reps["rank"].astype(int)))


def reps_rows(snapshot: Snapshot, previous_ranks: dict[str, int]) -> list[Row]:
    stage_counts: dict[str, dict[str, int]] = {}
    for rep, stage, count in snapshot.view("stages")[["rep", "stage", "opportunities"]].itertuples(index=False):
        per_rep = stage_counts.setdefault(rep, {})
        per_rep[stage] = per_rep.get(stage, 0) + int(count)
    stage_order = fmt.stage_ranks(snapshot.rules)
    rows = []
    for r in snapshot.view("reps").to_dict("records"):
        rank, rep = int(r["rank"]), r["rep"]
        lead = LEADER if rank == 1 else ""
        previous = previous_ranks.get(rep)
        breakdown = fmt.stage_breakdown(list(stage_counts.get(rep, {}).items()), stage_order)
        cells = (Text(str(rank), style=lead, justify="right"), fmt.movement(previous, rank), text(rep, lead),
                 text(r["team"]), number(r["new_business_points"]), number(r["upsell_points"]),
                 number(r["total_points"], lead or "bold"), number(r["opportunities"]),
                 number(r["closed_won"]), text(breakdown, "dim" if not breakdown else ""))
        values = (rank, 0 if previous is None else previous - rank, rep.casefold(), r["team"].casefold(),
                  r["new_business_points"], r["upsell_points"], r["total_points"], r["opportunities"],
                  r["closed_won"], breakdown)
        rows.append(Row(rep, cells, values))
    return rows


def activity_rows(snapshot: Snapshot, bar_width: int) -> list[Row]:
    q = snapshot.rules.qualification
    elapsed, left = fmt.business_days(snapshot.rules, snapshot.as_of)
    rows = []
    for r in snapshot.view("activity").to_dict("records"):
        acts, calls = int(r["activities"]), int(r["calls"])
        act_pace = fmt.pace(acts, q.min_activities, int(r["activities_per_day"]), elapsed, left)
        call_pace = fmt.pace(calls, q.min_calls, int(r["calls_per_day"]), elapsed, left)
        overall = fmt.worst(act_pace, call_pace)
        style = fmt.PACE_STYLES[overall]
        if r["qualified"]:
            mark, need = Text("✓", style="bold green"), Text("done", style="green")
        else:
            mark = Text("✗", style=style or "red")
            need = Text(_needed(int(r["activities_per_day"]), int(r["calls_per_day"]), left), style=style)
        cells = (text(r["rep"], "green" if r["qualified"] else ""), text(r["team"]),
                 fmt.progress_bar(acts, q.min_activities, bar_width, fmt.PACE_STYLES[act_pace]),
                 fmt.progress_bar(calls, q.min_calls, bar_width, fmt.PACE_STYLES[call_pace]), mark, need)
        values = (r["rep"].casefold(), r["team"].casefold(), acts, calls, bool(r["qualified"]),
                  int(r["activities_per_day"]) + int(r["calls_per_day"]))
        rows.append(Row(r["rep"], cells, values))
    return rows


def _needed(activities_per_day: int, calls_per_day: int, left: int) -> str:
    if left <= 0:
        return "missed"
    parts = [f"{activities_per_day} act" if activities_per_day else "",
             f"{calls_per_day} call{'s' if calls_per_day != 1 else ''}" if calls_per_day else ""]
    return " · ".join(p for p in parts if p)


def activity_caption(snapshot: Snapshot) -> Text:
    q = snapshot.rules.qualification
    _, left = fmt.business_days(snapshot.rules, snapshot.as_of)
    caption = Text(f"Gates {q.min_activities} activities · {q.min_calls} calls · ")
    caption.append(f"{left} business day{'s' if left != 1 else ''} left", style="bold")
    caption.append(f" · as of {snapshot.as_of:%Y-%m-%d}", style="dim")
    return caption


def teams_rows(snapshot: Snapshot) -> list[Row]:
    rows = []
    for r in snapshot.view("teams").to_dict("records"):
        rank = int(r["rank"])
        lead = LEADER if rank == 1 else ""
        size = len(r["members"].split("; ")) if r["members"] else 0
        eligible = Text(f"{'✓' if r['eligible'] else '✗'} {r['qualified_members']}/{size}",
                        style="green" if r["eligible"] else "red", justify="right")
        cells = (Text(str(rank), style=lead, justify="right"), text(r["team"], lead),
                 text(r["members"].replace("; ", ", ")), number(r["new_business_points"]),
                 number(r["upsell_points"]), number(r["total_points"], lead or "bold"), eligible)
        values = (rank, r["team"].casefold(), r["members"].casefold(), r["new_business_points"],
                  r["upsell_points"], r["total_points"], (bool(r["eligible"]), int(r["qualified_members"])))
        rows.append(Row(r["team"], cells, values))
    return rows


def files_rows(snapshot: Snapshot) -> list[Row]:
    from spiff_tui.core.report import file_table

    rows = []
    for r in file_table(snapshot).to_dict("records"):
        kind_style = "yellow" if r["kind"] == "unrecognised" else ""
        cells = (text(r["file"], "red" if r["errors"] else ""), text(r["kind"], kind_style),
                 text(r["encoding"]), text(r["delimiter"]), number(r["read"]), number(r["used"]),
                 number(r["skipped"], "yellow" if r["skipped"] else ""), number(r["footer"]),
                 text(f"{r['exported']} ({r['from']})"))
        values = (r["file"].casefold(), r["kind"], r["encoding"], r["delimiter"], r["read"], r["used"],
                  r["skipped"], r["footer"], r["exported"])
        rows.append(Row(r["file"], cells, values))
    return rows


def problem_rows(problems: list[tuple[str, str, str, str]]) -> list[Row]:
    """(severity, where, column, message) per problem, each one row keyed by its text."""
    rows, seen = [], {}
    for severity, where, column, message in problems:
        base = f"{severity}|{where}|{column}|{message}"
        seen[base] = seen.get(base, 0) + 1
        cells = (text(severity, SEVERITY_STYLES.get(severity, "")), text(where), text(column), text(message))
        rows.append(Row(f"{base}#{seen[base]}", cells, (severity, where, column, message)))
    return rows


def snapshot_problems(snapshot: Snapshot | None) -> list[tuple[str, str, str, str]]:
    if snapshot is None:
        return []
    order = {"error": 0, "warning": 1, "info": 2}
    found = sorted(snapshot.problems, key=lambda p: order.get(p.severity, 3))
    return [(p.severity, p.file + (f":{p.line}" if p.line is not None else ""), p.column or "", p.message)
            for p in found]


def member_rows(snapshot: Snapshot, team: str) -> list[Row]:
    reps = snapshot.view("reps").set_index("rep")
    activity = snapshot.view("activity").set_index("rep")
    members = next((t.members for t in snapshot.rules.teams if t.name == team), ())
    rows = []
    for rep in members:
        p, a = reps.loc[rep], activity.loc[rep]
        qualified = bool(a["qualified"])
        mark = Text("✓ qualified" if qualified else
                    f"✗ needs {int(a['activities_needed'])} act, {int(a['calls_needed'])} calls",
                    style="green" if qualified else "red")
        cells = (text(rep), number(p["new_business_points"]), number(p["upsell_points"]),
                 number(p["total_points"], "bold"), number(a["activities"]), number(a["calls"]), mark)
        values = (rep.casefold(), p["new_business_points"], p["upsell_points"], p["total_points"],
                  int(a["activities"]), int(a["calls"]), qualified)
        rows.append(Row(rep, cells, values))
    return rows


def new_closed_won(old: Snapshot, new: Snapshot) -> list[dict]:
    """Deals counted at Closed Won now that were not before, matched by record id across files."""
    def won(snapshot: Snapshot):
        ledger = snapshot.ledger_parts[0]   # opportunities only: no need to join the activities
        mask = (ledger["counted"] & ledger["kind"].isin(["new_business", "upsell"])
                & (ledger["stage_or_type"].astype(str).str.casefold() == "closed won")
                & (ledger["record_id"].astype(str).str.strip() != ""))
        return ledger.loc[mask, ["record_id", "rep", "team", "account", "points", "kind"]]

    before = set(won(old)["record_id"])
    fresh = won(new).loc[lambda d: ~d["record_id"].isin(before)].drop_duplicates("record_id")
    return fresh.to_dict("records")
