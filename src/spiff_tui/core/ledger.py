"""The ledger of a whole folder: each file's scored rows, memoised, joined by the rules that cross
files — per opportunity id the newest export wins; an activity counts once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from spiff_tui.core.accounts import TargetAccounts, newest_accounts, target_accounts
from spiff_tui.core.activity_append import append, board_rows, repeats, seen_ids
from spiff_tui.core.activity_insert import inserted_board
from spiff_tui.core.cross_file import Namer, count_once, mark_duplicates, mark_superseded, supersede
from spiff_tui.core.labels import concat_frames
from spiff_tui.core.memory import release_freed_memory
from spiff_tui.core.reader import FileResult
from spiff_tui.core.rules import Rules
from spiff_tui.core.scoring import (
    BOARD_COLUMNS,
    HIDDEN_COLUMNS,
    LEDGER_COLUMNS,
    Export,
    activity_rows,
    empty_ledger,
    opportunity_rows,
    staged_rows,
)

Kept = TypeVar("Kept")
# Given the joined opportunities and activities, one of them made anew with the boards' columns only.
ShowBoards = Callable[[pd.DataFrame, pd.DataFrame], None]


class ScoringMemo:
    """The last result of each step (a file's ledger part, a joined kind, the target accounts, a
    board), reused while its inputs are the very same objects.

    A rescore after one new opportunities export then leaves a million activities alone.
    """

    full_rows = True   # every ledger column; else only the boards' (scoring.BOARD_COLUMNS)

    def __init__(self, workers: int = 1) -> None:
        self._entries: dict[str, tuple[tuple, object]] = {}
        self._later: dict[str, tuple[tuple, Callable[[], object]]] = {}
        self.workers = workers

    def part(self, name: str, key: tuple, build: Callable[[], Kept]) -> Kept:
        entry = self._entries.get(name)
        if entry is not None and _same_key(entry[0], key):
            return entry[1]
        result = build()
        self._entries[name] = (key, result)
        return result

    def parts(self, requests: list[tuple[str, tuple, object]]) -> list[pd.DataFrame]:
        """part() for each (name, key, build), in order; with workers > 1 the missing ones are built on
        that many threads."""
        missing = [(name, key, build) for name, key, build in requests
                   if not (name in self._entries and _same_key(self._entries[name][0], key))]
        for (name, key, _), result in zip(missing, _built(missing, self.workers)):
            self._entries[name] = (key, result)
        return [self.part(name, key, build) for name, key, build in requests]

    def last(self, name: str) -> tuple[tuple, object] | None:
        """The key and result of the last `name` built (or remembered), whatever its key."""
        return self._entries.get(name)

    def remember(self, name: str, key: tuple, result: object) -> None:
        self._later.pop(name, None)
        self._entries[name] = (key, result)

    def remember_later(self, name: str, key: tuple, build: Callable[[], object]) -> None:
        """Remember build()'s result as `name` once finish_later() runs (or it is first asked for):
        work only a later rescore reads, left until this one's result is out. A None is not kept."""
        self._later[name] = (key, build)

    def forget_later(self) -> None:
        self._later.clear()

    def finish_later(self) -> None:
        while self._later:
            name, (key, build) = self._later.popitem()
            result = build()
            if result is not None:
                self._entries[name] = (key, result)

    def kept(self, name: str, key: tuple) -> object | None:
        """What was remembered as `name` under this very key, else None."""
        if name in self._later:
            self.finish_later()
        entry = self._entries.get(name)
        return entry[1] if entry is not None and _same_key(entry[0], key) else None

    def keep(self, names: set[str]) -> None:
        """Forget parts of files that are gone."""
        for name in set(self._entries) - names:
            del self._entries[name]
        for name in set(self._later) - names:
            del self._later[name]


class NoMemo(ScoringMemo):
    """For one-shot scoring (the CLI): builds every part and keeps none, so a file's scored rows are
    freed once they are joined. With workers > 1 the files' parts are built on that many threads.
    With drop_rows, the list of files given to build_ledger_parts is changed in place: once the
    parts are built each file keeps only its row count, which frees the read rows before the join."""

    def __init__(self, workers: int = 1, drop_rows: bool = False, full_rows: bool = True) -> None:
        super().__init__(workers)
        self.drop_rows = drop_rows
        self.full_rows = full_rows

    def part(self, name: str, key: tuple, build: Callable[[], Kept]) -> Kept:
        return build()

    def parts(self, requests: list[tuple[str, tuple, object]]) -> list[pd.DataFrame]:
        return _built(requests, self.workers)


