"""One immutable scoring result: the ledger, its views and every problem, swapped whole by the TUI."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from spiff_tui.core.folder import FolderReader
from spiff_tui.core.labels import as_arrow_text, rows_as_arrow_text
from spiff_tui.core.ledger import (
    NoMemo,
    ScoringMemo,
    board_ledger_parts,
    boards_first_pays,
    build_ledger_parts,
    inserted_boards,
    join_ledger,
)
from spiff_tui.core.problems import ERROR, Problem
from spiff_tui.core.reader import FileResult
from spiff_tui.core.rules import Rules
from spiff_tui.core.scoring import BOARD_COLUMNS
from spiff_tui.core.views import activity_view, ledger_view, reps_view, stages_view, teams_view

_generations = itertools.count(1)


@dataclass(frozen=True, eq=False)
class Snapshot:
    rules: Rules
    files: tuple[FileResult, ...]
    ledger_parts: tuple[pd.DataFrame, pd.DataFrame] = field(repr=False)
    views: dict[str, pd.DataFrame] = field(repr=False)
    as_of: dt.date
    scored_at: dt.datetime
    generation: int
    # Without full rows the ledger parts hold only what the boards read (scoring.BOARD_COLUMNS):
    # no reason, account or id, so no drilldown can be laid out from them.
    full_rows: bool = True

    @property
    def ledger(self) -> pd.DataFrame:
        """Every scored row, in file and line order; joined on first use (the boards do not need it)."""
        if "_ledger" not in self.views:
            self.views["_ledger"] = join_ledger(self.ledger_parts)
        return self.views["_ledger"]

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every file's problems, file by file; within a file, whole-file ones first, then by line."""
        return tuple(p for f in self.files
                     for p in sorted(f.problems, key=lambda p: (p.line is not None, p.line or 0)))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)

    def ledger_of(self, rep: str) -> pd.DataFrame:
        """The ledger view of one rep's rows, in file and line order."""
        return as_arrow_text(ledger_view(join_ledger(self.ledger_parts_of(rep))))

    def ledger_parts_of(self, rep: str, columns: list[str] | None = None) -> tuple[pd.DataFrame, ...]:
        """One rep's rows of each ledger part (opportunities, activities), each in file and line order,
        with dates as text and text columns as Arrow text; only `columns` if given."""
        # Filtered before anything is joined or formatted: the parts' categories (every reason of a
        # million rows) are far more than one rep's rows use, and would cost more than the rows.
        file_rank = _file_ranks(self.ledger_parts)
        parts = []
        for part in self.ledger_parts:
            positions = np.flatnonzero((part["rep"] == rep).to_numpy(dtype=bool))
            files = pd.Categorical(part["file"])
            ranks = file_rank.reindex(files.categories).to_numpy()[files.codes[positions]]
            order = np.lexsort((part["line"].to_numpy()[positions], ranks))
            chosen = part[columns] if columns is not None else part
            parts.append(as_arrow_text(ledger_view(rows_as_arrow_text(chosen, positions[order]))))
        return tuple(parts)

    def view(self, name: str) -> pd.DataFrame:
        if name == "ledger" and name not in self.views:
            self.views[name] = ledger_view(self.ledger)
        return self.views[name]


def _file_ranks(parts: tuple[pd.DataFrame, ...]) -> pd.Series:
    """Each file name's place in name order, over all parts."""
    names = sorted({name for part in parts for name in pd.Categorical(part["file"]).categories})
    return pd.Series(np.arange(len(names)), index=names)


