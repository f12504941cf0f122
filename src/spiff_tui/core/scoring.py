"""SPEC §4 for one export at a time: each opportunity and activity row becomes a ledger row — who,
which rule, points, why. The rules that cross files are applied by ledger.py.

Text columns are categoricals (labels.py): every name, stage and reason is worked out once per
distinct value, and a row holds only codes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spiff_tui.core.accounts import TargetAccounts
from spiff_tui.core.labels import categorical, constant, first_of, none_apply, per_distinct, worded
from spiff_tui.core.names import display_text
from spiff_tui.core.rules import Rules, ScoringTable
from spiff_tui.core.text import (
    TEXT,
    Coded,
    KeyCodes,
    blank_mask,
    display_labels,
    labels,
    match_key,
    safe_text,
    stripped,
)
from spiff_tui.core.values import CONFLICT

# Carried from the per-file parts to the rules that cross files, then dropped (activities need no
# export time: an activity counts once whichever file is newer). _file_order is set when parts are joined.
HIDDEN_COLUMNS = ["_export_time", "_file_order", "_dedupe_key", "_has_id"]
LEDGER_COLUMNS = ["kind", "record_id", "rep", "team", "stage_or_type", "points", "counted", "reason",
                  "file", "line", "account", "date", "amount", "is_call"]


# Typed like a scored part's columns: an object-typed empty "counted" would make ledger[ledger["counted"]]
# pick columns, not rows. The text columns stay object, so any part's categories join them.
_EMPTY_TYPES = {"points": "float64", "counted": bool, "line": "int64", "date": "datetime64[ns]",
                "amount": "float64", "is_call": bool, "_export_time": "datetime64[ns]", "_has_id": bool}


def empty_ledger() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_EMPTY_TYPES.get(c, object)) for c in LEDGER_COLUMNS + HIDDEN_COLUMNS})


class _Roster:
    def __init__(self, rules: Rules) -> None:
        self.display = {match_key(m): display_text(m) for m in rules.roster}
        self.team = {match_key(m): display_text(t) for m, t in rules.team_of.items()}

    def people(self, raw: pd.Series) -> tuple[KeyCodes, pd.Categorical, pd.Categorical]:
        """(key codes, display name, team) per row: roster spelling for roster members, worked out per name."""
        coded = Coded(raw)
        keys = coded.keys()
        on_roster = np.array([k in self.display for k in keys], dtype=bool)
        shown = np.where(on_roster, np.array([self.display.get(k, "") for k in keys], dtype=object),
                         coded.displays())
        team = [self.team.get(k, "") for k in keys]
        return KeyCodes(raw, coded=coded), labels(coded, shown), labels(coded, team)

    def unnamed(self, people: KeyCodes) -> np.ndarray:
        return people.rows_where(people.keys == "", missing=True)

    def off_roster(self, people: KeyCodes) -> np.ndarray:
        return people.rows_where(~people.keys.isin(list(self.display)), missing=True)


class _Keyed:
    """A text column's match keys, kept per distinct value; tests on them are spread to the rows."""

    def __init__(self, column: pd.Series) -> None:
        self.coded = Coded(column)
        self.keys = self.coded.keys()

    def rows_in(self, wanted) -> np.ndarray:
        return self.coded.per_row(np.isin(self.keys, list(wanted)), False).astype(bool)

    def rows_blank(self) -> np.ndarray:
        return self.coded.per_row(self.keys == "", True).astype(bool)

    def labels(self, per_key: dict) -> pd.Categorical:
        """Per row the text `per_key` gives for its key, else the value as displayed."""
        shown = self.coded.displays()
        return labels(self.coded, [per_key.get(k, s) for k, s in zip(self.keys, shown)])

    def numbers(self, per_key: dict) -> np.ndarray:
        return self.coded.per_row(np.array([per_key.get(k, np.nan) for k in self.keys], dtype=float), np.nan)


@dataclass(frozen=True)
class Export:
    """One export's rows and where they came from."""

    frame: pd.DataFrame
    name: str
    stamp: np.datetime64   # its export time (NaT-free: the epoch when unknown)


def _window_reasons(rules: Rules, days: pd.Series, written: pd.Series, what: str) -> list[tuple]:
    start, end = pd.Timestamp(rules.start), pd.Timestamp(rules.end)
    missing = days.isna().to_numpy()
    return [
        (missing & ~blank_mask(written),
         lambda hit: worded(display_labels(written[hit]), what + " date '{}' is not a date")),
        (missing, f"no {what} date"),
        ((days < start).to_numpy(), lambda hit: per_distinct(
            days[hit], lambda day: f"{what} {day:%Y-%m-%d}, before the contest")),
        ((days > end).to_numpy(), lambda hit: per_distinct(
            days[hit], lambda day: f"{what} {day:%Y-%m-%d}, after the contest")),
    ]


