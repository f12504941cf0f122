"""Accounts: the newest export per account, and the (AE, account) pairs that are target accounts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from spiff_tui.core.text import Coded, KeyCodes, match_keys

SEP = "\x1f"


# A file of up to this many rows with up to this many distinct (rep, account) pairs has its pairs
# looked up in a set of the target pairs; otherwise the target pairs are coded against the file's
# keys and tested as integers (a file naming 20,000 accounts would make 20,000 Python lookups).
SET_LOOKUP_ROWS = 50_000
SET_LOOKUP_PAIRS = 2_000
# Past it, every (rep, account) pair's answer is held in a table of booleans when it is no bigger
# than this (60 spellings of reps by 20,000 accounts is 1.2 MB).
PAIR_TABLE_CELLS = 1 << 26


@dataclass(frozen=True, eq=False)
class TargetPairs:
    """The (owner key, account key) of each target account, keyed by its id or by its name; the
    forms a file's rows are tested against are worked out once, when first asked for."""

    owners: np.ndarray
    accounts: np.ndarray

    @cached_property
    def as_set(self) -> frozenset[tuple[str, str]]:
        return frozenset(zip(self.owners.tolist(), self.accounts.tolist()))

    @cached_property
    def owners_coded(self) -> tuple[np.ndarray, pd.Index]:
        """The owners as codes into their distinct keys: a handful of names over thousands of accounts."""
        return _coded(self.owners)

    @cached_property
    def accounts_coded(self) -> tuple[np.ndarray, pd.Index]:
        """The accounts as codes into their distinct keys, which are hashed once for every file."""
        return _coded(self.accounts)

    def _codes_in(self, keys: pd.Index) -> np.ndarray:
        """Each target pair's account as its position among a file's distinct keys (-1 if absent):
        the file's keys are looked up in the targets' table, hashed once, rather than a table of
        the file's keys (a hundred thousand in a big org) being built for every file."""
        account_of, distinct = self.accounts_coded
        found = distinct.get_indexer(keys)
        position = np.full(len(distinct) + 1, -1, dtype=np.int64)
        present = np.flatnonzero(found >= 0)
        position[found[present]] = present
        return position[account_of]

    def rows_in(self, reps: KeyCodes, accounts: KeyCodes) -> np.ndarray:
        """Whether each row's (rep, account) pair is a target pair, on integer codes."""
        width = len(accounts.keys) + 1
        known = (reps.codes >= 0) & (accounts.codes >= 0)
        rows = reps.codes.astype(np.int64) * width + accounts.codes
        if len(rows) <= SET_LOOKUP_ROWS:
            # Coding thousands of target pairs would cost more than a small file's few hundred pairs.
            of_row, distinct = pd.factorize(rows[known])
            if len(distinct) <= SET_LOOKUP_PAIRS:
                rep_keys, account_keys = reps.keys.to_numpy(dtype=object), accounts.keys.to_numpy(dtype=object)
                hit = np.array([(rep_keys[p // width], account_keys[p % width]) in self.as_set
                                for p in distinct.tolist()] + [False])
                result = np.zeros(len(rows), dtype=bool)
                result[known] = hit[of_row]
                return result
        owner_of, distinct_owners = self.owners_coded
        owner_codes = np.append(reps.keys.get_indexer(distinct_owners), -1)[owner_of]
        target_codes = self._codes_in(accounts.keys)
        wanted_known = (owner_codes >= 0) & (target_codes >= 0)
        wanted = owner_codes[wanted_known].astype(np.int64) * width + target_codes[wanted_known]
        if (len(reps.keys) + 1) * width <= PAIR_TABLE_CELLS:
            # Every possible pair's answer in one table: a lookup per row instead of a sorted search.
            table = np.zeros((len(reps.keys) + 1) * width, dtype=bool)
            table[wanted] = True
            return table[np.where(known, rows, 0)] & known
        return np.isin(rows, wanted) & known


def _coded(keys: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    codes, distinct = pd.factorize(keys)
    return codes, pd.Index(distinct, dtype=object)


@dataclass(frozen=True, eq=False)
class TargetAccounts:
    # Every account id the accounts exports know, hashed once: each file's distinct ids (a hundred
    # thousand in a big org) are looked up in it.
    known_ids: pd.Index
    by_id: TargetPairs     # target accounts that have an id
    by_name: TargetPairs   # every target account

    def contains(self, reps: KeyCodes, account_ids: pd.Series, account_names: pd.Series,
                 names_coded: Coded | None = None) -> np.ndarray:
        """Whether each row's account is a target account of its rep: by id when known, else by name.
        `names_coded` is the names column already coded, when the caller has it."""
        ids = KeyCodes(account_ids, exact=True)
        use_id = ids.rows_where(self.known_ids.get_indexer(ids.keys) >= 0)
        by_id = self.by_id.rows_in(reps, ids)
        if use_id.all():
            return by_id   # no row needs its account's name: most exports carry known ids
        by_name = self.by_name.rows_in(reps, KeyCodes(account_names, coded=names_coded))
        return np.where(use_id, by_id, by_name)


def newest_accounts(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Per account id (else name) the row of the newest export; frames carry export_time and file_order."""
    if not frames:
        return pd.DataFrame(columns=["id", "name", "owner", "is_target"])
    accounts = pd.concat(frames, ignore_index=True)
    ids = accounts["id"].str.strip() if "id" in accounts else pd.Series("", index=accounts.index)
    key = ids.where(ids != "", "name" + SEP + match_keys(accounts["name"]))
    return (accounts.assign(account_key=key, id=ids)
            .sort_values(["export_time", "file_order", "line"], kind="stable")
            .drop_duplicates("account_key", keep="last"))


def target_accounts(accounts: pd.DataFrame) -> TargetAccounts:
    nothing = np.array([], dtype=object)
    if accounts.empty:
        return TargetAccounts(pd.Index(nothing), TargetPairs(nothing, nothing), TargetPairs(nothing, nothing))
    owners = match_keys(accounts["owner"]).to_numpy(dtype=object)
    targets = accounts["is_target"].to_numpy(dtype=bool)
    ids = accounts["id"].astype(str).to_numpy(dtype=object)
    names = match_keys(accounts["name"]).to_numpy(dtype=object)
    with_id = targets & (ids != "")
    return TargetAccounts(known_ids=pd.Index(pd.unique(ids[ids != ""]), dtype=object), by_id=TargetPairs(owners[with_id], ids[with_id]),
                          by_name=TargetPairs(owners[targets], names[targets]))
