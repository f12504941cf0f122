"""SPEC §5: every board is a group-by of the ledger; nothing here applies a rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from spiff_tui.core.labels import categorical
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
    counted = _counted(ledger, ("new_business", "upsell"))
    kind, kinds = _codes(ledger["kind"])
    stage, stages = _codes(ledger["stage_or_type"])
    is_closed_won = _rows_where(stage, [str(s).casefold() == "closed won" for s in stages])
    board = roster_frame(rules)
    per_rep = _per_rep(board, ledger["rep"])
    for name in ("new_business", "upsell"):
        of_kind = counted & _rows_where(kind, [k == name for k in kinds])
        board[f"{name}_points"] = per_rep(of_kind, ledger["points"].to_numpy(dtype=float))
    board = board.assign(total_points=lambda d: d["new_business_points"] + d["upsell_points"],
                         opportunities=per_rep(counted).astype(int),
                         closed_won=per_rep(counted & is_closed_won).astype(int))
    board["rank"] = _competition_rank(board["total_points"])
    columns = ["rank", "rep", "team", "new_business_points", "upsell_points", "total_points",
               "opportunities", "closed_won"]
    return board.sort_values(["rank", "rep"], kind="stable")[columns].reset_index(drop=True)


# The boards group a million ledger rows on the category codes of a few columns (a rep, a kind, a
# stage) with bincount, not on the texts: the texts are looked at once per category.
def _codes(column: pd.Series) -> tuple[np.ndarray, list]:
    """Per row the code of its value (-1 for none) and the values, in code order."""
    values = column.array if isinstance(column.dtype, pd.CategoricalDtype) else pd.Categorical(column)
    return values.codes, values.categories.tolist()


def _rows_where(codes: np.ndarray, per_category: list[bool]) -> np.ndarray:
    """A test made once per category, spread to the rows; a row without a value fails it."""
    return np.array(per_category + [False], dtype=bool)[codes]   # code -1 takes the False at the end


def _counted(ledger: pd.DataFrame, kinds: tuple[str, ...]) -> np.ndarray:
    """Which rows count and are of one of the kinds."""
    kind, names = _codes(ledger["kind"])
    return ledger["counted"].to_numpy(dtype=bool) & _rows_where(kind, [name in kinds for name in names])


def _per_rep(board: pd.DataFrame, rep: pd.Series):
    """A function of chosen rows (and weights): for each of the board's reps, how many of those rows
    are theirs (or the sum of their weights). The rep column is coded once for every call."""
    codes, names = _codes(rep)
    # Shifted by one so that rows without a rep (code -1) fall in a first bin that is dropped.
    bins = codes.astype(np.intp) + 1

    def tally(rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        totals = np.bincount(bins, weights=rows if weights is None else np.where(rows, weights, 0.0),
                             minlength=len(names) + 1)[1:]
        by_name = dict(zip(names, totals.tolist()))
        return np.array([by_name.get(name, 0.0) for name in board["rep"]], dtype=float)

    return tally


def business_days_left(rules: Rules, as_of: dt.date) -> int:
    """Business days from as_of (inclusive) to the end of the contest (inclusive)."""
    first = max(as_of, rules.start)
    if first > rules.end:
        return 0
    return int(np.busday_count(first, rules.end + dt.timedelta(days=1)))


def activity_view(rules: Rules, ledger: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    q = rules.qualification
    counted = _counted(ledger, ("activity",))
    board = roster_frame(rules)
    per_rep = _per_rep(board, ledger["rep"])
    activities = per_rep(counted)
    calls = per_rep(counted & ledger["is_call"].to_numpy(dtype=bool))
    days_left = business_days_left(rules, as_of)
    board = (board
             .assign(activities=activities.astype(int), calls=calls.astype(int))
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
    counted = _counted(ledger, ("new_business", "upsell"))
    (rep, reps), (kind, kinds), (stage, stages) = (_codes(ledger[c]) for c in ("rep", "kind", "stage_or_type"))
    rep, kind, stage = rep[counted], kind[counted], stage[counted]
    known = (rep >= 0) & (kind >= 0) & (stage >= 0)
    # One integer per (rep, kind, stage) present: its groups are the distinct integers.
    kind_count, stage_count = max(len(kinds), 1), max(len(stages), 1)
    group = (rep[known].astype(np.int64) * kind_count + kind[known]) * stage_count + stage[known]
    groups, of_row = np.unique(group, return_inverse=True)
    points = ledger["points"].to_numpy(dtype=float)[counted][known]
    rep_of, rest = np.divmod(groups, kind_count * stage_count)
    kind_of, stage_of = np.divmod(rest, stage_count)
    board = pd.DataFrame({"rep": _texts(reps, rep_of), "kind": _texts(kinds, kind_of), "stage": _texts(stages, stage_of),
                          "opportunities": np.bincount(of_row, minlength=len(groups)).astype(np.int64),
                          "points": np.bincount(of_row, weights=points, minlength=len(groups))})
    return board.sort_values(["rep", "kind", "stage"], kind="stable").reset_index(drop=True)


def _texts(values: list, codes: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object)[codes], dtype=object)


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
