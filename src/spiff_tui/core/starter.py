"""`init`: a starter rules.toml from the headers, stages, types and people found in a data folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import tomli_w

from spiff_tui.core.folder import FolderReader
from spiff_tui.core.names import match_key
from spiff_tui.core.rules import (
    DEFAULT_COLUMNS,
    InputSettings,
    Qualification,
    Rules,
    ScoringTable,
    Team,
)

KNOWN_STAGE_POINTS = {"prospecting": 1, "qualification": 1, "discovery": 1, "demo": 2, "proposal": 3,
                      "negotiation": 3, "closed won": 4, "closed lost": 0}
HEADER = """\
# Starter rules written by `spiff-tui init` from the exports found in the data folder.
# Check every value: the teams are the people found, two per team, in name order;
# stage points are guesses. The full list of keys is in the README ("The rules file").
"""


def reading_rules() -> Rules:
    """Rules that only know the default column maps: enough to recognise and read exports."""
    table = ScoringTable("new_business", ("New Business",), "owner", False, None, ())
    return Rules(name="", start=dt.date(2000, 1, 1), end=dt.date(2000, 1, 1),
                 teams=(Team("", ("",)),), tables=(table,), qualification=Qualification(),
                 input=InputSettings(), columns={k: dict(v) for k, v in DEFAULT_COLUMNS.items()})


def _distinct(frames: list[pd.DataFrame], column: str) -> list[str]:
    """Each distinct value once, however it is spelt: its most frequent spelling, in name order."""
    values = pd.concat([f[column].astype(str) for f in frames if column in f], ignore_index=True) \
        if frames else pd.Series(dtype=str)
    spelt = values.str.split().str.join(" ")
    spelt = spelt[spelt != ""]
    if spelt.empty:
        return []
    counts = spelt.value_counts()
    keys = pd.Series([match_key(v) for v in counts.index], index=counts.index)
    chosen = counts.groupby(keys.to_numpy(), sort=False).idxmax()
    return sorted(chosen.tolist(), key=str.casefold)


def _contest_month(frames: list[pd.DataFrame], column: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar month most of the dated rows fall in (else this month)."""
    days = pd.concat([f[column] for f in frames if column in f], ignore_index=True).dropna() if frames else None
    anchor = today if days is None or days.empty else days.dt.to_period("M").mode().iloc[0].start_time.date()
    start = anchor.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def starter_rules(folder: Path, today: dt.date) -> tuple[dict, list[str]]:
    """The starter rules as a TOML-ready dict, and notes on what was found."""
    files = FolderReader().read(folder, reading_rules())
    by_kind: dict[str, list[pd.DataFrame]] = {"opportunities": [], "activities": [], "accounts": []}
    for f in files:
        if f.kind and f.frame is not None:
            by_kind[f.kind].append(f.frame)
    opps, acts = by_kind["opportunities"], by_kind["activities"]
    people = _distinct(opps, "owner") or _distinct(acts, "assigned") or ["First Rep", "Second Rep"]
    teams = [{"name": f"Team {i // 2 + 1}", "members": people[i:i + 2]} for i in range(0, len(people), 2)]
    types = _distinct(opps, "type")
    stages = _distinct(opps, "stage") or list(KNOWN_STAGE_POINTS)
    new_types = [t for t in types if "new" in t.casefold()] or types[:1] or ["New Business"]
    upsell_types = [t for t in types if any(w in t.casefold() for w in ("upsell", "existing", "expansion"))]
    start, end = _contest_month(acts or opps, "date_day" if acts else "created_day", today)
    points = {s: KNOWN_STAGE_POINTS.get(s.casefold(), 1) for s in stages}
    rules: dict = {
        "contest": {"name": "Sales Spiff", "start": start, "end": end},
        "teams": teams,
        "new_business": {"types": new_types, "credit": "owner", "target_accounts_only": bool(by_kind["accounts"]),
                         "stage_points": points},
    }
    if upsell_types:
        rules["upsell"] = {"types": upsell_types, "credit": "account_executive", "target_accounts_only": False,
                           "min_amount": 5000, "stage_points": {s: p / 2 for s, p in points.items()}}
    activity_types = _distinct(acts, "type") or ["Call", "Email", "LinkedIn"]
    rules["qualification"] = {"min_activities": 500, "min_calls": 150, "activity_types": activity_types,
                              "call_types": [t for t in activity_types if "call" in t.casefold()] or ["Call"],
                              "target_accounts_only": bool(by_kind["accounts"])}
    rules["input"] = {"day_first": False, "decimal": ".", "currency": "USD", "rates": {}}
    rules["columns"] = {kind: {name: list(aliases) for name, aliases in fields.items()}
                        for kind, fields in DEFAULT_COLUMNS.items()}
    notes = [f"{f.name}: {f.kind or 'unrecognised'}" for f in files]
    notes.append(f"{len(people)} people in {len(teams)} teams, {len(types)} opportunity types, "
                 f"{len(stages)} stages, {len(activity_types)} activity types")
    return rules, notes


def starter_text(rules: dict) -> str:
    return HEADER + "\n" + tomli_w.dumps(rules)
