from spiff_tui.cli import run

run()
