"""How numbers, progress and pace look on the board: pure helpers, no Textual, no pandas."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from spiff_tui.core.rules import Rules

# A rep who needs more per remaining day than this many times their average so far is at risk.
AT_RISK_FACTOR = 1.5

QUALIFIED, ON_PACE, BEHIND, AT_RISK, UNKNOWN = "qualified", "on_pace", "behind", "at_risk", "unknown"
PACE_STYLES = {QUALIFIED: "green", ON_PACE: "", BEHIND: "yellow", AT_RISK: "bold red", UNKNOWN: ""}
_PACE_ORDER = [QUALIFIED, UNKNOWN, ON_PACE, BEHIND, AT_RISK]


def points(value: float) -> str:
    """Points as people write them: 24, 16.5, 0.25."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def day_label(rules: Rules, as_of: dt.date) -> str:
    total = (rules.end - rules.start).days + 1
    if as_of < rules.start:
        days = (rules.start - as_of).days
        return f"starts in {days} day{'s' if days != 1 else ''}"
    if as_of > rules.end:
        return "Final"
    return f"day {(as_of - rules.start).days + 1} of {total}"


def business_days(rules: Rules, as_of: dt.date) -> tuple[int, int]:
    """(business days already past, business days left including today) of the contest."""
    from spiff_tui.core.views import business_days_left

    total = business_days_left(rules, rules.start)
    left = business_days_left(rules, as_of)
    return total - left, left


def pace(done: int, goal: int, needed_per_day: int, elapsed: int, left: int) -> str:
    """Whether a gate is met, on pace, behind, or at risk (needs > 1.5× the daily average so far)."""
    if done >= goal:
        return QUALIFIED
    if left <= 0:
        return AT_RISK
    if elapsed <= 0:
        return UNKNOWN
    average = done / elapsed
    if needed_per_day > AT_RISK_FACTOR * average:
        return AT_RISK
    if needed_per_day > average:
        return BEHIND
    return ON_PACE


def worst(*paces: str) -> str:
    return max(paces, key=_PACE_ORDER.index)


def progress_bar(done: int, goal: int, width: int, style: str = "") -> Text:
    """A bar drawn in text, e.g. `████████░░ 412/500`."""
    filled = width if goal <= 0 else min(width, int(width * done / goal))
    bar = Text("█" * filled, style=style or "white")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {done:>{len(str(goal))}}/{goal}", style=style)
    return bar


def bar_width(screen_width: int) -> int:
    """Bars shrink on a narrow terminal so two of them and the names still fit in 80 columns."""
    return max(4, min(24, (screen_width - 70) // 2))


def stage_abbreviation(stage: str) -> str:
    words = stage.split()
    if len(words) > 1:
        return "".join(w[0] for w in words).upper()
    return stage[:4]


def stage_breakdown(counts: list[tuple[str, int]], rank_of_stage: dict[str, float]) -> str:
    """`CW 2 · Prop 1 · Demo 3`: furthest stages (most points) first."""
    ordered = sorted(counts, key=lambda sc: (-rank_of_stage.get(sc[0].casefold(), -1.0), sc[0]))
    return " · ".join(f"{stage_abbreviation(stage)} {count}" for stage, count in ordered)


def stage_ranks(rules: Rules) -> dict[str, float]:
    """Each listed stage's best points across tables, then its place in the list, to order stages by."""
    ranks: dict[str, float] = {}
    for table in rules.tables:
        for place, (stage, value) in enumerate(table.stage_points):
            key = stage.casefold()
            ranks[key] = max(ranks.get(key, float("-inf")), value * 1000 + place)
    return ranks


def movement(previous_rank: int | None, rank: int) -> Text:
    """▲2 for two places up, ▼1 for one down, – for no change or no earlier rank."""
    if previous_rank is None or previous_rank == rank:
        return Text("–", style="dim")
    if previous_rank > rank:
        return Text(f"▲{previous_rank - rank}", style="green")
    return Text(f"▼{rank - previous_rank}", style="red")
