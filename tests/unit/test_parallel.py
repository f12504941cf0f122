"""One-shot commands read and score big exports in worker processes: the result must not change."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from spiff_tui.core import parallel
from spiff_tui.core.rules import load_rules
from spiff_tui.core.snapshot import score_folder

REPO = Path(__file__).parents[2]
AS_OF = dt.date(2026, 4, 30)


def assert_same(one, other) -> None:
    for view in ("reps", "activity", "teams", "stages", "ledger"):
        pd.testing.assert_frame_equal(one.view(view), other.view(view))
    assert [str(p) for p in one.problems] == [str(p) for p in other.problems]
    assert [(f.name, f.kind, f.rows_used) for f in one.files] == [(f.name, f.kind, f.rows_used) for f in other.files]


@pytest.fixture
def every_file_is_big(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)


def test_workers_score_the_sample_contest_exactly_as_one_process(every_file_is_big):
    rules = load_rules(REPO / "rules.toml")
    shared = parallel.read_and_score(REPO / "sample_data", rules, 2)
    assert shared is not None, "the sample folder should be shared out"
    files, parts = shared
    # With every file 'big', the accounts export went to a worker too, so its parts are rescored here.
    assert [f.name for f in files] == sorted(p.name for p in (REPO / "sample_data").iterdir() if p.suffix in (".csv", ".xlsx"))
    assert parts == {}
    assert_same(score_folder(REPO / "sample_data", rules, AS_OF, jobs=1),
                score_folder(REPO / "sample_data", rules, AS_OF, jobs=2))


def test_workers_score_against_the_accounts_read_first(monkeypatch, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(REPO / "sample_data", folder)
    accounts = next(p for p in folder.iterdir() if "account" in p.name.lower())
    # Everything but the accounts export counts as big: the workers score with the accounts' targets.
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", accounts.stat().st_size + 1)
    rules = load_rules(REPO / "rules.toml")
    shared = parallel.read_and_score(folder, rules, 2)
    assert shared is not None
    files, parts = shared
    big = {f.name for f in files if (folder / f.name).stat().st_size > accounts.stat().st_size}
    assert len(big) >= 2
    assert {name.split(":", 1)[1] for name in parts} == big   # every big export was scored by a worker
    assert_same(score_folder(folder, rules, AS_OF, jobs=1), score_folder(folder, rules, AS_OF, jobs=2))


def test_a_folder_without_two_big_exports_is_read_in_this_process(tmp_path):
    rules = load_rules(REPO / "rules.toml")
    assert parallel.read_and_score(REPO / "sample_data", rules, 2) is None   # all below 4 MiB
    assert parallel.read_and_score(REPO / "sample_data", rules, 1) is None
