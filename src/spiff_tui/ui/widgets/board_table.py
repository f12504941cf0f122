"""A board table that updates in place by row key, filters, cycles its sort and flashes changes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False  # right-aligned, and sorts highest first unless told otherwise
    descending: bool | None = None

    @property
    def sorts_descending(self) -> bool:
        return self.numeric if self.descending is None else self.descending


@dataclass(frozen=True)
class Row:
    key: str
    cells: tuple[Text, ...]
    values: tuple[Any, ...]  # what each column sorts by


def _same(a: Text, b: Text) -> bool:
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans


class BoardTable(DataTable):
    """Rows are keyed; a new set of rows updates changed cells, adds new rows and removes gone ones,
    so the cursor stays on its row and the scroll position survives every rescore."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open", show=True)]
    FLASH_SECONDS = 3.0

    def __init__(self, columns: list[Column], *, id: str | None = None, flash: bool = True) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True,
                         cursor_foreground_priority="renderable")
        self.board_columns = columns
        self.filter_text = ""
        self.sort_index: int | None = None
        self._flash = flash
        self._rows: list[Row] = []
        self._base: dict[str, tuple[Text, ...]] = {}
        self._shown: dict[str, list[Text]] = {}
        self._populated = False
        self._cleared_at: int | None = None

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for index, column in enumerate(self.board_columns):
            label = column.label
            if index == self.sort_index:
                label += " ▼" if column.sorts_descending else " ▲"
            self.add_column(Text(label, justify="right" if column.numeric else "left"), key=column.key)

    # What tests and the app read back.

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def visible_keys(self) -> list[str]:
        return [row.key.value for row in self.ordered_rows]

    def cell_text(self, row_key: str, column_key: str) -> str:
        return self._base[row_key][self._column_index(column_key)].plain

    def column_texts(self, column_key: str) -> list[str]:
        return [self.cell_text(key, column_key) for key in self.visible_keys()]

    def _column_index(self, column_key: str) -> int:
        return next(i for i, c in enumerate(self.board_columns) if c.key == column_key)

    # Changing what is shown.

    def show_rows(self, rows: list[Row], flash: bool = True) -> None:
        # Each row's first cell object must be its own: reordering finds rows by it.
        self._rows = [Row(r.key, (r.cells[0].copy(),) + tuple(r.cells[1:]), r.values) for r in rows]
        self._apply(flash=flash and self._flash and self._populated)
        self._populated = True

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._apply(flash=False)

    def cycle_sort(self) -> str:
        """Sort by the next column (then back to the board's own order); returns what it is now."""
        count = len(self.board_columns)
        self.sort_index = 0 if self.sort_index is None else self.sort_index + 1
        if self.sort_index >= count:
            self.sort_index = None
        cursor_key = self.selected_key
        self.clear(columns=True)
        self._shown.clear()
        self._add_columns()
        self._apply(flash=False, cursor_key=cursor_key)
        if self.sort_index is None:
            return "board order"
        column = self.board_columns[self.sort_index]
        order = ("highest" if column.numeric else "Z") if column.sorts_descending else \
            ("lowest" if column.numeric else "A")
        return f"{column.label} ({order} first)"

    def _wanted(self) -> list[Row]:
        needle = self.filter_text.casefold().strip()
        rows = [r for r in self._rows
                if not needle or needle in " ".join(c.plain for c in r.cells).casefold()]
        if self.sort_index is None:
            return rows
        index, descending = self.sort_index, self.board_columns[self.sort_index].sorts_descending
        present = [r for r in rows if r.values[index] is not None]
        missing = [r for r in rows if r.values[index] is None]
        return sorted(present, key=lambda r: r.values[index], reverse=descending) + missing

    def _apply(self, flash: bool, cursor_key: str | None = None) -> None:
        cursor_key = cursor_key or self.selected_key
        wanted = self._wanted()
        wanted_keys = {r.key for r in wanted}
        flashed: list[tuple[str, int, Text]] = []
        with self.app.batch_update():
            for key in [k for k in self._shown if k not in wanted_keys]:
                self.remove_row(key)
                del self._shown[key]
            for row in wanted:
                old = self._base.get(row.key)
                shown = self._shown.get(row.key)
                if shown is None:
                    cells = [self._flashed(c) if flash and (old is None or old[i].plain != c.plain) else c
                             for i, c in enumerate(row.cells)]
                    self.add_row(*cells, key=row.key)
                    self._shown[row.key] = cells
                    flashed += [(row.key, i, c) for i, c in enumerate(cells) if c is not row.cells[i]]
                else:
                    for i, cell in enumerate(row.cells):
                        if _same(old[i], cell):
                            continue  # unchanged: leave it as shown, flashing or not
                        display = self._flashed(cell) if flash and old[i].plain != cell.plain else cell
                        self.update_cell(row.key, self.board_columns[i].key, display, update_width=True)
                        shown[i] = display
                        if display is not cell:
                            flashed.append((row.key, i, display))
                self._base[row.key] = row.cells
            for key in [k for k in self._base if k not in {r.key for r in self._rows}]:
                del self._base[key]
            self._reorder([r.key for r in wanted])
            if cursor_key in self._shown:
                self.move_cursor(row=self.get_row_index(cursor_key), animate=False, scroll=False)
        self._drop_stale_renders()
        if flashed:
            self.set_timer(self.FLASH_SECONDS, partial(self._unflash, flashed))

    def _drop_stale_renders(self) -> None:
        """Forget what DataTable rendered before this change.

        DataTable keys its render caches by a counter that every change bumps, so after a change
        no entry is ever looked up again; its LRU bounds (10,000 cells, 1,000 rows and lines per
        table) then hold old cells for hours on a board that rescores all day.
        """
        count = getattr(self, "_update_count", None)
        clear_caches = getattr(self, "_clear_caches", None)  # DataTable's own, as clear() uses it
        if count is None or clear_caches is None or count == self._cleared_at:
            return  # nothing changed since the last time: what is cached is still current
        self._cleared_at = count
        clear_caches()

    def _reorder(self, order: list[str]) -> None:
        if self.visible_keys() == order:
            return
        # DataTable sorts by cell values; the first cell objects identify their rows exactly.
        position = {id(self._shown[key][0]): i for i, key in enumerate(order)}
        self.sort(self.board_columns[0].key, key=lambda cell: position[id(cell)])

    @staticmethod
    def _flashed(cell: Text) -> Text:
        flashed = cell.copy()
        flashed.stylize("reverse")
        return flashed

    def _unflash(self, flashed: list[tuple[str, int, Text]]) -> None:
        with self.app.batch_update():
            for key, index, display in flashed:
                shown = self._shown.get(key)
                if shown is not None and shown[index] is display:
                    base = self._base[key][index]
                    self.update_cell(key, self.board_columns[index].key, base)
                    shown[index] = base
        self._drop_stale_renders()
