"""Accounts: the newest export per account, and the (AE, account) pairs that are target accounts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spiff_tui.core.text import match_keys

SEP = "\x1f"


@dataclass(frozen=True, eq=False)
class TargetAccounts:
    known_ids: frozenset[str]
    by_id: pd.MultiIndex       # (owner key, account id) of target accounts
    by_name: pd.MultiIndex     # (owner key, account name key) of target accounts

    def contains(self, rep_keys: pd.Series, account_ids: pd.Series, account_names: pd.Series) -> np.ndarray:
        """Whether each row's account is a target account of its rep: by id when known, else by name."""
        ids = account_ids.fillna("").astype(str).str.strip()
        use_id = (ids.isin(self.known_ids) & (ids != "")).to_numpy(dtype=bool)
        by_id = pd.MultiIndex.from_arrays([rep_keys, ids]).isin(self.by_id)
        by_name = pd.MultiIndex.from_arrays([rep_keys, match_keys(account_names)]).isin(self.by_name)
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
    if accounts.empty:
        nothing = pd.MultiIndex.from_arrays([[], []])
        return TargetAccounts(frozenset(), nothing, nothing)
    owners = match_keys(accounts["owner"])
    targets = accounts["is_target"].astype(bool)
    ids = accounts["id"].astype(str)
    names = match_keys(accounts["name"])
    return TargetAccounts(
        known_ids=frozenset(ids[ids != ""]),
        by_id=pd.MultiIndex.from_arrays([owners[targets & (ids != "")], ids[targets & (ids != "")]]),
        by_name=pd.MultiIndex.from_arrays([owners[targets], names[targets]]),
    )
