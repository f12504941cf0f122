"""What each command does, behind the argument parsing of cli.py. Headless unless it opens the TUI."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
from pathlib import Path

from spiff_tui.cli import EXIT_DATA, EXIT_OK, EXIT_USAGE
from spiff_tui.core.problems import ERROR, INFO
from spiff_tui.core.rules import Rules, RulesError, load_rules

MAX_STDERR_PROBLEMS = 20


def error(message: str) -> None:
    print(f"spiff-tui: {message}", file=sys.stderr)


def resolve_rules_path(data_dir: Path, given: Path | None) -> Path:
    if given is not None:
        return given
    beside = data_dir / "rules.toml"
    return beside if beside.is_file() else Path("rules.toml")


def _load(args: argparse.Namespace) -> tuple[Path, Rules] | int:
    data_dir: Path = args.data_dir
    if not data_dir.is_dir():
        error(f"{data_dir}: not a folder")
        return EXIT_USAGE
    try:
        return data_dir, load_rules(resolve_rules_path(data_dir, args.rules))
    except RulesError as exc:
        error(str(exc))
        return EXIT_USAGE


def imports_done() -> None:
    """Collect garbage again (cli.run stops it while the process starts up)."""
    gc.enable()


def _snapshot(args: argparse.Namespace, full_rows: bool):
    """The folder scored once; without full_rows, only what the boards read of each row."""
    from spiff_tui.core.snapshot import one_shot_workers, score_folder

    imports_done()

    loaded = _load(args)
    if isinstance(loaded, int):
        return loaded
    data_dir, rules = loaded
    return score_folder(data_dir, rules, args.as_of or dt.date.today(), workers=one_shot_workers(),
                        full_rows=full_rows)


def _report_problems(snapshot) -> None:
    shown = [p for p in snapshot.problems if p.severity != INFO]
    for problem in shown[:MAX_STDERR_PROBLEMS]:
        print(problem, file=sys.stderr)
    if len(shown) > MAX_STDERR_PROBLEMS:
        print(f"spiff-tui: ... and {len(shown) - MAX_STDERR_PROBLEMS} more problems "
              "(spiff-tui check lists them all)", file=sys.stderr)


def check(args: argparse.Namespace) -> int:
    from spiff_tui.core.report import check_text

    snapshot = _snapshot(args, full_rows=False)   # check shows boards and counts, no ledger row
    if isinstance(snapshot, int):
        return snapshot
    sys.stdout.write(check_text(snapshot))
    errors = sum(p.severity == ERROR for p in snapshot.problems)
    if errors:
        error(f"{errors} problem(s) kept rows or files from being read; see PROBLEMS above")
    return EXIT_DATA if snapshot.has_errors else EXIT_OK


def export(args: argparse.Namespace) -> int:
    from spiff_tui.core import export as formats

    if args.format == "xlsx" and args.output is None:
        error("--format xlsx needs -o FILE (a workbook is not written to a terminal)")
        return EXIT_USAGE
    snapshot = _snapshot(args, full_rows=args.view == "ledger")
    if isinstance(snapshot, int):
        return snapshot
    _report_problems(snapshot)
    frame = snapshot.view(args.view)
    if args.format == "xlsx" and len(frame) >= formats.XLSX_MAX_ROWS:
        error(f"the {args.view} view has {len(frame):,} rows, and an XLSX sheet holds {formats.XLSX_MAX_ROWS - 1:,} "
              "below its header; nothing written: export it as CSV (--format csv)")
        return EXIT_USAGE
    data = formats.render(frame, args.format, args.view)
    if args.output is None:
        sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else sys.stdout.write(data.decode())
        sys.stdout.flush()
    else:
        try:
            write_file(args.output, data)
        except OSError as exc:
            error(f"{args.output}: cannot write: {exc.strerror or exc}")
            return EXIT_USAGE
        print(f"wrote {args.view} ({len(frame)} rows) to {args.output}", file=sys.stderr)
    return EXIT_DATA if snapshot.has_errors else EXIT_OK


def write_file(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file. A device or a
    pipe (/dev/null, /dev/stdout, a named pipe) is written as it is: a rename would put a plain file
    in its place. Through a symbolic link, the file it points to is replaced, not the link."""
    import stat

    try:
        mode = path.stat().st_mode   # through any links: /dev/stdout may end at a pipe
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        with path.open("wb") as handle:
            handle.write(data)
        return
    target = path.resolve() if path.is_symlink() else path
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(target)


def init(args: argparse.Namespace) -> int:
    from spiff_tui.core.starter import starter_rules, starter_text

    imports_done()

    if not args.data_dir.is_dir():
        error(f"{args.data_dir}: not a folder")
        return EXIT_USAGE
    output: Path = args.output
    if output.resolve().parent == args.data_dir.resolve():
        error(f"{output}: refusing to write into the data folder; use -o elsewhere")
        return EXIT_USAGE
    if output.exists() and not args.force:
        error(f"{output} already exists; use --force to overwrite or -o to write elsewhere")
        return EXIT_USAGE
    rules, notes = starter_rules(args.data_dir, dt.date.today())
    try:
        write_file(output, starter_text(rules).encode("utf-8"))
    except OSError as exc:
        error(f"{output}: cannot write: {exc.strerror or exc}")
        return EXIT_USAGE
    for note in notes:
        print(f"  {note}", file=sys.stderr)
    print(f"wrote starter rules to {output}; edit the teams and points, then run "
          f"'spiff-tui check {args.data_dir} --rules {output}'", file=sys.stderr)
    return EXIT_OK


def run_board(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if isinstance(loaded, int):
        return loaded
    data_dir, rules = loaded
    # Without a terminal (a pipe, a cron job) the boards are printed once as text.
    if args.text or not sys.stdout.isatty() or not _ui_available():
        from spiff_tui.core.report import boards_text

        snapshot = _snapshot(args, full_rows=False)
        sys.stdout.write(boards_text(snapshot))
        return EXIT_DATA if snapshot.has_errors else EXIT_OK
    from spiff_tui.ui.app import run_app

    return run_app(data_dir, resolve_rules_path(data_dir, args.rules), args.as_of,
                   tv=args.tv, tv_interval=args.tv_interval, last_board=not args.no_cache)


def _ui_available() -> bool:
    try:
        import spiff_tui.ui.app  # noqa: F401
    except ImportError:
        return False
    return True


def demo(args: argparse.Namespace) -> int:
    from spiff_tui.ui.demo import run_demo

    return run_demo(args.interval)
