"""The reasons that name another row ('same Activity ID as activities.csv:12'), built once per row
named: a rescore can name a hundred thousand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiff_tui.core.labels import categorical_of_unique

# Every text built here starts with one of these.
REPLACED, SAME_OPPORTUNITY = "replaced by the newer row ", "same Opportunity ID as "
SAME_ACTIVITY_ID, SAME_ACTIVITY = "same Activity ID as ", "same activity as "
ROW_NAME_PREFIXES = (REPLACED, SAME_OPPORTUNITY, SAME_ACTIVITY_ID, SAME_ACTIVITY)


def row_names(ledger: pd.DataFrame, positions: np.ndarray, prefix: str, other_prefix: str = "",
              use_other: np.ndarray | None = None) -> pd.Categorical:
    """`prefix` + 'file:line' of each given row of the ledger (or `other_prefix` where `use_other`,
    a mask over the ledger's rows, is set), built once per distinct row by Arrow; rows are unique
    by (file, line), so the texts are too."""
    import pyarrow as pa
    import pyarrow.compute as pc

    distinct, codes = np.unique(positions, return_inverse=True)
    files = pa.array(texts_at(ledger["file"], distinct), type=pa.string())
    lines = pc.cast(pa.array(ledger["line"].to_numpy()[distinct]), pa.string())
    prefixes = pa.scalar(prefix, pa.string()) if use_other is None else \
        pc.if_else(pa.array(use_other[distinct]), pa.scalar(other_prefix, pa.string()), pa.scalar(prefix, pa.string()))
    texts = pc.binary_join_element_wise(prefixes, pc.binary_join_element_wise(files, lines, ":"), "")
    return categorical_of_unique(codes.reshape(-1), texts.to_numpy(zero_copy_only=False))


def texts_at(column: pd.Series, positions: np.ndarray) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.categories.to_numpy(dtype=object)[column.cat.codes.to_numpy()[positions]]
    return column.to_numpy(dtype=object)[positions]
