"""The last board's card on disk: its key, and writing it safely."""

from __future__ import annotations

import datetime as dt

import numpy as np
from rich.text import Text

from spiff_tui.ui import last_board
from spiff_tui.ui.last_board import (
    MAX_CARD_PROBLEMS,
    Banner,
    BoardCard,
    card_key,
    card_path,
    load_card,
    save_card,
)
from spiff_tui.ui.widgets.board_table import Row

DAY = dt.date(2026, 4, 15)
STAMPS = frozenset({("/x/opps.csv", 120, 1_000), ("/x/acts.csv", 80, 2_000), ("/x/rules.toml", 40, 3_000)})


def _card(problems: int = 1) -> BoardCard:
    table = last_board.plain_rows([Row("rep 0", (Text("0"),), (np.int64(0), (np.bool_(True), 2)))])
    return BoardCard(tables={"reps-table": table},
                     problems=tuple(("warning", f"a.csv:{i}", "Amount", "not an amount") for i in range(problems)),
                     caption=Text("gates"), header=Text("Test Spiff"),
                     banner=Banner(("Alpha",), 9.0, ((1, "Ann Lee", "Alpha", 6.0),)), ranks={"Ann Lee": 1},
                     ranks_before={}, scored_at=dt.datetime(2026, 4, 15, 9, 0))


def test_the_key_changes_with_every_file_stamp_and_the_day_and_nothing_else():
    key = card_key(STAMPS, DAY)
    assert card_key(frozenset(sorted(STAMPS, reverse=True)), DAY) == key
    for old in STAMPS:
        name, size, mtime = old
        for changed in ((name, size + 1, mtime), (name, size, mtime + 1), (name + "2", size, mtime)):
            assert card_key(STAMPS - {old} | {changed}, DAY) != key
        assert card_key(STAMPS - {old}, DAY) != key
    assert card_key(STAMPS | {("/x/new.csv", 1, 1)}, DAY) != key
    assert card_key(STAMPS, DAY + dt.timedelta(days=1)) != key


def test_the_key_changes_with_the_program(monkeypatch):
    key = card_key(STAMPS, DAY)
    monkeypatch.setattr(last_board, "_source_digest", lambda: "another version")
    assert card_key(STAMPS, DAY) != key


def test_a_card_comes_back_only_under_its_own_key(tmp_path):
    save_card(tmp_path, "key one", _card())
    card = load_card(tmp_path, "key one")
    assert card is not None and card.tables["reps-table"][0].key == "rep 0"
    # Sort values are plain Python: loading a card must not need numpy.
    assert card.tables["reps-table"][0].values == (0, (True, 2))
    assert type(card.tables["reps-table"][0].values[0]) is int
    assert load_card(tmp_path, "key two") is None
    assert load_card(tmp_path / "elsewhere", "key one") is None
    assert list(card_path(tmp_path).parent.glob("*.part")) == []


def test_a_huge_card_is_not_written_and_an_unwritable_cache_is_no_error(tmp_path, monkeypatch):
    save_card(tmp_path, "key", _card(MAX_CARD_PROBLEMS + 1))
    assert not card_path(tmp_path).exists()
    blocker = tmp_path / "not a folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    save_card(tmp_path, "key", _card())   # cannot make the folder: quietly no card
    assert load_card(tmp_path, "key") is None