def _built(requests: list[tuple[str, tuple, object]], workers: int) -> list:
    """Each request's build() result, in order, on up to `workers` threads."""
    if workers <= 1 or len(requests) <= 1:
        return [build() for _, _, build in requests]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers, thread_name_prefix="spiff-score") as pool:
        return list(pool.map(lambda request: request[2](), requests))


# What build_ledger_parts and snapshot.score memoise besides the files' parts.
BOARD_PARTS = {"targets", "opportunities", "activities", "activity_ids", "reps_view", "stages_view", "activity_view",
               "boards"}


def part_name(result: FileResult) -> str:
    return f"{result.kind}:{result.name}"


def _same_key(old: tuple, new: tuple) -> bool:
    return len(old) == len(new) and all(a is b or (not isinstance(a, pd.DataFrame) and a == b)
                                        for a, b in zip(old, new))


@dataclass(frozen=True, eq=False)
class BoardParts:
    """The ledger parts with only the boards' columns, joined and marked by the rules that cross
    files; and what build_ledger_parts finishes the full ledger from: each newly scored file's full
    part, built on demand from the work done for its board columns, and per kind the names of the
    parts joined, in order, with what names the rows the marks stopped counting."""

    opportunities: pd.DataFrame
    activities: pd.DataFrame
    full_parts: dict[str, Callable[[], pd.DataFrame]]
    joins: dict[str, tuple[tuple[str, ...], Namer | None]]


