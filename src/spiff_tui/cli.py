"""The command line: `spiff-tui [DATA_DIR]`, `check`, `export`, `init`, `demo`.

This module and everything it imports at the top stay free of Textual, so the headless
commands start fast and run where no terminal UI can.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
from pathlib import Path

from spiff_tui import __version__

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
COMMANDS = ("check", "export", "init", "demo")
VIEWS = ("reps", "activity", "teams", "stages", "ledger")

DESCRIPTION = """\
A live terminal leaderboard for a sales contest ("spiff"), scored from the Salesforce or
HubSpot exports (CSV, XLSX) you drop into a folder, with the rules in rules.toml.

commands:
  spiff-tui [DATA_DIR]                 the live leaderboard on DATA_DIR (default: .)
  spiff-tui check DATA_DIR             the export doctor: what was read, skipped and why
  spiff-tui export DATA_DIR --view V   one board as csv, json, md or xlsx
  spiff-tui init DATA_DIR              write a starter rules.toml from the exports found
  spiff-tui demo                       watch the shipped sample arrive file by file
"""

EPILOG = """\
examples:
  spiff-tui sample_data
  spiff-tui check sample_data --as-of 2026-04-30
  spiff-tui export sample_data --view teams --format md
  spiff-tui export sample_data --view ledger --format xlsx -o ledger.xlsx
  spiff-tui init ~/spiff-exports -o rules.toml

rules: --rules PATH, else DATA_DIR/rules.toml if present, else ./rules.toml.
exit codes: 0 ok; 1 the data has errors (something could not be read); 2 usage or rules error.
"""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", type=Path, metavar="PATH",
                        help="rules file (default: DATA_DIR/rules.toml if present, else ./rules.toml)")
    parser.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD", default=None,
                        help="the day counted as today, for pacing (default: today)")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-04-30, got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spiff-tui", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"spiff-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="report what each export gave, then the boards as text",
                           description="The export doctor: per file its kind, encoding, delimiter, rows "
                           "read/used/skipped, footer lines dropped and every problem with file and line; "
                           "then the reps, activity and teams boards as plain text.")
    check.add_argument("data_dir", type=Path, metavar="DATA_DIR")
    _common(check)

    export = sub.add_parser("export", help="write one view as csv, json, md or xlsx",
                            description="Write one view. csv, json and md go to stdout unless -o is given; "
                            "xlsx needs -o. Text cells a spreadsheet would run as formulas are neutralised.")
    export.add_argument("data_dir", type=Path, metavar="DATA_DIR")
    export.add_argument("--view", choices=VIEWS, required=True,
                        help="reps, activity, teams, stages, or ledger (every input row and why it counted)")
    export.add_argument("--format", choices=("csv", "json", "md", "xlsx"), default="csv", help="default: csv")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    _common(export)

    init = sub.add_parser("init", help="write a starter rules.toml from the exports found",
                          description="Read the exports in DATA_DIR with the default column maps and write a "
                          "starter rules.toml listing the people, types and stages found. Nothing is "
                          "written into DATA_DIR.")
    init.add_argument("data_dir", type=Path, metavar="DATA_DIR")
    init.add_argument("-o", "--output", type=Path, default=Path("rules.toml"), metavar="FILE",
                      help="where to write (default: ./rules.toml)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    demo = sub.add_parser("demo", help="copy the sample exports into a temporary folder a few at a time",
                          description="Start the live board on an empty temporary folder and copy the "
                          "shipped sample exports into it one by one, so you can watch it come alive.")
    demo.add_argument("--interval", type=float, default=3.0, metavar="SECONDS",
                      help="seconds between files (default: 3)")
    return parser


def build_run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spiff-tui", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"spiff-tui {__version__}")
    parser.add_argument("data_dir", type=Path, nargs="?", default=Path("."), metavar="DATA_DIR")
    _common(parser)
    parser.add_argument("--tv", action="store_true", help="start in TV mode: cycle the panes in large type")
    parser.add_argument("--tv-interval", type=float, default=15.0, metavar="SECONDS",
                        help="seconds per pane in TV mode (default: 15)")
    parser.add_argument("--no-cache", action="store_true",
                        help="start on an empty board, not the last run's, and keep none for the next start "
                        "(kept in $XDG_CACHE_HOME/spiff-tui, default ~/.cache/spiff-tui)")
    parser.add_argument("--text", action="store_true",
                        help="print the boards as text once and exit (the default when stdout is not a terminal)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command_given = bool(argv) and argv[0] in COMMANDS
    parser = build_parser() if command_given or argv[:1] in (["-h"], ["--help"]) else build_run_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return _dispatch(args, command_given)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last guard: a user never sees a traceback
        if os.environ.get("SPIFF_TUI_DEBUG"):
            raise
        print(f"spiff-tui: internal error: {type(exc).__name__}: {exc} "
              "(set SPIFF_TUI_DEBUG=1 to see details)", file=sys.stderr)
        return EXIT_DATA


def _dispatch(args: argparse.Namespace, command_given: bool) -> int:
    from spiff_tui import commands

    if not command_given:
        return commands.run_board(args)
    return {"check": commands.check, "export": commands.export, "init": commands.init,
            "demo": commands.demo}[args.command](args)


ONE_SHOT_COMMANDS = ("check", "export")


def run() -> None:
    # A start builds some hundred thousand objects (Textual, pandas, Arrow) that live as long as the
    # process; collecting while they are made only walks them again (a tenth of a second of the
    # live board's first start at 1M rows). Collection resumes once the imports are done: the
    # board's first rescore, the commands' commands.imports_done.
    gc.disable()
    code = main()
    if len(sys.argv) > 1 and sys.argv[1] in ONE_SHOT_COMMANDS:
        _exit_now(code)
    sys.exit(code)


def _exit_now(code: int) -> None:
    """End a one-shot command without tearing down its objects one by one: after a million-row
    export that takes longer than writing the output did. Everything is written and flushed first."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        code = code or EXIT_OK
    os._exit(code)
