"""The last board shown, kept on disk, so a restart on an unchanged folder shows it at once.

Only what the screen showed is kept (each table's rows, the header line, the TV banner's facts, the
ranks), under a key made of everything it was scored from: each export's name, size and time, the
rules file's, the scoring day, and this program's own source. The app shows it marked as from the
last run while it reads the folder as usual, and the fresh scores replace it when they are ready.
A missing, stale or unreadable card is not shown; nothing here may stop the board.

Plain Python only: a card loads without pandas or numpy, which is what makes it fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text

from spiff_tui.ui.widgets.board_table import Row

# Bumped when the card's shape changes; older cards are then not read.
CARD_FORMAT = 1
# A folder with more problems than this is not kept: its card would be slow to write on every
# rescore, and to lay out at the next start.
MAX_CARD_PROBLEMS = 2_000


@dataclass(frozen=True)
class Banner:
    """What the TV banner shows: the leading team(s), their points, the top reps
    as (rank, rep, team, points)."""

    leaders: tuple[str, ...]
    points: float
    top_reps: tuple[tuple[int, str, str, float], ...]


@dataclass(frozen=True)
class BoardCard:
    tables: dict[str, list[Row]]   # the boards' rows by table id (Problems is laid out from `problems`)
    problems: tuple[tuple[str, str, str, str], ...]   # (severity, where, column, message)
    caption: Text
    header: Text
    banner: Banner
    ranks: dict[str, int]
    ranks_before: dict[str, int]
    scored_at: dt.datetime


def cache_folder() -> Path:
    """Where cards are kept: $XDG_CACHE_HOME/spiff-tui (default ~/.cache/spiff-tui)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spiff-tui"


def card_path(data_dir: Path) -> Path:
    """One card per data folder, named by the folder's full path."""
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode("utf-8", "surrogatepass")).hexdigest()
    return cache_folder() / f"board-{digest[:24]}.pickle"


def card_key(stamps: frozenset[tuple[str, int, int]], as_of: dt.date) -> str:
    """What a card was scored from: the folder's stamps (exports and rules file), the day, the program."""
    parts = [f"format {CARD_FORMAT}", f"source {_source_digest()}", f"as of {as_of.isoformat()}"]
    parts += [f"{name}\0{size}\0{mtime}" for name, size, mtime in sorted(stamps)]
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


@functools.cache
def _source_digest() -> str:
    """The program's own files: a card made by other code (another version, a local change) is not read."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".tcss") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_card(data_dir: Path, key: str) -> BoardCard | None:
    """The folder's card if it was made under this very key; else None (never raises)."""
    try:
        with card_path(data_dir).open("rb") as handle:
            saved = pickle.load(handle)   # a file in the user's own cache folder, written below
    except Exception:  # noqa: BLE001 — no card, or a damaged one, just means no quick start
        return None
    if isinstance(saved, dict) and saved.get("key") == key and isinstance(saved.get("card"), BoardCard):
        return saved["card"]
    return None


def save_card(data_dir: Path, key: str, card: BoardCard) -> None:
    """Write the card (atomically, so a reader never meets half of one); failures are ignored."""
    if len(card.problems) > MAX_CARD_PROBLEMS:
        return
    path = card_path(data_dir)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as handle:
            pickle.dump({"key": key, "card": card}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except Exception:  # noqa: BLE001 — a read-only or full disk only costs the quick start
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def plain_rows(rows: list[Row]) -> list[Row]:
    """Rows whose sort values are plain Python (numpy scalars would make loading import numpy)."""
    return [Row(row.key, row.cells, tuple(_plain(v) for v in row.values)) for row in rows]


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, (str, bytes)) else value