def _not_target(account: pd.Categorical, rep: pd.Categorical) -> pd.Categorical:
    """The reason text, built once per distinct (account, rep) pair and shared by its rows."""
    width = len(rep.categories) + 1
    pair_codes, pairs = pd.factorize(account.codes.astype(np.int64) * width + rep.codes)
    accounts, reps = account.categories.tolist(), rep.categories.tolist()
    texts = [f"{accounts[p // width] or 'the account'} is not a target account of {reps[p % width]}"
             for p in pairs.tolist()]
    return categorical(pair_codes, texts)


# The ledger parts below are built from their columns as they are (copy=False): pandas would
# otherwise copy the columns of one type into one block, for every file.


# What the boards read of a ledger part; a one-shot command that shows no ledger row (an export of
# a board, `check`) scores only these, and no row's reason text, account or id is built.
BOARD_COLUMNS = ["kind", "rep", "stage_or_type", "points", "counted", "file", "line", "is_call"]


def _decided(reasons: list[tuple], count: int) -> tuple[Callable[[], pd.Categorical], np.ndarray]:
    """(a function giving each row's reason, which rows count): which rows count now, their reasons
    when asked (only the drilldowns read them)."""
    return (lambda: first_of(reasons, count)[0]), none_apply(reasons, count)


@dataclass(frozen=True)
class StagedPart:
    """A file's ledger part in two steps: the boards' columns, worked out at once, and every column,
    built when asked from the work already done for the first."""

    board: pd.DataFrame
    full: Callable[[], pd.DataFrame]


def _staged(board: dict, rest: Callable[[], dict]) -> StagedPart:
    """From the boards' columns and a function building the rest, both in the ledger's column order."""
    return StagedPart(_part(board), lambda: _part(board | rest()))


def _part(columns: dict) -> pd.DataFrame:
    return pd.DataFrame({c: columns[c] for c in LEDGER_COLUMNS + HIDDEN_COLUMNS if c in columns}, copy=False)


def staged_rows(rules: Rules, kind: str, export: Export, targets: TargetAccounts) -> StagedPart:
    """An opportunities or activities export's ledger part, in two steps."""
    return (_opportunity_stages if kind == "opportunities" else _activity_stages)(rules, export, targets)


def opportunity_rows(rules: Rules, export: Export, targets: TargetAccounts, full_rows: bool = True) -> pd.DataFrame:
    staged = _opportunity_stages(rules, export, targets)
    return staged.full() if full_rows else staged.board


def activity_rows(rules: Rules, export: Export, targets: TargetAccounts, full_rows: bool = True) -> pd.DataFrame:
    staged = _activity_stages(rules, export, targets)
    return staged.full() if full_rows else staged.board


