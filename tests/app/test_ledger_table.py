"""The drilldown's virtual table: what each drawn line says, and where the row cursor goes."""

from __future__ import annotations

import pandas as pd
from textual.app import App, ComposeResult

from spiff_tui.ui.widgets.ledger_table import LedgerTable


class TableApp(App):
    def __init__(self, columns: dict[str, pd.Series], **options) -> None:
        super().__init__()
        self.columns, self.options = columns, options

    def compose(self) -> ComposeResult:
        yield LedgerTable(self.columns, **self.options)


def lines(table: LedgerTable, count: int) -> list[str]:
    return [table.render_line(y).text for y in range(count)]


async def test_lines_are_padded_cells_under_a_fixed_header():
    columns = {"Kind": pd.Series(["new biz", "activity", None]),
               "Points": pd.Series(["4", "0", "12"]),
               "Account": pd.Series(["Acme", "数据 Co", "Bolt"])}
    app = TableApp(columns, right_aligned=frozenset({"Points"}))
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(LedgerTable)
        await pilot.pause()
        # Widths: Kind 8 ("activity"), Points 6 (its label), Account 7 ("数据 Co": two wide
        # characters, a space and two letters); each cell has one space before and one after.
        def line(kind: str, points: str, account: str) -> str:
            return f" {kind:<8}  {points:>6}  {account:<7} "

        assert lines(table, 4) == [
            line("Kind", "Points", "Account").ljust(40),
            line("new biz", "4", "Acme").ljust(40),
            (" " + "activity" + "  " + "0".rjust(6) + "  " + "数据 Co" + " ").ljust(40 - 2),  # 2 chars, 4 cells
            line("", "12", "Bolt").ljust(40),
        ]
        assert table.row_texts(2) == ["", "12", "Bolt"]   # a missing value is shown blank


async def test_long_texts_are_cut_with_an_ellipsis_at_the_column_limit():
    columns = {"Reason": pd.Series(["x" * 100, "short"])}
    app = TableApp(columns, max_width=10)
    async with app.run_test(size=(40, 5)) as pilot:
        table = app.query_one(LedgerTable)
        await pilot.pause()
        assert table.render_line(1).text.startswith(" " + "x" * 9 + "… ")
        assert table.render_line(2).text.startswith(" short      ")


async def test_keys_move_the_cursor_and_keep_it_on_screen():
    rows = 1_000
    columns = {"Line": pd.Series([str(n) for n in range(rows)])}
    app = TableApp(columns)
    async with app.run_test(size=(30, 11)) as pilot:   # a header and 10 rows
        table = app.query_one(LedgerTable)
        table.focus()
        await pilot.pause()
        assert table.row_count == rows and table.cursor_row == 0
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        await pilot.press("pagedown")
        assert table.cursor_row == 12
        await pilot.pause()
        assert table.render_line(10).text.split() == ["12"]   # the cursor's row is the last shown
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == rows - 1
        assert table.render_line(10).text.split() == ["999"]
        assert table.render_line(0).text.split() == ["Line"]   # the header stays
        await pilot.press("down")
        assert table.cursor_row == rows - 1
        await pilot.press("home", "up")
        await pilot.pause()
        assert table.cursor_row == 0
        assert table.render_line(1).text.split() == ["0"]
