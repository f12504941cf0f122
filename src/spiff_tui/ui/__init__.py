"""The live terminal board: a thin Textual face over the headless engine in spiff_tui.core."""
