"""Target accounts: whether a row's account is one of its rep's targets, by id when the id is known,
else by name — the same answer from the small files' set lookup and the large files' integer test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spiff_tui.core.accounts as accounts_module
from spiff_tui.core.accounts import target_accounts
from spiff_tui.core.text import KeyCodes

REPS = ["Ava Patel", "ava patel ", "Ben Ortiz", "Nobody", ""]
ACCOUNTS = [("A1", "Acme"), ("B1", "Bolt"), ("", "Dune"), ("C1", "Cora")]

account_row = st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(["Ava Patel", "Ben Ortiz"]), st.booleans())
row = st.tuples(st.sampled_from(REPS), st.sampled_from(["A1", "B1", "C1", "Z9", "", " A1 "]),
                st.sampled_from(["Acme", "ACME", "Bolt", "Dune", "Cora", "Elsewhere", ""]))


def expected(rows, table) -> list[bool]:
    """By hand: the rep's and owner's names compared trimmed and case-folded, ids trimmed."""
    def key(name: str) -> str:
        return " ".join(name.split()).casefold()
    known_ids = {account_id for (account_id, _), _, _ in table if account_id}
    by_id = {(key(owner), account_id) for (account_id, _), owner, target in table if target and account_id}
    by_name = {(key(owner), key(name)) for (_, name), owner, target in table if target}
    answers = []
    for rep, account_id, name in rows:
        account_id = account_id.strip()
        if not key(rep):
            answers.append(False)
        elif account_id in known_ids:
            answers.append((key(rep), account_id) in by_id)
        else:
            answers.append(bool(key(name)) and (key(rep), key(name)) in by_name)
    return answers


@pytest.mark.parametrize(("set_lookup_rows", "pair_table_cells", "ids_by_arrow", "names_of_some_rows"),
                         [(10**9, 0, True, 0.5), (0, 10**9, True, 2), (0, 0, True, 0), (10**9, 0, False, 2),
                          (0, 0, False, 0)])
# The patched thresholds are the same for every example of one parametrisation.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.lists(account_row, max_size=8), rows=st.lists(row, max_size=25), categorical=st.booleans())
def test_a_rows_account_is_a_target_of_its_rep_by_id_else_by_name(set_lookup_rows, pair_table_cells, ids_by_arrow,
                                                                 names_of_some_rows, table, rows, categorical,
                                                                 monkeypatch):
    accounts = pd.DataFrame([{"id": i, "name": n, "owner": o, "is_target": t} for (i, n), o, t in table],
                            columns=["id", "name", "owner", "is_target"])
    targets = target_accounts(accounts.drop_duplicates(["id", "name"], keep="last"))
    frame = pd.DataFrame(rows, columns=["rep", "id", "name"], dtype="category" if categorical else object)
    # Each way of testing the pairs: a set lookup (small files), a table of every pair, a sorted search;
    # the ids looked up by Arrow, or coded as the names are; the names of only the rows that need
    # them, or of all.
    monkeypatch.setattr(accounts_module, "NAMES_OF_SOME_ROWS", names_of_some_rows)
    if not ids_by_arrow:
        monkeypatch.setattr(accounts_module.TargetAccounts, "_owner_by_id", None)
    monkeypatch.setattr(accounts_module, "SET_LOOKUP_ROWS", set_lookup_rows)
    monkeypatch.setattr(accounts_module, "SET_LOOKUP_PAIRS", set_lookup_rows)
    monkeypatch.setattr(accounts_module, "PAIR_TABLE_CELLS", pair_table_cells)
    found = targets.contains(KeyCodes(frame["rep"]), frame["id"], frame["name"])
    deduped = list({(i, n): (((i, n), o, t)) for (i, n), o, t in table}.values())
    assert found.tolist() == expected(rows, deduped)
    assert found.dtype == np.bool_
