"""One immutable scoring result: the ledger, its views and every problem, swapped whole by the TUI."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from spiff_tui.core.folder import FolderReader
from spiff_tui.core.problems import ERROR, Problem
from spiff_tui.core.reader import FileResult
from spiff_tui.core.rules import Rules
from spiff_tui.core.scoring import build_ledger
from spiff_tui.core.views import activity_view, ledger_view, reps_view, stages_view, teams_view

_generations = itertools.count(1)


@dataclass(frozen=True, eq=False)
class Snapshot:
    rules: Rules
    files: tuple[FileResult, ...]
    ledger: pd.DataFrame
    views: dict[str, pd.DataFrame] = field(repr=False)
    as_of: dt.date
    scored_at: dt.datetime
    generation: int

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(p for f in self.files for p in f.problems)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)

    def view(self, name: str) -> pd.DataFrame:
        return self.views[name]


def score(rules: Rules, files: list[FileResult], as_of: dt.date) -> Snapshot:
    ledger = build_ledger(rules, files)
    reps = reps_view(rules, ledger)
    activity = activity_view(rules, ledger, as_of)
    views = {
        "reps": reps,
        "activity": activity,
        "teams": teams_view(rules, reps, activity),
        "stages": stages_view(ledger),
        "ledger": ledger_view(ledger),
    }
    return Snapshot(rules=rules, files=tuple(files), ledger=ledger, views=views, as_of=as_of,
                    scored_at=dt.datetime.now(), generation=next(_generations))


def score_folder(folder: Path, rules: Rules, as_of: dt.date, reader: FolderReader | None = None) -> Snapshot:
    files = (reader or FolderReader()).read(folder, rules)
    return score(rules, files, as_of)