def _opportunity_stages(rules: Rules, export: Export, targets: TargetAccounts) -> StagedPart:
    opps = export.frame
    count = len(opps)
    blank = pd.Series("", index=opps.index, dtype=object)
    ids = stripped(opps["id"]) if "id" in opps else blank
    types, stages = _Keyed(opps["type"]), _Keyed(opps["stage"])
    stage_text = labels(stages.coded, stages.coded.displays())
    amount = opps.get("amount_value", pd.Series(np.nan, index=opps.index))
    currency = opps.get("amount_currency", pd.Series(rules.input.currency, index=opps.index))
    rates = dict(rules.input.rates) | {rules.input.currency: 1.0}
    amount_base = amount * _per_distinct_value(currency, lambda code: rates.get(code, np.nan), float)
    # Built once if a reason or the drilldowns need it; the boards do not.
    account = functools.cache(lambda: display_labels(opps.get("account", blank)))
    # Only the cells the tables' rules read are taken per table, not the whole export's.
    wanted = list(dict.fromkeys(c for c in [t.credit for t in rules.tables] + _TABLE_COLUMNS if c in opps))

    points = np.zeros(count)
    counted = np.zeros(count, dtype=bool)
    claimed = np.zeros(count, dtype=bool)
    kinds, reps, teams, shown_stages, reasons = [], [], [], [], []
    for table in rules.tables:
        rows = types.rows_in(table.type_keys) & ~claimed
        if not rows.any():
            continue
        claimed |= rows
        part = opps.loc[rows, wanted]
        keys, display, team = _Roster(rules).people(part.get(table.credit, blank[rows]))
        reason, ok = _table_reasons(rules, table, part, keys, display, account, stages, rows, stage_text[rows],
                                    amount[rows], amount_base[rows], currency[rows], targets)
        points[rows] = np.where(ok, np.nan_to_num(stages.numbers(table.points_by_stage_key)[rows]), 0.0)
        counted[rows] = ok
        kinds.append((rows, table.kind))
        reps.append((rows, display))
        teams.append((rows, team))
        shown_stages.append((rows, _stage_shown(stages, table, rows)))
        # The table's rows are all undecided when first_of comes to them: its reasons are theirs.
        reasons.append((rows, lambda hit, reason=reason: reason()))
    unscored = ~claimed
    reasons += [(unscored & types.rows_blank(), "no opportunity type"),
                (unscored, lambda hit: worded(display_labels(opps["type"][hit]), "type '{}' is not scored"))]
    everyone = np.ones(count, dtype=bool)
    board = {"kind": first_of(kinds + [(everyone, "opportunity")], count)[0],
             "rep": first_of(reps + [(everyone, display_labels(opps.get("owner", blank)))], count)[0],
             "stage_or_type": first_of(shown_stages + [(everyone, stage_text)], count)[0],
             "points": points, "counted": counted, "file": constant(export.name, count),
             "line": opps["line"].to_numpy(), "is_call": np.zeros(count, dtype=bool),
             "_export_time": np.full(count, export.stamp, dtype="datetime64[ns]"),
             "_dedupe_key": ids, "_has_id": (ids != "").to_numpy(dtype=bool)}
    return _staged(board, lambda: {"record_id": safe_text(ids), "team": first_of(teams, count)[0],
                                   "reason": first_of(reasons, count)[0], "account": account(),
                                   "date": opps["created_day"].to_numpy(), "amount": amount.to_numpy(dtype=float)})


