"""The reasons that name another row ('same Activity ID as activities.csv:12'), built once per row
named: a rescore can name a hundred thousand."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from spiff_tui.core.labels import categorical_of_unique

# Every text built here starts with one of these.
REPLACED, SAME_OPPORTUNITY = "replaced by the newer row ", "same Opportunity ID as "
SAME_ACTIVITY_ID, SAME_ACTIVITY = "same Activity ID as ", "same activity as "
ROW_NAME_PREFIXES = (REPLACED, SAME_OPPORTUNITY, SAME_ACTIVITY_ID, SAME_ACTIVITY)

# The file names and line numbers of some rows, given their positions.
FilesAndLines = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def files_and_lines(ledger: pd.DataFrame) -> FilesAndLines:
    return lambda positions: (texts_at(ledger["file"], positions), ledger["line"].to_numpy()[positions])


def row_names(rows: FilesAndLines, positions: np.ndarray, prefix: str, other_prefix: str = "",
              use_other: np.ndarray | None = None) -> pd.Categorical:
    """`prefix` + 'file:line' of each given row (or `other_prefix` where `use_other`, a mask over
    the rows' positions, is set), built once per distinct row by Arrow; rows are unique by
    (file, line), so the texts are too."""
    import pyarrow as pa
    import pyarrow.compute as pc

    distinct, codes = np.unique(positions, return_inverse=True)
    file_texts, line_numbers = rows(distinct)
    files = pa.array(file_texts, type=pa.string())
    lines = pc.cast(pa.array(line_numbers), pa.string())
    prefixes = pa.scalar(prefix, pa.string()) if use_other is None else \
        pc.if_else(pa.array(use_other[distinct]), pa.scalar(other_prefix, pa.string()), pa.scalar(prefix, pa.string()))
    texts = pc.binary_join_element_wise(prefixes, pc.binary_join_element_wise(files, lines, ":"), "")
    return categorical_of_unique(codes.reshape(-1), texts.to_numpy(zero_copy_only=False))


def texts_at(column: pd.Series, positions: np.ndarray) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.categories.to_numpy(dtype=object)[column.cat.codes.to_numpy()[positions]]
    return column.to_numpy(dtype=object)[positions]
