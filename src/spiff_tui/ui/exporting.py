"""`e`: write the current view as CSV into the working directory, never into the data folder."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def export_folder(cwd: Path, data_dir: Path) -> Path:
    """The working directory, unless it is the data folder (a CSV there would be read as an export):
    then the home folder, then the temporary folder."""
    data = data_dir.resolve()
    for candidate in (cwd, Path.home(), Path(tempfile.gettempdir())):
        if candidate.resolve() != data:
            return candidate
    return Path(tempfile.gettempdir())


def export_name(view: str, now: dt.datetime) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", view).strip("-").lower() or "view"
    return f"spiff-{slug}-{now:%Y%m%d-%H%M%S}.csv"


def export_csv(frame: pd.DataFrame, view: str, folder: Path, now: dt.datetime) -> Path:
    """Render with the engine's exporter (spreadsheet-safe cells) and write atomically."""
    from spiff_tui.commands import write_file
    from spiff_tui.core.export import render

    path = folder / export_name(view, now)
    write_file(path, render(frame, "csv", view))
    return path