def _per_distinct_value(values: pd.Series, function, dtype) -> np.ndarray:
    """function(value) per row, called once per distinct value (a currency column has a handful)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.array([function(value) for value in uniques], dtype=dtype)[codes]


# The opportunity cells _table_reasons reads, besides the table's credit column.
_TABLE_COLUMNS = ["created_day", "created", "account_id", "account", "amount"]


def _stage_shown(stages: _Keyed, table: ScoringTable, rows: np.ndarray) -> pd.Categorical:
    """The rules' spelling of a scored stage, else the export's (cleaned)."""
    return stages.labels(table.stage_display_by_key)[rows]


def _table_reasons(rules: Rules, table: ScoringTable, part: pd.DataFrame, keys: KeyCodes,
                   display: pd.Categorical, account: Callable[[], pd.Categorical], stages: _Keyed, rows: np.ndarray,
                   stage_text: pd.Categorical, amount: pd.Series, amount_base: pd.Series, currency: pd.Series,
                   targets: TargetAccounts) -> tuple[Callable[[], pd.Categorical], np.ndarray]:
    """(a function giving each of the table's rows' reason, which count); `account()` is the export's
    account names, over all its rows."""
    roster = _Roster(rules)
    blank = pd.Series("", index=part.index, dtype=object)
    credit_header = rules.columns["opportunities"][table.credit][0]
    reasons = [(roster.unnamed(keys), f"no {credit_header} named")]
    reasons += _window_reasons(rules, part["created_day"], part["created"], "created")
    reasons.append((roster.off_roster(keys), lambda hit: worded(display[hit], "{} is not on the roster")))
    if table.target_accounts_only:
        is_target = targets.contains(keys, part.get("account_id", blank), part.get("account", blank))
        reasons.append((~is_target, lambda hit: _not_target(account()[rows][hit], display[hit])))
    if "amount" in part:
        # Only cells that did not read as an amount can be bad ones: the rest are not looked at again.
        bad_amount = amount.isna().to_numpy().copy()
        bad_amount[bad_amount] = ~blank_mask(part["amount"][bad_amount])
        reasons.append((bad_amount, lambda hit: worded(display_labels(part["amount"][hit]),
                                                       "amount '{}' is not an amount")))
        conflict = _per_distinct_value(currency, lambda code: CONFLICT in str(code), bool)
        reasons.append((conflict, lambda hit: per_distinct(currency[hit], lambda code: "amount in {} but the currency "
                                                           "column says {}".format(*code.split(CONFLICT)))))
        reasons.append(((amount_base.isna() & amount.notna()).to_numpy(), lambda hit: per_distinct(
            currency[hit], lambda code: f"amount in {code}, no rate to {rules.input.currency} in [input] rates")))
    if table.min_amount is not None:
        minimum = f"{table.min_amount:,.0f}" if table.min_amount.is_integer() else f"{table.min_amount:,.2f}"
        reasons.append((amount.isna().to_numpy(), "no amount"))
        reasons.append((~(amount_base > table.min_amount).to_numpy(), lambda hit: per_distinct(
            amount_base[hit], lambda value: f"amount {value:,.2f} is not over {minimum}")))
    reasons.append((stages.rows_blank()[rows], "no stage"))
    reasons.append((~stages.rows_in(table.points_by_stage_key.keys())[rows],
                    lambda hit: worded(stage_text[hit], "stage '{}' has no points")))
    return _decided(reasons, len(part))


def _activity_stages(rules: Rules, export: Export, targets: TargetAccounts) -> StagedPart:
    acts = export.frame
    count = len(acts)
    roster = _Roster(rules)
    q = rules.qualification
    blank = pd.Series("", index=acts.index, dtype=object)
    ids = stripped(acts["id"]) if "id" in acts else blank
    keys, display, team = roster.people(acts["assigned"])
    types = _Keyed(acts["type"])
    type_text = labels(types.coded, types.coded.displays())
    reasons = _window_reasons(rules, acts["date_day"], acts["date"], "activity")
    reasons.append((roster.unnamed(keys), "no one assigned"))
    reasons.append((roster.off_roster(keys), lambda hit: worded(display[hit], "{} is not on the roster")))
    reasons.append((types.rows_blank(), "no activity type"))
    reasons.append((~types.rows_in({match_key(t) for t in q.activity_types}),
                    lambda hit: worded(type_text[hit], "type '{}' does not count")))
    account_names = Coded(acts.get("account", blank))   # for the target test and the rows' text
    account = functools.cache(lambda: labels(account_names, account_names.displays()))
    if q.target_accounts_only:
        is_target = targets.contains(keys, acts.get("account_id", blank), acts.get("account", blank),
                                     names_coded=account_names)
        reasons.append((~is_target, lambda hit: _not_target(account()[hit], display[hit])))
    reason, counted = _decided(reasons, count)
    board = {"kind": constant("activity", count), "rep": display, "stage_or_type": type_text,
             "points": np.zeros(count), "counted": counted, "file": constant(export.name, count),
             "line": acts["line"].to_numpy(), "is_call": counted & types.rows_in({match_key(t) for t in q.call_types}),
             "_dedupe_key": _dedupe_keys(acts, ids), "_has_id": (ids != "").to_numpy(dtype=bool)}
    return _staged(board, lambda: {"record_id": safe_text(ids), "team": team, "reason": reason(),
                                   "account": account(), "date": acts["date_day"].to_numpy(),
                                   "amount": np.full(count, np.nan)})


# An activity without an id is told by these cells.
SIGNATURE_COLUMNS = ("assigned", "type", "date", "account_id", "account", "subject")


def _dedupe_keys(acts: pd.DataFrame, ids: pd.Series) -> pd.Series:
    """The Activity ID, or for a row without one its own cells, each after a unit separator (so no
    such row's key equals an id). Arrow joins the cells of those rows only: often a few in a million."""
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = (ids == "").to_numpy(dtype=bool)
    if not missing.any():
        return ids
    rows = np.flatnonzero(missing)
    cells = [_texts_at_rows(acts[column], rows) for column in SIGNATURE_COLUMNS if column in acts]
    signature = pc.binary_join_element_wise("", *cells, "\x1f") if cells else pa.array([""] * len(rows))
    keys = pa.array(ids.astype(TEXT).array)
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    keys = pc.replace_with_mask(keys, pa.array(missing), signature.cast(keys.type))
    return pd.Series(pd.arrays.ArrowStringArray(keys), index=acts.index)


def _texts_at_rows(column: pd.Series, rows: np.ndarray):
    """The column's cells at `rows` as an Arrow string array; a missing cell is a text no cell holds."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = pa.array(column.cat.categories.astype(str).to_numpy(dtype=object), pa.string())
        codes = column.cat.codes.to_numpy()[rows]
        texts = categories.take(pa.array(codes, mask=codes < 0))
    else:
        texts = pa.array(column.iloc[rows].astype(TEXT).array)
        texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    return pc.fill_null(texts.cast(pa.string()), "\x1e")