def score(rules: Rules, files: list[FileResult], as_of: dt.date, memo: ScoringMemo | None = None,
          boards_first: Callable[[Snapshot], None] | None = None) -> Snapshot:
    """Score the files. Pass the same memo on every rescore to reuse unchanged ledger parts.

    With `boards_first`, a snapshot of the boards alone (its ledger parts hold only what the boards
    read) is handed to it as soon as they are scored, then the full snapshot is returned. Only where
    that brings the boards sooner: a first scoring; and in big folders, one that joins every
    activities export anew (one changed or gone, new rules or accounts), where the boards come in
    about half the time and every ledger row's columns are then built from that same work
    (ledger.boards_first_pays); one after new activities exports that sort among the others', from
    the last join's marks (ledger.inserted_boards); and one that joins one kind anew while the
    other's is kept (an opportunities export new or gone, an activities export added after the
    others), before the rows that stopped counting are named (ledger.build_ledger_parts)."""
    boards = shown = None

    def show_one_kind(opportunities: pd.DataFrame, activities: pd.DataFrame) -> None:
        nonlocal shown
        # The kind kept is the memo's very join, so its boards are the memo's too.
        shown = _boards(rules, opportunities, activities, as_of, memo)
        parts = (opportunities[BOARD_COLUMNS], activities[BOARD_COLUMNS])
        boards_first(_snapshot(rules, files, parts, shown, as_of, False))

    inserted = None if boards_first is None or memo is None else inserted_boards(rules, files, memo)
    if inserted is not None:
        show_one_kind(*inserted)
    elif boards_first is not None and (memo is None or boards_first_pays(rules, files, memo)):
        boards = board_ledger_parts(rules, files, memo or NoMemo())
        parts = (boards.opportunities, boards.activities)
        shown = _boards(rules, *parts, as_of, NoMemo())
        boards_first(_snapshot(rules, files, parts, shown, as_of, False))
    one_kind = boards_first is not None and shown is None and memo is not None
    opportunities, activities = build_ledger_parts(rules, files, memo, boards, show_one_kind if one_kind else None)
    memo = memo or ScoringMemo()
    if shown is not None:
        # The boards read the same of either ledger: the full one's are those just handed over.
        memo.remember("reps_view", (rules, opportunities), shown["reps"])
        memo.remember("stages_view", (opportunities,), shown["stages"])
        memo.remember("activity_view", (rules, activities, as_of), shown["activity"])
    # A rescore that changed no file (the live board rescans every few seconds) reuses the boards.
    views = dict(memo.part("boards", (rules, opportunities, activities, as_of),
                           lambda: _boards(rules, opportunities, activities, as_of, memo)))
    return _snapshot(rules, files, (opportunities, activities), views, as_of, memo.full_rows)


def _boards(rules: Rules, opportunities: pd.DataFrame, activities: pd.DataFrame, as_of: dt.date,
            memo: ScoringMemo) -> dict[str, pd.DataFrame]:
    # Each board is kept while its own part is unchanged: a new activities export leaves the
    # reps and stages boards as they were.
    reps = memo.part("reps_view", (rules, opportunities), lambda: reps_view(rules, opportunities))
    activity = memo.part("activity_view", (rules, activities, as_of), lambda: activity_view(rules, activities, as_of))
    stages = memo.part("stages_view", (opportunities,), lambda: stages_view(opportunities))
    return {"reps": reps, "activity": activity, "teams": teams_view(rules, reps, activity), "stages": stages}


def _snapshot(rules: Rules, files: list[FileResult], parts: tuple[pd.DataFrame, pd.DataFrame],
              views: dict[str, pd.DataFrame], as_of: dt.date, full_rows: bool) -> Snapshot:
    return Snapshot(rules=rules, files=tuple(files), ledger_parts=parts, views=views, as_of=as_of,
                    scored_at=dt.datetime.now(), generation=next(_generations), full_rows=full_rows)


def score_folder(folder: Path, rules: Rules, as_of: dt.date, reader: FolderReader | None = None,
                 memo: ScoringMemo | None = None, workers: int = 1, full_rows: bool = True) -> Snapshot:
    """Read and score a folder. Without a reader and memo it is one-shot scoring (the CLI), which may
    spread the files over `workers` threads; and without full_rows its ledger holds only what the
    boards read (scoring.BOARD_COLUMNS), for a command that shows no ledger row."""
    files = (reader or FolderReader(workers=workers)).read(folder, rules)
    # The list is this function's own, so one-shot scoring may free the rows once they are scored.
    return score(rules, files, as_of, memo or NoMemo(workers, drop_rows=reader is None, full_rows=full_rows))


def one_shot_workers() -> int:
    """Threads for one-shot scoring: two files at a time at most, since each one in flight holds
    its text and parsed columns (a 500k-row export is ~150 MB while it is read)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))
