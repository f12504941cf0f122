"""TV mode's banner: the leading team(s) in bold capitals, their points as 3×3 digits, the top reps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from spiff_tui.ui import format as fmt

if TYPE_CHECKING:
    from spiff_tui.core.snapshot import Snapshot
    from spiff_tui.ui.last_board import Banner

PANE_TITLES = {"teams": "TEAMS", "reps": "REPS", "activity": "ACTIVITY"}


def banner_of(snapshot: Snapshot, top_reps: int = 5) -> Banner:
    """The banner's facts, as plain values (kept with the last board): the team(s) ranked first,
    their points, and the top reps."""
    from spiff_tui.ui.last_board import Banner

    teams = snapshot.view("teams")
    top = teams[teams["rank"] == 1]
    reps = snapshot.view("reps").head(top_reps)
    return Banner(tuple(str(n) for n in top["team"]), float(top["total_points"].max()) if len(top) else 0.0,
                  tuple((int(rank), str(rep), str(team), float(points)) for rank, rep, team, points
                        in reps[["rank", "rep", "team", "total_points"]].itertuples(index=False)))


class TvBanner(Horizontal):
    def compose(self) -> ComposeResult:
        with Vertical(id="tv-lead"):
            yield Static(id="tv-lead-title")
            yield Static(id="tv-lead-team")
        yield Digits("", id="tv-lead-points")
        yield Static(id="tv-top-reps")

    def show(self, banner: Banner | None, pane: str, top_reps: int) -> None:
        if banner is None:
            return
        from spiff_tui.core.names import display_text

        names = banner.leaders
        title = Text(f"{PANE_TITLES.get(pane, '')} · ", style="bold")
        title.append("LEADING" if len(names) == 1 else "TIED FOR THE LEAD", style="dim")
        self.query_one("#tv-lead-title", Static).update(title)
        team = Text(" & ".join(display_text(n).upper() for n in names), style="bold yellow")
        self.query_one("#tv-lead-team", Static).update(team)
        self.query_one("#tv-lead-points", Digits).update(fmt.points(banner.points))
        reps = banner.top_reps[:top_reps]
        rep_names = [display_text(rep) for _, rep, _, _ in reps]
        teams = [display_text(team) for _, _, team, _ in reps]
        name_width = max((len(n) for n in rep_names), default=0)
        team_width = max((len(t) for t in teams), default=0)
        lines = Text()
        for (rank, _, _, points), name, team_name in zip(reps, rep_names, teams):
            lines.append(f"{rank:>2}  ", style="bold")
            lines.append(name.ljust(name_width), style="bold yellow" if rank == 1 else "bold")
            lines.append(f"  {team_name.ljust(team_width)}  ", style="dim")
            lines.append(f"{fmt.points(points):>5}\n", style="bold")
        lines.rstrip()
        self.query_one("#tv-top-reps", Static).update(lines)
