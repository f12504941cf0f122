"""`spiff-tui demo`: the live board on a temporary folder that the sample exports arrive in,
a few at a time, each written atomically (a hidden .tmp first, then a rename)."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import spiff_tui


def sample_folder() -> Path:
    """The repository's sample_data/ (the project is installed editable from the repo)."""
    return Path(spiff_tui.__file__).resolve().parents[2] / "sample_data"


def arrival_order(sample: Path) -> list[Path]:
    """Accounts first (targets decide what scores), then the rest oldest export first by name."""
    files = sorted(p for p in sample.iterdir() if p.is_file() and not p.name.startswith("."))
    return sorted(files, key=lambda p: (not p.name.lower().startswith("account"), p.name))


def drop(source: Path, folder: Path) -> None:
    """Copy a file into the folder the way a browser download lands: never seen half-written."""
    temporary = folder / f".{source.name}.tmp"
    shutil.copyfile(source, temporary)
    temporary.replace(folder / source.name)


def feed(files: list[Path], folder: Path, interval: float, stop: threading.Event) -> None:
    for source in files:
        if stop.wait(interval):
            return
        try:
            drop(source, folder)
        except OSError:
            return


def run_demo(interval: float) -> int:
    sample = sample_folder()
    rules_source = sample.parent / "rules.toml"
    if not sample.is_dir() or not rules_source.is_file():
        print(f"spiff-tui: demo needs the repository's sample_data/ and rules.toml (looked in {sample.parent})",
              file=sys.stderr)
        return 2
    from spiff_tui.core.rules import RulesError, load_rules
    from spiff_tui.ui.app import SpiffApp

    try:
        rules = load_rules(rules_source)
    except RulesError as exc:
        print(f"spiff-tui: {exc}", file=sys.stderr)
        return 2
    # Outside the contest's month the sample would show "Final" or nothing yet: replay its last day.
    today = dt.date.today()
    as_of = today if rules.start <= today <= rules.end else rules.end
    with tempfile.TemporaryDirectory(prefix="spiff-demo-") as workspace:
        folder = Path(workspace) / "exports"
        folder.mkdir()
        rules_path = Path(workspace) / "rules.toml"
        shutil.copyfile(rules_source, rules_path)
        files = arrival_order(sample)
        stop = threading.Event()
        feeder = threading.Thread(target=feed, args=(files, folder, max(interval, 0.0), stop), daemon=True)
        # A temporary folder: its board is not worth keeping for a next start.
        app = SpiffApp(folder, rules_path, as_of, last_board=False)
        feeder.start()
        try:
            result = app.run()
        finally:
            stop.set()
            feeder.join(timeout=2.0)
        return result if isinstance(result, int) else app.return_code or 0
