"""A read-only table that draws only the lines on screen, for a drilldown of 100,000 ledger rows.

Each visible line is one string of padded cells, built when it is drawn from texts fetched out of
Arrow a block of rows at a time, so opening, scrolling and redrawing cost about the same at 100
rows or 100,000. The header stays on the first line.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import ClassVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

GAP = 2


class LedgerTable(ScrollView, can_focus=True):
    """Rows of display texts with a row cursor; `columns` maps each header label to its texts."""

    DEFAULT_CSS = """
    LedgerTable {
        height: 1fr;
    }
    LedgerTable > .ledger-table--header {
        text-style: bold;
        background: $panel;
    }
    LedgerTable > .ledger-table--even-row {
        background: $surface-lighten-1;
    }
    LedgerTable > .ledger-table--cursor {
        background: $accent 40%;
        text-style: bold;
    }
    LedgerTable:focus > .ledger-table--cursor {
        background: $accent;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"ledger-table--header", "ledger-table--even-row",
                                             "ledger-table--cursor"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
    ]

    cursor_row: reactive[int] = reactive(0)

    def __init__(self, columns: dict[str, pd.Series], *, right_aligned: frozenset[str] = frozenset(),
                 max_width: int = 60, id: str | None = None) -> None:
        super().__init__(id=id)
        self._labels = list(columns)
        texts = [_arrow_texts(values) for values in columns.values()]
        self._rows = _RowBlocks(texts)
        self._right = [label in right_aligned for label in self._labels]
        self._widths = [min(max_width, max(cell_len(label), _widest(values)))
                        for label, values in zip(self._labels, texts)]
        self._row_count = len(texts[0]) if texts else 0
        self.virtual_size = Size(sum(self._widths) + GAP * len(self._widths), self._row_count + 1)

    @property
    def row_count(self) -> int:
        return self._row_count

    def row_texts(self, row: int) -> list[str]:
        """The texts of one row, as given ('' where a value is missing)."""
        return list(self._rows.row(row))

    def move_cursor(self, row: int, animate: bool = False) -> None:
        self.cursor_row = row
        self._show_cursor(animate)

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, self._row_count - 1))

    def watch_cursor_row(self) -> None:
        self.refresh()

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self._rows_shown()))

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else self._row_count - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self.move_cursor(int(self.scroll_offset.y) + offset.y - 1)

    def _rows_shown(self) -> int:
        return self.scrollable_content_region.height - 1   # less the header line

    def _show_cursor(self, animate: bool) -> None:
        top, shown = int(self.scroll_offset.y), max(1, self._rows_shown())
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=animate)
        elif self.cursor_row >= top + shown:
            self.scroll_to(y=self.cursor_row - shown + 1, animate=animate)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            text, style = self._line(self._labels), self.get_component_rich_style("ledger-table--header")
        else:
            row = scroll_y + y - 1
            if row >= self._row_count:
                return Strip.blank(width, self.rich_style)
            text, style = self._line(self._rows.row(row)), self._row_style(row)
        return Strip([Segment(text, style)], cell_len(text)).crop_extend(scroll_x, scroll_x + width, style)

    def _row_style(self, row: int):
        if row == self.cursor_row:
            return self.get_component_rich_style("ledger-table--cursor")
        if row % 2:
            return self.get_component_rich_style("ledger-table--even-row")
        return self.rich_style

    def _line(self, cells) -> str:
        return "".join(" " + _fitted(cell, width, right) + " " * (GAP - 1)
                       for cell, width, right in zip(cells, self._widths, self._right))


class _RowBlocks:
    """Rows as tuples of Python texts, converted from Arrow a block at a time as they are drawn;
    the blocks last used are kept, so redrawing a screen converts nothing."""

    SIZE = 256
    KEPT = 32

    def __init__(self, columns: list[pa.Array]) -> None:
        self._columns = columns
        self._blocks: OrderedDict[int, list[tuple[str, ...]]] = OrderedDict()

    def row(self, row: int) -> tuple[str, ...]:
        index, offset = divmod(row, self.SIZE)
        block = self._blocks.get(index)
        if block is None:
            start = index * self.SIZE
            block = list(zip(*(column.slice(start, self.SIZE).to_pylist() for column in self._columns)))
            self._blocks[index] = block
            if len(self._blocks) > self.KEPT:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(index)
        return block[offset]


def _arrow_texts(values: pd.Series) -> pa.Array:
    """A column as Arrow text with '' for missing values (no copy when it is Arrow text already)."""
    array = pa.array(values if values.dtype == "str" else values.astype(str), type=pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return pc.fill_null(array, "")


def _widest(texts: pa.Array) -> int:
    """The widest text in cells: plain ASCII takes one cell a character, so only the other texts are
    measured one by one (once per distinct text)."""
    if len(texts) == 0:
        return 0
    others = pc.unique(pc.filter(texts, pc.invert(pc.string_is_ascii(texts)))).to_pylist()
    return max([pc.max(pc.utf8_length(texts)).as_py() or 0] + [cell_len(text) for text in others])


def _fitted(text: str, width: int, right: bool) -> str:
    """Exactly `width` cells: padded, or cut with an ellipsis (double-width characters included)."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    padding = " " * (width - length)
    return padding + text if right else text + padding