def build_ledger_parts(rules: Rules, files: list[FileResult], memo: ScoringMemo | None = None,
                       boards: BoardParts | None = None, boards_first: ShowBoards | None = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(opportunity part, activity part) of the ledger.

    Each file's rows are scored on their own and memoised; only the rules that cross files —
    newest snapshot wins, an activity counts once — run over the whole part every time. Given the
    `boards` worked out for the same files (board_ledger_parts), their work is not done again.
    Given `boards_first`, a big join that is made anew while the other kind's is kept — of the
    opportunities, or of the activities with exports added after the last join's own — is handed
    to it with the boards' columns alone, marked, with the other kind's join, before the rows
    that stopped counting are named.
    """
    memo = memo or NoMemo()
    targets_once, accounts_key = _targets(files, memo)
    parts: dict[str, list[pd.DataFrame]] = {"opportunities": [], "activities": []}
    scored = _scored_files(files, parts)
    staged = boards.full_parts if boards is not None else {}
    # A file's place in name order only matters across files: it is not part of the key.
    built = memo.parts([(part_name(result), _part_key(rules, result, accounts_key),
                         staged.get(part_name(result))
                         or (lambda result=result: score_export(rules, result, targets_once(), memo.full_rows)))
                        for result in scored])
    for result, part in zip(scored, built):
        parts[result.kind].append(part)
    joined_boards = {kind: _joined_board(boards, kind, [part_name(r) for r in scored if r.kind == kind])
                     for kind in parts}
    del scored
    if isinstance(memo, NoMemo) and memo.drop_rows:
        files[:] = [f.rows_dropped() for f in files]
        release_freed_memory()
    memo.keep({part_name(f) for f in files} | BOARD_PARTS)

    def joined_opportunities(show_board: Callable[[pd.DataFrame], None] | None = None) -> pd.DataFrame:
        board = joined_boards["opportunities"]
        if board:
            return _extended(*board, parts["opportunities"])
        joined = _concat(parts, "opportunities")
        if show_board is None or len(joined) < OPPORTUNITY_BOARDS_FIRST_FROM:
            return _visible(mark_superseded(joined))
        # A big join's board columns go first: naming every replaced row is some 12 ms at 160k rows.
        name = supersede(joined)
        show_board(joined[BOARD_COLUMNS])
        if name is not None:
            name(joined)
        return _visible(joined)

    # Parts are in file (name) order, and only their order relative to each other matters, so a
    # new activities export leaves the joined opportunities as they were, and the other way round.
    # The two kinds are joined side by side when there are threads to spare: neither reads the other.
    opportunities_key, activities_key = tuple(parts["opportunities"]), tuple(parts["activities"])
    if boards_first is None:
        return tuple(memo.parts([
            ("opportunities", opportunities_key, joined_opportunities),
            ("activities", activities_key, lambda: _joined_activities(parts, memo, joined_boards["activities"]))]))
    # The boards handed over early read both kinds joined: the one that is kept is taken first.
    activities = memo.kept("activities", activities_key)
    if activities is not None:
        return memo.part("opportunities", opportunities_key, lambda: joined_opportunities(
            lambda board: boards_first(board, activities))), activities
    opportunities = memo.part("opportunities", opportunities_key, joined_opportunities)
    activities = memo.part("activities", activities_key, lambda: _joined_activities(
        parts, memo, joined_boards["activities"], lambda board: boards_first(opportunities, board)))
    return opportunities, activities


def _joined_board(boards: BoardParts | None, kind: str, names: list[str]) -> tuple[pd.DataFrame, Namer | None] | None:
    """The kind's joined board columns and its namer, if they were joined from these very parts."""
    if boards is None or not names or boards.joins[kind][0] != tuple(names):
        return None
    return getattr(boards, kind), boards.joins[kind][1]


def _extended(board: pd.DataFrame, name: Namer | None, parts: list[pd.DataFrame]) -> pd.DataFrame:
    """A kind's joined ledger part: its joined board columns, marked already, beside the other
    columns of its per-file parts, joined here; then the marked rows are named."""
    rest = [c for c in LEDGER_COLUMNS if c not in board.columns]
    others = concat_frames([part[rest] for part in parts])
    joined = pd.DataFrame({c: board[c] if c in board.columns else others[c] for c in LEDGER_COLUMNS}, copy=False)
    if name is not None:
        name(joined)
    return joined


def board_ledger_parts(rules: Rules, files: list[FileResult], memo: ScoringMemo) -> BoardParts:
    """The files' ledger with only the boards' columns (scoring.BOARD_COLUMNS), and what
    build_ledger_parts needs to finish it from that work. A file whose full part the memo holds is
    not scored again (build_ledger_parts takes it from the memo); nothing is memoised but the
    target accounts."""
    targets_once, accounts_key = _targets(files, memo)
    parts: dict[str, list[pd.DataFrame]] = {"opportunities": [], "activities": []}
    scored = _scored_files(files, parts)
    known = [memo.kept(part_name(result), _part_key(rules, result, accounts_key)) for result in scored]
    fresh = iter(_built([(part_name(result), (), lambda result=result: staged_rows(
        rules, result.kind, _export_of(result), targets_once()))
        for result, part in zip(scored, known) if part is None], memo.workers))
    full_parts = {}
    for result, part in zip(scored, known):
        if part is None:
            staged = next(fresh)
            parts[result.kind].append(staged.board)
            full_parts[part_name(result)] = staged.full
        else:
            parts[result.kind].append(part[[c for c in part.columns if c in BOARD_COLUMNS + HIDDEN_COLUMNS]])
    names = {kind: tuple(part_name(r) for r in scored if r.kind == kind) for kind in parts}
    (opportunities, opps_name), (activities, acts_name) = _built(
        [("", (), lambda kind=kind, mark=mark: _marked_board(parts, kind, mark))
         for kind, mark in (("opportunities", supersede), ("activities", count_once))], memo.workers)
    return BoardParts(opportunities, activities, full_parts,
                      {"opportunities": (names["opportunities"], opps_name), "activities": (names["activities"], acts_name)})


def inserted_boards(rules: Rules, files: list[FileResult], memo: ScoringMemo
                    ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(the joined opportunities, the joined activities' board columns, marked) when all that changed
    since the memo's last joins is new activities exports put among the others (one whose name
    sorts first), and there are BOARDS_FIRST_FROM activity rows or more: their boards come from the
    last join's marks and ids (activity_insert.py), before every export is joined again for the
    rows. The new exports' parts are scored and memoised as build_ledger_parts would. Else None."""
    last_activities, last_opportunities = memo.last("activities"), memo.last("opportunities")
    if last_activities is None or last_opportunities is None or not last_activities[0]:
        return None
    accounts_key = _accounts_key(files)
    scored = _scored_files(files, {"opportunities": [], "activities": []})
    kept = [memo.kept(part_name(result), _part_key(rules, result, accounts_key)) for result in scored]
    opportunities = [part for result, part in zip(scored, kept) if result.kind == "opportunities"]
    activities = [(result, part) for result, part in zip(scored, kept) if result.kind == "activities"]
    if len(opportunities) != len(last_opportunities[0]) or not _starts_with(opportunities, last_opportunities[0]):
        return None
    places = {id(part): place for place, (_, part) in enumerate(activities) if part is not None}
    last_places = [places.get(id(part)) for part in last_activities[0]]
    new_places = sorted(set(range(len(activities))) - set(last_places))
    # Every part of the last join still there, in order, and one or more new ones before its last.
    if None in last_places or last_places != sorted(last_places) or not new_places \
            or new_places[0] > last_places[-1] or sum(len(r.frame) for r, _ in activities) < BOARDS_FIRST_FROM:
        return None
    seen = memo.kept("activity_ids", last_activities[0]) or seen_ids(last_activities[0])
    if seen is None:
        return None
    targets_once, _ = _targets(files, memo)
    new = [activities[place][0] for place in new_places]
    parts = memo.parts([(part_name(result), _part_key(rules, result, accounts_key),
                         lambda result=result: score_export(rules, result, targets_once(), memo.full_rows))
                        for result in new])
    board = inserted_board(last_activities[1], seen, [len(part) for part in last_activities[0]], last_places,
                           list(zip(new_places, parts)))
    return None if board is None else (last_opportunities[1], board)


def _marked_board(parts: dict[str, list[pd.DataFrame]], kind: str, mark: Callable[[pd.DataFrame], Namer | None]
                  ) -> tuple[pd.DataFrame, Namer | None]:
    joined = _concat(parts, kind)
    name = mark(joined)
    return _visible(joined), name


def _targets(files: list[FileResult], memo: ScoringMemo) -> tuple[Callable[[], TargetAccounts], tuple]:
    """The target accounts, made on first use (and kept by the memo while the accounts exports are
    unchanged); and what they are made from, which every file's part key holds."""
    accounts_key = _accounts_key(files)
    targets = None

    def targets_once() -> TargetAccounts:
        nonlocal targets
        if targets is None:
            targets = memo.part("targets", accounts_key, lambda: targets_of(files))
        return targets

    if memo.workers > 1:
        targets_once()   # before any thread needs it
    return targets_once, accounts_key


def _accounts_key(files: list[FileResult]) -> tuple:
    # The accounts exports in name order; only their order among themselves matters.
    return tuple(x for f in files if f.kind == "accounts" and f.frame is not None
                 for x in (f.frame, f.name, f.export_time))


# From this many activity rows on, a rescore that joins every activities export anew hands the
# boards over before the rows: 50 ms sooner at 800k rows, 7 ms at 100k, 3 ms later at 5k (where
# the board is then also drawn twice). So does one that adds an export to the last join
# (_appended): 90 ms sooner for 100k rows added to a million.
BOARDS_FIRST_FROM = 200_000
# The same for a rescore that joins the opportunities anew: 13 ms sooner at 160k rows.
OPPORTUNITY_BOARDS_FIRST_FROM = 50_000


def boards_first_pays(rules: Rules, files: list[FileResult], memo: ScoringMemo) -> bool:
    """Whether scoring these files in two steps, the boards and then the rows behind them, brings
    the boards sooner: on a first scoring; and when every activities export is joined anew and
    they are big. Not when the memo's last join of the activities is of the first of these files'
    parts, in order, scored under these rules and accounts: the join is then kept as it is or has
    the parts after its own added to it (_appended, which hands a big join's boards over itself)."""
    last = memo.last("activities")
    if last is None:
        return True
    activities = _scored_files(files, {"activities": []})
    if sum(len(result.frame) for result in activities) < BOARDS_FIRST_FROM:
        return False
    accounts_key = _accounts_key(files)
    kept = [memo.kept(part_name(result), _part_key(rules, result, accounts_key)) for result in activities]
    return not _starts_with(kept, last[0])


def _starts_with(parts, first) -> bool:
    """Whether `parts` begin with the very parts `first`, in order."""
    return len(parts) >= len(first) and all(part is earlier for part, earlier in zip(parts, first))


def _scored_files(files: list[FileResult], parts: dict[str, list]) -> list[FileResult]:
    return [result for result in files if result.kind in parts and result.frame is not None and not result.frame.empty]


def _part_key(rules: Rules, result: FileResult, accounts_key: tuple) -> tuple:
    return (rules, result.frame, result.name, result.export_time) + accounts_key


def _joined_activities(parts: dict[str, list[pd.DataFrame]], memo: ScoringMemo,
                       board: tuple[pd.DataFrame, Namer | None] | None = None,
                       show_board: Callable[[pd.DataFrame], None] | None = None) -> pd.DataFrame:
    """The activity parts joined, each activity counted once: from their joined `board` columns when
    given; else, when the last join's parts all come first, in order, only the parts after them are
    checked and added to it (activity_append.py); else every part is joined again."""
    joined = tuple(parts["activities"])
    if board is not None:
        activities = _extended(*board, parts["activities"])
        parts["activities"] = []
    else:
        appended = _appended(joined, memo, show_board)
        if appended is not None:
            parts["activities"] = []
            return appended
        activities = _visible(mark_duplicates(_concat(parts, "activities")))
    if not isinstance(memo, NoMemo) and joined:   # its results outlive this call
        # Ready for the next export to be added: some 20-40 ms at a million rows, where joining every
        # export again takes over 100; made once this rescore's result is out.
        memo.remember_later("activity_ids", joined, lambda: seen_ids(joined))
    return activities


def _appended(joined: tuple[pd.DataFrame, ...], memo: ScoringMemo,
              show_board: Callable[[pd.DataFrame], None] | None = None) -> pd.DataFrame | None:
    """The last join with the parts after its own added to it, if it holds the first of these parts.
    A big join's board columns, marked, go to `show_board` first: writing the new rows' reasons and
    joining every column is some 90 ms of a 100k-row export added to a million rows."""
    last = memo.last("activities")
    if last is None or not 0 < len(last[0]) < len(joined) or not _starts_with(joined, last[0]):
        return None
    seen = memo.kept("activity_ids", last[0]) or seen_ids(last[0])
    if seen is None:
        return None
    added = concat_frames(list(joined[len(last[0]):]))
    found = repeats(seen, added)
    if found is None:
        return None
    if show_board is not None and len(last[1]) + len(added) >= BOARDS_FIRST_FROM:
        show_board(concat_frames([last[1][BOARD_COLUMNS], board_rows(added, found)]))
    appended, ids_later = append(last[1], seen, added, found)
    memo.remember_later("activity_ids", joined, ids_later)
    return appended


def targets_of(files: list[FileResult]) -> TargetAccounts:
    """The target accounts the folder's newest accounts exports name (files in name order)."""
    return target_accounts(newest_accounts([_stamped(f, order) for order, f in enumerate(files)
                                            if f.kind == "accounts" and f.frame is not None]))


def score_export(rules: Rules, result: FileResult, targets: TargetAccounts, full_rows: bool = True) -> pd.DataFrame:
    """One opportunities or activities export's ledger part, before the rules that cross files."""
    score_file = opportunity_rows if result.kind == "opportunities" else activity_rows
    return score_file(rules, _export_of(result), targets, full_rows)


def _export_of(result: FileResult) -> Export:
    return Export(result.frame, result.name, _stamp(result))


def _visible(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger without the columns only the cross-file rules needed (dropped without a copy)."""
    for column in [c for c in ledger.columns if c not in LEDGER_COLUMNS]:
        del ledger[column]
    return ledger


def _stamp(result: FileResult) -> np.datetime64:
    return np.datetime64(result.export_time or dt.datetime(1970, 1, 1), "ns")


def _stamped(result: FileResult, order: int) -> pd.DataFrame:
    return result.frame.assign(file=result.name, file_order=order, export_time=_stamp(result))


def _concat(parts: dict[str, list[pd.DataFrame]], kind: str) -> pd.DataFrame:
    """The kind's per-file parts joined; the list is emptied, so unless a memo keeps them they are freed."""
    if not parts[kind]:
        return empty_ledger()
    joined = concat_frames(parts[kind])
    joined["_file_order"] = np.repeat(np.arange(len(parts[kind]), dtype=np.int32), [len(p) for p in parts[kind]])
    parts[kind] = []
    return joined


def join_ledger(parts: tuple[pd.DataFrame, ...]) -> pd.DataFrame:
    ledger = concat_frames([p for p in parts if not p.empty] or [empty_ledger()])
    if isinstance(ledger["file"].dtype, pd.CategoricalDtype):
        # File order is name order, not the order the files' categories were met in.
        ledger["file"] = ledger["file"].cat.reorder_categories(sorted(ledger["file"].cat.categories))
    return ledger.sort_values(["file", "line"], kind="stable").reset_index(drop=True)
