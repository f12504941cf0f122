"""SPEC §4 for one export at a time: each opportunity and activity row becomes a ledger row — who,
which rule, points, why. The rules that cross files are applied by ledger.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiff_tui.core.accounts import TargetAccounts
from spiff_tui.core.names import display_text
from spiff_tui.core.rules import Rules, ScoringTable
from spiff_tui.core.text import (
    Coded,
    KeyCodes,
    blank_mask,
    clean_display,
    match_key,
    match_keys,
    safe_text,
    stripped,
)

# Carried from the per-file parts to the rules that cross files, then dropped.
HIDDEN_COLUMNS = ["_export_time", "_file_order", "_dedupe_key", "_has_id"]
LEDGER_COLUMNS = ["kind", "record_id", "rep", "team", "stage_or_type", "points", "counted", "reason",
                  "file", "line", "account", "date", "amount", "is_call"]


def empty_ledger() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in LEDGER_COLUMNS + HIDDEN_COLUMNS})


class _Roster:
    def __init__(self, rules: Rules) -> None:
        self.display = {match_key(m): display_text(m) for m in rules.roster}
        self.team = {match_key(m): display_text(t) for m, t in rules.team_of.items()}

    def people(self, raw: pd.Series) -> tuple[KeyCodes, pd.Series, pd.Series]:
        """(key codes, display name, team) per row: roster spelling for roster members, worked out per name."""
        coded = Coded(raw)
        keys = coded.keys()
        on_roster = np.array([k in self.display for k in keys], dtype=bool)
        shown = np.where(on_roster, [self.display.get(k, "") for k in keys], coded.displays())
        team = np.array([self.team.get(k, "") for k in keys], dtype=object)
        as_series = lambda per_value: pd.Series(coded.per_row(per_value), index=raw.index, dtype=object)
        return KeyCodes(raw), as_series(shown), as_series(team)

    def unnamed(self, people: KeyCodes) -> np.ndarray:
        return people.rows_where(people.keys == "", missing=True)

    def off_roster(self, people: KeyCodes) -> np.ndarray:
        return people.rows_where(~people.keys.isin(list(self.display)), missing=True)


def _day_text(days: pd.Series) -> pd.Series:
    """Days as YYYY-MM-DD, formatted once per distinct day."""
    codes, uniques = pd.factorize(days, use_na_sentinel=True)
    texts = np.append(pd.DatetimeIndex(uniques).strftime("%Y-%m-%d").to_numpy(dtype=object), "")
    return pd.Series(texts[codes], index=days.index, dtype=object)


def _window_reasons(rules: Rules, days: pd.Series, written: pd.Series, what: str) -> list[tuple]:
    start, end = pd.Timestamp(rules.start), pd.Timestamp(rules.end)
    invalid = days.isna().to_numpy() & ~blank_mask(written)
    return [
        (invalid, lambda hit: f"{what} date '" + clean_display(written[hit]) + "' is not a date"),
        (days.isna(), f"no {what} date"),
        (days < start, lambda hit: what + " " + _day_text(days[hit]) + ", before the contest"),
        (days > end, lambda hit: what + " " + _day_text(days[hit]) + ", after the contest"),
    ]


def _apply(reasons: list[tuple], index: pd.Index) -> pd.Series:
    """The first reason that applies to each row, or '' when none does.

    A reason is a string, or a function of the rows it applies to, so that text is only
    built for the rows that need it.
    """
    result = np.full(len(index), "", dtype=object)
    undecided = np.ones(len(index), dtype=bool)
    for condition, reason in reasons:
        hit = undecided & np.asarray(condition, dtype=bool)
        if not hit.any():
            continue
        if callable(reason):
            result[hit] = np.asarray(reason(hit), dtype=object)
        elif isinstance(reason, pd.Series):
            result[hit] = reason.to_numpy(dtype=object)[hit]
        else:
            result[hit] = reason
        undecided &= ~hit
    return pd.Series(result, index=index, dtype=object)


def opportunity_rows(rules: Rules, frames: list[pd.DataFrame], targets: TargetAccounts) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame()
    opps = pd.concat(frames, ignore_index=True)
    roster = _Roster(rules)
    blank = pd.Series("", index=opps.index, dtype=object)
    ids = stripped(opps["id"]) if "id" in opps else blank
    type_keys = match_keys(opps["type"])
    stage_keys = match_keys(opps["stage"])
    stage_text = clean_display(opps["stage"])
    amount = opps.get("amount_value", pd.Series(np.nan, index=opps.index))
    currency = opps.get("amount_currency", pd.Series(rules.input.currency, index=opps.index))
    rates = dict(rules.input.rates) | {rules.input.currency: 1.0}
    amount_base = amount * currency.map(rates).astype(float)

    out = pd.DataFrame({"kind": "opportunity", "record_id": safe_text(ids), "rep": clean_display(opps.get("owner", blank)),
                        "team": "", "stage_or_type": stage_text, "points": 0.0, "counted": False,
                        "reason": "type '" + clean_display(opps["type"]) + "' is not scored",
                        "file": opps["file"], "line": opps["line"], "account": clean_display(opps.get("account", blank)),
                        "date": opps["created_day"], "amount": amount, "is_call": False,
                        "_export_time": opps["export_time"], "_file_order": opps["file_order"],
                        "_dedupe_key": ids, "_has_id": ids != ""})
    for table in rules.tables:
        rows = type_keys.isin(table.type_keys) & (out["kind"] == "opportunity")
        if not rows.any():
            continue
        part = opps[rows]
        keys, display, team = roster.people(part.get(table.credit, blank[rows]))
        reason = _table_reasons(rules, table, part, keys, display, stage_keys[rows], stage_text[rows],
                                amount[rows], amount_base[rows], currency[rows], targets)
        counted = reason == ""
        points = stage_keys[rows].map(table.points_by_stage_key).astype(float).where(counted, 0.0).fillna(0.0)
        shown = stage_keys[rows].map(table.stage_display_by_key).fillna(stage_text[rows])
        out.loc[rows, ["kind", "rep", "team", "stage_or_type", "reason"]] = pd.DataFrame(
            {"kind": table.kind, "rep": display, "team": team, "stage_or_type": shown, "reason": reason})
        out.loc[rows, "points"] = points
        out.loc[rows, "counted"] = counted
    unscored = out["kind"] == "opportunity"
    out.loc[unscored & (type_keys == ""), "reason"] = "no opportunity type"
    return out


def _not_target(account: pd.Series, rep: pd.Series) -> np.ndarray:
    """The reason text, built once per distinct (account, rep) pair and shared by its rows."""
    account_codes, accounts = pd.factorize(account.to_numpy(dtype=object))
    rep_codes, reps = pd.factorize(rep.to_numpy(dtype=object))
    pair_codes, pairs = pd.factorize(account_codes.astype(np.int64) * (len(reps) + 1) + rep_codes)
    texts = np.array([f"{accounts[p // (len(reps) + 1)] or 'the account'} is not a target account of "
                      f"{reps[p % (len(reps) + 1)]}" for p in pairs], dtype=object)
    return texts[pair_codes]


def _table_reasons(rules: Rules, table: ScoringTable, part: pd.DataFrame, keys: KeyCodes,
                   display: pd.Series, stage_keys: pd.Series, stage_text: pd.Series, amount: pd.Series,
                   amount_base: pd.Series, currency: pd.Series,
                   targets: TargetAccounts) -> pd.Series:
    roster = _Roster(rules)
    blank = pd.Series("", index=part.index, dtype=object)
    credit_header = rules.columns["opportunities"][table.credit][0]
    reasons = [(roster.unnamed(keys), f"no {credit_header} named")]
    reasons += _window_reasons(rules, part["created_day"], part["created"], "created")
    reasons.append((roster.off_roster(keys), lambda hit: display[hit] + " is not on the roster"))
    if table.target_accounts_only:
        is_target = targets.contains(keys, part.get("account_id", blank), part.get("account", blank))
        account = clean_display(part.get("account", blank))
        reasons.append((~is_target, lambda hit: _not_target(account[hit], display[hit])))
    if "amount" in part:
        bad_amount = amount.isna().to_numpy() & ~blank_mask(part["amount"])
        reasons.append((bad_amount, lambda hit: "amount '" + clean_display(part["amount"][hit]) + "' is not an amount"))
        reasons.append((amount_base.isna() & amount.notna(), lambda hit: "amount in " + currency[hit]
                        + f", no rate to {rules.input.currency} in [input] rates"))
    if table.min_amount is not None:
        minimum = f"{table.min_amount:,.0f}" if table.min_amount.is_integer() else f"{table.min_amount:,.2f}"
        reasons.append((amount.isna(), "no amount"))
        reasons.append((~(amount_base > table.min_amount), lambda hit: "amount " + amount_base[hit].map(
            lambda v: f"{v:,.2f}") + f" is not over {minimum}"))
    reasons.append((stage_keys == "", "no stage"))
    reasons.append((~stage_keys.isin(table.points_by_stage_key.keys()),
                    lambda hit: "stage '" + stage_text[hit] + "' has no points"))
    return _apply(reasons, part.index)


def activity_rows(rules: Rules, frames: list[pd.DataFrame], targets: TargetAccounts) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame()
    acts = pd.concat(frames, ignore_index=True)
    roster = _Roster(rules)
    q = rules.qualification
    blank = pd.Series("", index=acts.index, dtype=object)
    ids = stripped(acts["id"]) if "id" in acts else blank
    keys, display, team = roster.people(acts["assigned"])
    type_keys = match_keys(acts["type"])
    type_text = clean_display(acts["type"])
    reasons = _window_reasons(rules, acts["date_day"], acts["date"], "activity")
    reasons.append((roster.unnamed(keys), "no one assigned"))
    reasons.append((roster.off_roster(keys), lambda hit: display[hit] + " is not on the roster"))
    reasons.append((type_keys == "", "no activity type"))
    reasons.append((~type_keys.isin({match_key(t) for t in q.activity_types}),
                    lambda hit: "type '" + type_text[hit] + "' does not count"))
    account = clean_display(acts.get("account", blank))
    if q.target_accounts_only:
        is_target = targets.contains(keys, acts.get("account_id", blank), acts.get("account", blank))
        reasons.append((~is_target, lambda hit: _not_target(account[hit], display[hit])))
    reason = _apply(reasons, acts.index)
    counted = reason == ""
    return pd.DataFrame({"kind": "activity", "record_id": safe_text(ids), "rep": display, "team": team,
                         "stage_or_type": type_text, "points": 0.0, "counted": counted, "reason": reason,
                         "file": acts["file"], "line": acts["line"], "account": account,
                         "date": acts["date_day"], "amount": np.nan,
                         "is_call": counted & type_keys.isin({match_key(t) for t in q.call_types}),
                         "_export_time": acts["export_time"], "_file_order": acts["file_order"],
                         "_dedupe_key": _dedupe_keys(acts, ids), "_has_id": ids != ""})


def _dedupe_keys(acts: pd.DataFrame, ids: pd.Series) -> pd.Series:
    """The Activity ID, or for rows without one the row's own cells."""
    if (ids != "").all():
        return ids
    signature = pd.Series("", index=acts.index, dtype=object)
    for column in ("assigned", "type", "date", "account_id", "account", "subject"):
        if column in acts:
            signature = signature + "\x1f" + acts[column].astype(str)
    return ids.where(ids != "", signature)
