"""SPEC §5: every board is a group-by of the ledger; nothing here applies a rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from spiff_tui.core.labels import as_text, categorical
from spiff_tui.core.names import display_text
from spiff_tui.core.rules import Rules

VIEW_NAMES = ("reps", "activity", "teams", "stages", "ledger")


def roster_frame(rules: Rules) -> pd.DataFrame:
    rows = [(display_text(m), display_text(t.name), i)
            for i, (t, m) in enumerate((t, m) for t in rules.teams for m in t.members)]
    return pd.DataFrame(rows, columns=["rep", "team", "roster_order"])


def _competition_rank(points: pd.Series) -> pd.Series:
    return points.round(9).rank(method="min", ascending=False).astype(int)


def reps_view(rules: Rules, ledger: pd.DataFrame) -> pd.DataFrame:
    counted = _counted(ledger, ledger["kind"].isin(["new_business", "upsell"]), ["rep", "kind", "points", "stage_or_type"])
    points = counted.groupby(["rep", "kind"], observed=True)["points"].sum()
    opportunities = counted.groupby("rep", observed=True).size()
    is_closed_won = counted["stage_or_type"].astype(str).str.casefold() == "closed won"
    closed_won = counted[is_closed_won].groupby("rep", observed=True).size()
    board = roster_frame(rules)
    for kind in ("new_business", "upsell"):
        of_kind = points[points.index.get_level_values("kind") == kind].droplevel("kind")
        board[f"{kind}_points"] = board["rep"].map(of_kind).fillna(0.0).astype(float)
    board = board.assign(total_points=lambda d: d["new_business_points"] + d["upsell_points"],
                         opportunities=lambda d: d["rep"].map(opportunities).fillna(0).astype(int),
                         closed_won=lambda d: d["rep"].map(closed_won).fillna(0).astype(int))
    board["rank"] = _competition_rank(board["total_points"])
    columns = ["rank", "rep", "team", "new_business_points", "upsell_points", "total_points",
               "opportunities", "closed_won"]
    return board.sort_values(["rank", "rep"], kind="stable")[columns].reset_index(drop=True)


def _counted(ledger: pd.DataFrame, wanted: pd.Series, columns: list[str]) -> pd.DataFrame:
    """The counted rows of the wanted kinds, only the given columns (a million-row ledger is not copied whole)."""
    return ledger.loc[ledger["counted"].to_numpy(dtype=bool) & wanted.to_numpy(dtype=bool), columns]


def business_days_left(rules: Rules, as_of: dt.date) -> int:
    """Business days from as_of (inclusive) to the end of the contest (inclusive)."""
    first = max(as_of, rules.start)
    if first > rules.end:
        return 0
    return int(np.busday_count(first, rules.end + dt.timedelta(days=1)))


def activity_view(rules: Rules, ledger: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    q = rules.qualification
    counted = _counted(ledger, ledger["kind"] == "activity", ["rep", "is_call"])
    activities = counted.groupby("rep", observed=True).size()
    calls = counted.groupby("rep", observed=True)["is_call"].sum()
    days_left = business_days_left(rules, as_of)
    board = (roster_frame(rules)
             .assign(activities=lambda d: d["rep"].map(activities).fillna(0).astype(int),
                     calls=lambda d: d["rep"].map(calls).fillna(0).astype(int))
             .assign(activities_needed=lambda d: (q.min_activities - d["activities"]).clip(lower=0),
                     calls_needed=lambda d: (q.min_calls - d["calls"]).clip(lower=0))
             .assign(qualified=lambda d: (d["activities_needed"] == 0) & (d["calls_needed"] == 0),
                     business_days_left=days_left))
    per_day = np.ceil(board[["activities_needed", "calls_needed"]] / max(days_left, 1)).astype(int)
    board["activities_per_day"] = per_day["activities_needed"]
    board["calls_per_day"] = per_day["calls_needed"]
    columns = ["rep", "team", "activities", "calls", "activities_needed", "calls_needed", "qualified",
               "activities_per_day", "calls_per_day", "business_days_left"]
    return board[columns]


def teams_view(rules: Rules, reps: pd.DataFrame, activity: pd.DataFrame) -> pd.DataFrame:
    # A handful of teams: plain dictionaries beat a pandas lookup per team by far.
    points = {column: dict(zip(reps["rep"], reps[column]))
              for column in ("new_business_points", "upsell_points", "total_points")}
    qualified = dict(zip(activity["rep"], activity["qualified"]))
    rows = []
    for order, team in enumerate(rules.teams):
        members = [display_text(m) for m in team.members]
        rows.append({
            "team": display_text(team.name),
            "members": "; ".join(members),
            **{column: float(sum(by_rep[m] for m in members)) for column, by_rep in points.items()},
            "eligible": all(bool(qualified[m]) for m in members),
            "qualified_members": sum(bool(qualified[m]) for m in members),
            "team_order": order,
        })
    board = pd.DataFrame(rows)
    board["rank"] = _competition_rank(board["total_points"])
    columns = ["rank", "team", "members", "new_business_points", "upsell_points", "total_points",
               "eligible", "qualified_members"]
    return board.sort_values(["rank", "team"], kind="stable")[columns].reset_index(drop=True)


def stages_view(ledger: pd.DataFrame) -> pd.DataFrame:
    counted = _counted(ledger, ledger["kind"].isin(["new_business", "upsell"]), ["rep", "kind", "stage_or_type", "points"])
    return (as_text(counted.groupby(["rep", "kind", "stage_or_type"], as_index=False, observed=True)
                    .agg(opportunities=("points", "size"), points=("points", "sum")))
            .rename(columns={"stage_or_type": "stage"})
            .sort_values(["rep", "kind", "stage"], kind="stable")
            .reset_index(drop=True))


def ledger_view(ledger: pd.DataFrame) -> pd.DataFrame:
    """Every ledger row, dates as text. Text columns stay as the ledger holds them (categoricals for a
    folder's ledger): a million rows then make no Python string each, and an export formats each
    distinct text once."""
    return ledger.assign(date=_day_texts(ledger["date"]))


def _day_texts(days: pd.Series) -> pd.Categorical:
    """'YYYY-MM-DD' per row, formatted once per distinct day ('' for none)."""
    codes, distinct = pd.factorize(pd.to_datetime(days))
    return categorical(np.where(codes < 0, len(distinct), codes),
                       [day.strftime("%Y-%m-%d") for day in distinct] + [""])
