"""CSV exports are assembled by Arrow; they must be byte for byte what Python's csv module writes."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from spiff_tui.core.csv_writer import csv_bytes
from spiff_tui.core.export import to_csv

TRICKY = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t=+-@é数;\'')), max_size=8)


def reference(names: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4).flatmap(lambda width: st.tuples(
    st.lists(TRICKY, min_size=width, max_size=width),
    st.lists(st.lists(TRICKY, min_size=width, max_size=width), max_size=12))))
def test_any_texts_come_out_as_the_csv_module_writes_them(table):
    names, rows = table
    columns = [pa.array([row[i] for row in rows], pa.string()) for i in range(len(names))]
    assert csv_bytes(names, columns) == reference(names, rows)


def test_a_ledger_like_frame_keeps_its_cell_rules():
    frame = pd.DataFrame({
        "rep": pd.array(["Ann", None, "=cmd|' /C calc'!A0"], dtype="str"),
        "note": np.array(["a,b", 'say "hi"', "-5"], dtype=object),
        "points": [2.0, 0.125, np.nan],
        "line": np.array([2, 3, 4], dtype=np.int64),
        "counted": [True, False, True],
    })
    # Worked out by hand: whole floats lose '.0', fractions keep 6 places, NaN is blank, booleans
    # are lowercase, a formula-like text gets a leading quote while a plain number does not.
    assert to_csv(frame).decode() == (
        "rep,note,points,line,counted\n"
        'Ann,"a,b",2,2,true\n'
        ',"say ""hi""",0.125,3,false\n'
        "'=cmd|' /C calc'!A0,-5,,4,true\n")


def test_rows_split_across_chunks_give_the_same_bytes(monkeypatch):
    from spiff_tui.core import csv_writer

    rows = [[f"r{i}", "a,b" if i % 3 else "", 'say "x"' if i % 2 else "p"] for i in range(11)]
    names = ["id", "note", "quote"]
    columns = [pa.array([row[0] for row in rows]),
               pa.array([row[1] for row in rows]).dictionary_encode(),
               pa.array([row[2] for row in rows])]
    monkeypatch.setattr(csv_writer, "ROWS_PER_CHUNK", 4)
    assert csv_bytes(names, columns) == reference(names, rows)


def test_only_ascii_numbers_skip_the_formula_guard():
    from spiff_tui.core.export import neutralise

    assert [neutralise(t) for t in ("-5", "+1.5e3", "-.5", "-١٢", "-１２", "-5 ", "@5")] == \
        ["-5", "+1.5e3", "-.5", "'-١٢", "'-１２", "'-5 ", "'@5"]
