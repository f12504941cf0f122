"""When to rescore and how: folder fingerprints, the settle check, and one rescore run.

No Textual here: the app calls these from its timers and its thread worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spiff_tui.core.folder import FolderReader, Progress
    from spiff_tui.core.ledger import ScoringMemo
    from spiff_tui.core.rules import Rules
    from spiff_tui.core.snapshot import Snapshot

# Seconds of quiet after the last file event before the folder is looked at.
DEBOUNCE_SECONDS = 0.15
# Seconds between the two looks that must agree before a rescore.
SETTLE_SECONDS = 0.15
# Seconds between rescans that catch events the watcher missed.
RESCAN_SECONDS = 5.0

Stamp = tuple[str, int, int]


def folder_stamps(folder: Path, rules_path: Path) -> frozenset[Stamp]:
    """(name, size, mtime) of every export in the folder and of the rules file; cheap, stat only."""
    from spiff_tui.core.export_names import is_export_name

    stamps: set[Stamp] = set()
    try:
        entries = list(folder.iterdir())
    except OSError:
        entries = []
    for path in [p for p in entries if is_export_name(p.name)] + [rules_path]:
        try:
            stat = path.stat()
        except OSError:
            continue
        stamps.add((str(path), stat.st_size, stat.st_mtime_ns))
    return frozenset(stamps)


class Settle:
    """A folder has settled when two looks in a row see the same sizes and times."""

    def __init__(self) -> None:
        self._last: frozenset[Stamp] | None = None

    def observe(self, stamps: frozenset[Stamp]) -> bool:
        settled = stamps == self._last
        self._last = stamps
        return settled

    def reset(self) -> None:
        self._last = None


@dataclass(frozen=True)
class Outcome:
    """What one rescore gave: a snapshot, or why there is none; and any rules error."""

    stamps: frozenset[Stamp]
    rules: Rules | None = None
    snapshot: Snapshot | None = None
    rules_error: str | None = None
    failure: str | None = None


def rescore(folder: Path, rules_path: Path, reader: FolderReader, last_rules: Rules | None,
            as_of: dt.date, memo: ScoringMemo | None = None, progress: Progress | None = None,
            boards_first: Callable[[Outcome], None] | None = None) -> Outcome:
    """Re-read the rules (keeping the last good ones if the file is invalid), then read and score.

    With `boards_first`, the outcome of scoring the boards alone is handed to it before every ledger
    row's columns (for the drilldowns) are built: a board with nothing to show gets its numbers sooner.

    Never raises: any failure comes back as a one-line message so the board keeps its snapshot.
    """
    from spiff_tui.core.rules import RulesError, load_rules
    from spiff_tui.core.snapshot import score

    stamps = folder_stamps(folder, rules_path)
    rules_error = None
    try:
        rules = load_rules(rules_path)
    except RulesError as exc:
        rules, rules_error = last_rules, str(exc)
    except Exception as exc:  # noqa: BLE001 — an unreadable rules file must not stop the board
        rules, rules_error = last_rules, f"{rules_path}: {type(exc).__name__}: {exc}"
    if rules is None:
        return Outcome(stamps, rules_error=rules_error, failure=rules_error)
    try:
        files = reader.read(folder, rules, progress)
        snapshot = score(rules, files, as_of, memo, boards_first and (
            lambda boards: boards_first(Outcome(stamps, rules=rules, snapshot=boards, rules_error=rules_error))))
    except Exception as exc:  # noqa: BLE001 — scoring bugs or a vanished folder keep the last good board
        return Outcome(stamps, rules=rules, rules_error=rules_error,
                       failure=f"rescore failed: {type(exc).__name__}: {exc}")
    return Outcome(stamps, rules=rules, snapshot=snapshot, rules_error=rules_error)
