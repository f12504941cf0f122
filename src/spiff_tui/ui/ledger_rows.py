"""One rep's ledger laid out for the drilldown: display strings, sort keys and a filter haystack.

A filter of the engine's ledger view; built with vectorised pandas so 100,000 rows stay quick.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiff_tui.ui import format as fmt

KIND_NAMES = {"new_business": "new biz", "upsell": "upsell", "activity": "activity",
              "opportunity": "opportunity"}

# (label, display column, sort column, sorts highest first)
LEDGER_COLUMNS = [
    ("✓", "show_counted", "counted", True),
    ("Kind", "show_kind", "kind", False),
    ("Stage / type", "stage_or_type", "stage_or_type", False),
    ("Points", "show_points", "points", True),
    ("Date", "date", "date", True),
    ("Account", "account", "account", False),
    ("Reason", "reason", "reason", False),
    ("File:line", "show_where", "file", False),
]
# Names sort ignoring case; the folded texts are only made when someone sorts by them.
CASE_FOLDED = {"stage_or_type", "account"}


def _mapped(values: pd.Series, convert) -> pd.Series:
    """Convert each distinct value once (ledgers repeat a few values many times); the rows take
    their texts by code, without a Python call or string per row."""
    codes, uniques = pd.factorize(values)
    texts = pd.array([convert(u) for u in uniques] + [""], dtype="str")
    return pd.Series(texts.take(np.where(codes < 0, len(uniques), codes)), index=values.index)


KIND_ORDER = {"new_business": 0, "upsell": 1, "opportunity": 2, "activity": 3}
# The ledger fields the drilldown shows, sorts and filters by.
FIELDS = ["kind", "stage_or_type", "points", "counted", "reason", "file", "line", "account", "date"]


def rep_ledger(parts: tuple[pd.DataFrame, ...]) -> pd.DataFrame:
    """One rep's rows, given as their ledger parts (Snapshot.ledger_parts_of, each in file and line
    order): opportunities by kind before activities, each kind in file and line order."""
    rows = pd.concat([part for part in parts if len(part)] or list(parts[:1]), ignore_index=True)
    kinds = rows["kind"].astype(str)
    codes, distinct = pd.factorize(kinds)
    order = np.array([KIND_ORDER.get(kind, len(KIND_ORDER)) for kind in distinct] + [len(KIND_ORDER)],
                     dtype=np.int8)[codes].argsort(kind="stable")
    if (np.diff(order) < 0).any():   # a kind's rows are all in one part: often already in order
        rows, kinds = rows.take(order).reset_index(drop=True), kinds.take(order).reset_index(drop=True)
    counted = rows["counted"].astype(bool)
    frame = pd.DataFrame({
        "counted": counted,
        "show_counted": _mapped(counted, lambda counted: "✓" if counted else "✗"),
        "kind": kinds,
        "show_kind": _mapped(kinds, lambda k: KIND_NAMES.get(k, k)),
        "stage_or_type": rows["stage_or_type"].fillna("").astype(str),
        "points": rows["points"].astype(float).fillna(0.0),
        "date": rows["date"].fillna("").astype(str),
        "account": rows["account"].fillna("").astype(str),
        "reason": rows["reason"].fillna("").astype(str),
        "file": rows["file"].astype(str),
        "line": rows["line"].astype(int),
    })
    return frame.assign(
        show_points=lambda d: _mapped(d["points"], fmt.points),
        show_where=lambda d: _where(d["file"], d["line"]),
    )


def _where(files: pd.Series, lines: pd.Series) -> pd.Series:
    """'file:line' per row, joined by Arrow (a drilldown can hold 100,000 rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    joined = pc.binary_join_element_wise(pa.array(files.astype(str), type=pa.string()),
                                         pc.cast(pa.array(lines.to_numpy()), pa.string()), ":")
    return pd.Series(pd.array(joined, dtype="str"), index=files.index)


def haystack(frame: pd.DataFrame) -> pd.Series:
    """What the filter searches: every shown column of a row, case-folded (built on first use)."""
    return (frame["show_kind"] + " " + frame["stage_or_type"] + " " + frame["date"] + " "
            + frame["account"] + " " + frame["reason"] + " " + frame["show_where"]).str.casefold()


def shown(frame: pd.DataFrame, needle: str, sort_index: int | None,
          searchable: pd.Series | None = None) -> pd.DataFrame:
    """The rows that contain the filter text, in the chosen column's order (ledger order if none)."""
    needle = needle.casefold().strip()
    if needle:
        searchable = haystack(frame) if searchable is None else searchable
        frame = frame.loc[searchable.str.contains(needle, regex=False)]
    if sort_index is not None:
        _, _, column, descending = LEDGER_COLUMNS[sort_index]
        if column == "file":
            frame = frame.sort_values(["file", "line"], ascending=not descending, kind="stable")
        else:
            folded = (lambda texts: texts.str.casefold()) if column in CASE_FOLDED else None
            frame = frame.sort_values(column, ascending=not descending, kind="stable", key=folded)
    return frame


def display_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[display for _, display, _, _ in LEDGER_COLUMNS]]
