"""Accounts: the newest export per account, and the (AE, account) pairs that are target accounts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from spiff_tui.core.text import TEXT, Coded, KeyCodes, match_keys

SEP = "\x1f"


# A file of up to this many rows with up to this many distinct (rep, account) pairs has its pairs
# looked up in a set of the target pairs; otherwise the target pairs are coded against the file's
# keys and tested as integers (a file naming 20,000 accounts would make 20,000 Python lookups).
SET_LOOKUP_ROWS = 50_000
SET_LOOKUP_PAIRS = 2_000
# Past it, every (rep, account) pair's answer is held in a table of booleans when it is no bigger
# than this (60 spellings of reps by 20,000 accounts is 1.2 MB).
PAIR_TABLE_CELLS = 1 << 26
# When at most this share of a file's rows have no known account id, only their names are keyed.
NAMES_OF_SOME_ROWS = 0.5


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
    known: object          # every account id the accounts exports know, distinct, as Arrow text
    by_id: TargetPairs     # target accounts that have an id
    by_name: TargetPairs   # every target account

    @cached_property
    def known_ids(self) -> pd.Index:
        """The known ids hashed as Python texts, for the path that codes a file's ids (see contains)."""
        return pd.Index(self.known.to_numpy(zero_copy_only=False), dtype=object)

    def contains(self, reps: KeyCodes, account_ids: pd.Series, account_names: pd.Series,
                 names_coded: Coded | None = None) -> np.ndarray:
        """Whether each row's account is a target account of its rep: by id when known, else by name.
        `names_coded` is the names column already coded, when the caller has it."""
        if self._owner_by_id is not None:
            use_id, by_id = self._by_known_id(reps, account_ids)
        else:
            ids = KeyCodes(account_ids, exact=True)
            use_id = ids.rows_where(self.known_ids.get_indexer(ids.keys) >= 0)
            by_id = self.by_id.rows_in(reps, ids)
        if use_id.all():
            return by_id   # no row needs its account's name: most exports carry known ids
        rows = np.flatnonzero(~use_id)
        if len(rows) <= NAMES_OF_SOME_ROWS * len(use_id):
            # Only these rows' names are keyed and looked up, not every spelling the file holds.
            names = account_names.iloc[rows]
            names = names.astype(TEXT) if isinstance(names.dtype, pd.CategoricalDtype) else names
            result = by_id.copy()
            result[rows] = self.by_name.rows_in(reps.at(rows), KeyCodes(names))
            return result
        by_name = self.by_name.rows_in(reps, KeyCodes(account_names, coded=names_coded))
        return np.where(use_id, by_id, by_name)

    @cached_property
    def _owner_by_id(self) -> tuple[object, np.ndarray, pd.Index] | None:
        """The known ids as Arrow text; for each, its owner's place among the target owners if it is
        a target account, else -1; and those owners. None if an id had two rows (not from
        newest_accounts, which keeps one per id)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        owner_of, owners = self.by_id.owners_coded
        target_ids = pa.array(self.by_id.accounts, pa.string())
        if pc.count_distinct(target_ids).as_py() != len(target_ids):
            return None
        target_row = pc.index_in(self.known, value_set=target_ids).fill_null(-1)
        owner = np.append(owner_of, -1)[target_row.to_numpy(zero_copy_only=False)]
        return self.known, owner, owners

    def _by_known_id(self, reps: KeyCodes, account_ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(whether each row's trimmed account id is known, whether it is a target account of the
        row's rep). The ids are looked up by Arrow, not hashed as Python texts: a file can name a
        hundred thousand accounts, and Arrow's lookups leave the other file's thread running."""
        known, owner_of_known, owners = self._owner_by_id
        place = _places(account_ids, known)
        rep_owner = np.append(owners.get_indexer(reps.keys), -1)[reps.codes]
        owner = np.append(owner_of_known, -1)[place]
        return place >= 0, (place >= 0) & (owner >= 0) & (owner == rep_owner)


def _places(column: pd.Series, known) -> np.ndarray:
    """Each row's text, trimmed as KeyCodes(exact=True) trims it, as its place in `known` (Arrow
    texts), or -1 when it is not there or the cell is missing; a categorical column is looked up
    once per category."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column.dtype, pd.CategoricalDtype):
        per_category = _places(pd.Series(column.cat.categories, dtype=TEXT), known)
        return np.append(per_category, -1)[column.cat.codes.to_numpy()]
    texts = pa.array(column.astype(TEXT).array)
    places = pc.index_in(pc.utf8_trim_whitespace(texts), value_set=known)
    return places.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def newest_accounts(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Per account id (else name) the row of the newest export; frames carry export_time and file_order."""
    if not frames:
        return pd.DataFrame(columns=["id", "name", "owner", "is_target"])
    accounts = pd.concat(frames, ignore_index=True)
    # An export without the id column leaves its rows' ids missing in the join: no id, as a blank one.
    ids = accounts["id"].fillna("").str.strip() if "id" in accounts else pd.Series("", index=accounts.index)
    blank = ids == ""
    key = ids
    if blank.any():   # only accounts without an id are told by their name's key
        key = ids.where(~blank, "name" + SEP + match_keys(accounts["name"][blank]))
    return (accounts.assign(account_key=key, id=ids)
            .sort_values(["export_time", "file_order", "line"], kind="stable")
            .drop_duplicates("account_key", keep="last"))


def target_accounts(accounts: pd.DataFrame) -> TargetAccounts:
    import pyarrow as pa
    import pyarrow.compute as pc

    nothing = np.array([], dtype=object)
    if accounts.empty:
        return TargetAccounts(pa.array([], pa.string()), TargetPairs(nothing, nothing), TargetPairs(nothing, nothing))
    owners = match_keys(accounts["owner"]).to_numpy(dtype=object)
    targets = accounts["is_target"].to_numpy(dtype=bool)
    ids = accounts["id"].astype(str).to_numpy(dtype=object)
    names = match_keys(accounts["name"]).to_numpy(dtype=object)
    with_id = targets & (ids != "")
    # Distinct by Arrow, in order of first appearance, as pd.unique would give them.
    known = pc.unique(pa.array(ids[ids != ""], pa.string()))
    return TargetAccounts(known=known, by_id=TargetPairs(owners[with_id], ids[with_id]),
                          by_name=TargetPairs(owners[targets], names[targets]))
