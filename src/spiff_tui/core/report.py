"""The export doctor's report and the boards as plain text, for `check` and for `spiff-tui` without a screen."""

from __future__ import annotations

import pandas as pd

from spiff_tui.core.problems import ERROR, INFO, WARNING
from spiff_tui.core.snapshot import Snapshot
from spiff_tui.core.text import display_text

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", "xlsx": "-"}


def file_table(snapshot: Snapshot) -> pd.DataFrame:
    rows = []
    for f in snapshot.files:
        errors = sum(p.severity == ERROR for p in f.problems)
        warnings = sum(p.severity == WARNING for p in f.problems)
        rows.append({
            "file": display_text(f.name), "kind": f.kind or "unrecognised",
            "encoding": f.encoding or "-", "delimiter": DELIMITER_NAMES.get(f.delimiter, f.delimiter or "-"),
            "read": f.rows_read, "used": f.rows_used, "skipped": f.rows_skipped,
            "footer": f.footer_lines, "errors": errors, "warnings": warnings,
            "exported": f.export_time.strftime("%Y-%m-%d %H:%M") if f.export_time else "-",
            "from": "footer" if f.generated else "mtime",
        })
    return pd.DataFrame(rows)


def _text_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "  (none)"
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_bool_dtype(shown[column]):
            shown[column] = shown[column].map({True: "yes", False: "no"})
        elif pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: f"{v:g}")
    return shown.to_string(index=False)


def boards_text(snapshot: Snapshot) -> str:
    reps = snapshot.view("reps")[["rank", "rep", "team", "new_business_points", "upsell_points",
                                  "total_points", "opportunities"]]
    activity = snapshot.view("activity")[["rep", "team", "activities", "calls", "activities_needed",
                                          "calls_needed", "qualified"]]
    teams = snapshot.view("teams")[["rank", "team", "members", "new_business_points", "upsell_points",
                                    "total_points", "eligible"]]
    rules = snapshot.rules
    title = f"{rules.name}  {rules.start} – {rules.end}  (as of {snapshot.as_of})"
    return "\n\n".join([title, "REPS", _text_table(reps), "ACTIVITY", _text_table(activity),
                        "TEAMS", _text_table(teams)]) + "\n"


def check_text(snapshot: Snapshot) -> str:
    parts = [f"FILES in the data folder ({len(snapshot.files)})", _text_table(file_table(snapshot))]
    shown = [p for p in snapshot.problems if p.severity != INFO]
    dropped = [p for p in snapshot.problems if p.severity == INFO]
    if dropped:
        parts += ["NOTES", "\n".join(f"  {p}" for p in dropped)]
    parts += [f"PROBLEMS ({len(shown)})", "\n".join(f"  {p}" for p in shown) or "  none"]
    ledger = snapshot.ledger
    counted = ledger[ledger["counted"]]
    summary = ", ".join(f"{kind} {int((counted['kind'] == kind).sum())} of {int((ledger['kind'] == kind).sum())}"
                        for kind in ("new_business", "upsell", "activity"))
    parts += ["LEDGER", f"  rows counted: {summary}"]
    return "\n\n".join(parts) + "\n\n" + boards_text(snapshot)
