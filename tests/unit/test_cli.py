"""The command line through main([...]): each command, each exit code, stdout for data, stderr for the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
from contest import ACTS_HEADER, OPPS_HEADER, RULES, act, csv_text, make_contest, opp, write

from spiff_tui.cli import main
from spiff_tui.core.rules import load_rules

REPO = Path(__file__).parents[2]


def contest(tmp_path: Path) -> Path:
    return make_contest(tmp_path / "data", opps=[opp("1", "Ava Patel", "Closed Won"),
                                                 opp("2", "Cy Young", "Demo", account=("C1", "Core"))],
                        acts=[act("a", "Ava Patel", "Call")])


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_check_reports_each_file_and_the_boards(tmp_path, capsys):
    data = contest(tmp_path)
    code, out, err = run(capsys, "check", str(data), "--as-of", "2026-04-15")
    assert code == 0
    for name in ("accounts.csv", "opportunities.csv", "activities.csv"):
        assert name in out
    assert "REPS" in out and "TEAMS" in out and "ACTIVITY" in out
    assert "Ava Patel" in out


def test_commands_collect_garbage_again_once_started(tmp_path, capsys):
    import gc

    data = contest(tmp_path)
    for command in (["check", str(data)], ["export", str(data), "--view", "teams"],
                    ["init", str(data), "-o", str(tmp_path / "starter.toml")]):
        gc.disable()   # as the command line starts every process
        try:
            run(capsys, *command)
            assert gc.isenabled(), command
        finally:
            gc.enable()


def test_check_exits_1_and_names_the_bad_line(tmp_path, capsys):
    data = contest(tmp_path)
    write(data, "activities.csv", csv_text(ACTS_HEADER, [act("a", "Ava Patel", "Call")]) + "b,Ava Patel,Call\n")
    code, out, err = run(capsys, "check", str(data))
    assert code == 1
    assert "activities.csv:3:" in out and "row has 3 cells but the header has 6" in out


def test_problems_of_a_file_are_listed_in_line_order(tmp_path, capsys):
    data = contest(tmp_path)
    # Line 4 is ragged (found while reading the shape), line 2 has a bad date (found while typing).
    rows = [act("a", "Ava Patel", "Call", date="4/31/2026"), act("b", "Ava Patel", "Call")]
    write(data, "activities.csv", csv_text(ACTS_HEADER, rows) + "c,Ava Patel,Call\n")
    code, out, _ = run(capsys, "check", str(data))
    assert code == 1
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("activities.csv:")]
    assert [line.split(":")[1] for line in lines] == ["2", "4"]


def test_a_folder_with_nothing_scored_checks_and_exports_every_view(tmp_path, capsys):
    """No exports at all, then only one that cannot be read: the boards are all zeros, never a crash."""
    data = tmp_path / "data"
    data.mkdir()
    write(data, "rules.toml", RULES)
    for unreadable in (None, "opportunities.xlsx"):
        if unreadable:
            (data / unreadable).write_bytes(b"PK\x03\x04 cut off")   # a workbook's first bytes only
        code, out, err = run(capsys, "check", str(data), "--as-of", "2026-04-15")
        assert code == (1 if unreadable else 0), err
        assert "rows counted: new_business 0 of 0, upsell 0 of 0, activity 0 of 0" in out
        assert "internal error" not in err
        for view in ("reps", "teams", "activity", "stages", "ledger"):
            for output in ("csv", "json", "md"):
                code, out, err = run(capsys, "export", str(data), "--view", view, "--format", output)
                assert code == (1 if unreadable else 0) and "internal error" not in err, (view, output, err)
        code, out, err = run(capsys, "export", str(data), "--view", "reps", "--format", "json")
        assert {row["total_points"] for row in json.loads(out)} == {0}


def test_an_html_page_named_as_an_export_is_an_error_and_the_rest_still_scores(tmp_path, capsys):
    data = contest(tmp_path)
    write(data, "report.xlsx", "<!DOCTYPE html>\n<html><table><tr><td>Opportunity ID</td></tr></table></html>")
    write(data, "more.csv", "\n<table><tr><td>Activity ID</td></tr></table>", encoding="utf-16")
    code, out, err = run(capsys, "check", str(data), "--as-of", "2026-04-15")
    assert code == 1
    for name in ("report.xlsx", "more.csv"):
        assert f"{name}: error: is an HTML page, not an export" in out
    assert "Ava Patel" in out and "rows counted: new_business 2 of 2, upsell 0 of 0, activity 1 of 1" in out


def test_bad_rules_exit_2_with_one_line(tmp_path, capsys):
    data = contest(tmp_path)
    write(data, "rules.toml", RULES.replace("end = 2026-04-30", "end = 2026-01-01"))
    code, out, err = run(capsys, "check", str(data))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "rules.toml" in err


def test_missing_folder_and_bad_usage_exit_2(tmp_path, capsys):
    assert run(capsys, "check", str(tmp_path / "missing"))[0] == 2
    assert run(capsys, "export", str(tmp_path), "--view", "nonsense")[0] == 2
    assert run(capsys, "check", str(tmp_path), "--as-of", "yesterday")[0] == 2


def test_export_json_has_typed_values(tmp_path, capsys):
    data = contest(tmp_path)
    code, out, err = run(capsys, "export", str(data), "--view", "teams", "--format", "json")
    assert code == 0
    teams = json.loads(out)
    assert [(t["rank"], t["team"], t["total_points"], t["eligible"]) for t in teams] == [
        (1, "Red", 4, False), (2, "Blue", 2, False)]
    assert teams[0]["members"] == "Ava Patel; Ben Ortiz"


def test_export_csv_md_and_rules_option(tmp_path, capsys):
    data = contest(tmp_path)
    rules = tmp_path / "elsewhere.toml"
    rules.write_text(RULES.replace('"Closed Won" = 4', '"Closed Won" = 10'))
    code, out, _ = run(capsys, "export", str(data), "--view", "reps", "--format", "csv", "--rules", str(rules))
    assert code == 0
    assert out.splitlines()[0].startswith("rank,rep,team,new_business_points,upsell_points,total_points")
    assert out.splitlines()[1].startswith("1,Ava Patel,Red,10,0,10,1")
    code, out, _ = run(capsys, "export", str(data), "--view", "stages", "--format", "md")
    assert out.splitlines()[0] == "| rep | kind | stage | opportunities | points |"


def test_export_neutralises_formulas_and_escapes_markdown(tmp_path, capsys):
    data = contest(tmp_path)
    write(data, "opportunities.csv", csv_text(OPPS_HEADER, [
        opp("=HYPERLINK(\"http://x\")", "Ava Patel", "Closed Won"),
        opp("-2", "Ava Patel", "Demo"),
        opp("3", "@SUM(A1)", "Demo"),
        opp("4", "<b>&co</b>", "Demo"),
    ]))
    _, out, _ = run(capsys, "export", str(data), "--view", "ledger", "--format", "csv")
    cells = [c for line in out.splitlines() for c in line.split(",")]
    assert "'=HYPERLINK(\"\"http://x\"\")" in out
    assert "'@SUM(A1)" in out
    assert not any(c.startswith(("=", "@", "+")) for c in cells)
    _, md, _ = run(capsys, "export", str(data), "--view", "ledger", "--format", "md")
    assert "&lt;b&gt;&amp;co&lt;/b&gt;" in md and "<b>" not in md


def test_export_xlsx_writes_text_cells_and_is_byte_identical(tmp_path, capsys):
    data = contest(tmp_path)
    write(data, "opportunities.csv", csv_text(OPPS_HEADER, [opp("=1+1", "Ava Patel", "Closed Won")]))
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert run(capsys, "export", str(data), "--view", "ledger", "--format", "xlsx", "-o", str(first))[0] == 0
    run(capsys, "export", str(data), "--view", "ledger", "--format", "xlsx", "-o", str(second))
    assert first.read_bytes() == second.read_bytes()
    sheet = openpyxl.load_workbook(first).active
    ids = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "=1+1" in ids
    cell = next(c for row in sheet.iter_rows(min_row=2) for c in row if c.value == "=1+1")
    assert cell.data_type == "s"


def test_export_to_a_named_pipe_writes_into_the_pipe_and_leaves_it_a_pipe(tmp_path, capsys):
    # As to /dev/null or /dev/stdout: a rename over it would leave a plain file in its place.
    import stat
    import threading

    data, pipe = contest(tmp_path), tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    code, _, err = run(capsys, "export", str(data), "--view", "teams", "-o", str(pipe))
    reader.join(timeout=10)
    assert code == 0 and "wrote teams" in err
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert received and received[0].decode().startswith("rank,team")


def test_export_to_dev_stdout_writes_into_the_pipe_it_leads_to(tmp_path):
    done = subprocess.run([sys.executable, "-m", "spiff_tui", "export", str(contest(tmp_path)), "--view", "teams",
                           "-o", "/dev/stdout"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rank,team") and "wrote teams" in done.stderr


def test_export_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path, capsys):
    data, target, link = contest(tmp_path), tmp_path / "results.csv", tmp_path / "latest.csv"
    target.write_text("old\n")
    link.symlink_to(target)
    assert run(capsys, "export", str(data), "--view", "teams", "-o", str(link))[0] == 0
    assert link.is_symlink() and target.read_text().startswith("rank,team")


def test_exports_are_byte_identical_run_to_run(tmp_path, capsys):
    data = contest(tmp_path)
    outputs = set()
    for _ in range(2):
        for view in ("reps", "activity", "teams", "stages", "ledger"):
            outputs.add((view, run(capsys, "export", str(data), "--view", view, "--format", "json",
                                   "--as-of", "2026-04-10")[1]))
    assert len(outputs) == 5


def test_a_view_longer_than_an_xlsx_sheet_is_refused_before_anything_is_written(tmp_path, capsys, monkeypatch):
    import spiff_tui.core.export as formats

    data = contest(tmp_path)
    write(data, "opportunities.csv", csv_text(OPPS_HEADER, [opp(str(n), "Ava Patel", "Demo") for n in range(3)]))
    # A sheet of three rows: the header and two; the ledger holds three opportunities and one activity.
    monkeypatch.setattr(formats, "XLSX_MAX_ROWS", 3)
    target = tmp_path / "ledger.xlsx"
    code, _, err = run(capsys, "export", str(data), "--view", "ledger", "--format", "xlsx", "-o", str(target))
    assert code == 2 and not target.exists()
    assert "the ledger view has 4 rows, and an XLSX sheet holds 2 below its header" in err and "--format csv" in err
    assert run(capsys, "export", str(data), "--view", "teams", "--format", "xlsx", "-o", str(target))[0] == 0


def test_xlsx_to_stdout_is_refused(tmp_path, capsys):
    assert run(capsys, "export", str(contest(tmp_path)), "--view", "reps", "--format", "xlsx")[0] == 2


def test_init_writes_loadable_starter_rules_outside_the_data_folder(tmp_path, capsys):
    data = contest(tmp_path)
    (data / "rules.toml").unlink()
    target = tmp_path / "starter.toml"
    code, out, err = run(capsys, "init", str(data), "-o", str(target))
    assert code == 0 and target.exists()
    rules = load_rules(target)
    assert {"Ava Patel", "Cy Young"} <= set(rules.roster)
    assert {"Closed Won", "Demo"} <= {s for s, _ in rules.tables[0].stage_points}
    assert "Call" in rules.qualification.activity_types
    assert run(capsys, "init", str(data), "-o", str(target))[0] == 2          # no overwrite
    assert run(capsys, "init", str(data), "-o", str(data / "r.toml"))[0] == 2  # never into the data folder
    assert run(capsys, "init", str(data), "-o", str(target), "--force")[0] == 0


def test_rules_default_to_the_data_folder_then_the_working_directory(tmp_path, capsys, monkeypatch):
    data = contest(tmp_path)
    (data / "rules.toml").unlink()
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "check", str(data))[0] == 2          # none anywhere
    (tmp_path / "rules.toml").write_text(RULES)
    assert run(capsys, "check", str(data))[0] == 0


def test_help_teaches_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for text in ("check DATA_DIR", "export DATA_DIR", "init DATA_DIR", "exit codes", "--rules"):
        assert text in out
    code, out, _ = run(capsys, "export", "--help")
    assert "--view" in out and "ledger" in out


def test_headless_commands_never_import_textual(tmp_path):
    data = contest(tmp_path)
    blocker = tmp_path / "block" / "textual"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('textual must not be imported here')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "block"))
    for argv in (["check", str(data)], ["export", str(data), "--view", "teams", "--format", "json"],
                 ["--text", str(data)]):
        done = subprocess.run([sys.executable, "-c", "import sys; from spiff_tui.cli import main; "
                               "code = main(sys.argv[1:]); assert 'textual' not in sys.modules; sys.exit(code)",
                               *argv], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr


def test_shipped_sample_checks_clean_and_exports_seven_teams(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code, out, _ = run(capsys, "check", "sample_data", "--as-of", "2026-04-30")
    assert code == 0
    for path in (REPO / "sample_data").iterdir():
        assert path.name in out
    code, out, _ = run(capsys, "export", "sample_data", "--view", "teams", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 7


def test_escape_sequences_in_ids_and_team_names_never_reach_an_export(tmp_path, capsys):
    data = make_contest(tmp_path / "data", opps=[opp("\x1b[31mX\x07", "Ava Patel", "Demo")],
                        acts=[act("\x1b]0;title\x07", "Ava Patel", "Call")],
                        rules=RULES.replace('name = "Red"', 'name = "Red\\u001b[2J"'))
    for view in ("ledger", "teams", "reps"):
        for fmt in ("csv", "md", "json"):
            code, out, err = run(capsys, "export", str(data), "--view", view, "--format", fmt)
            assert code == 0 and "\x1b" not in out and "\x07" not in out
    _, out, _ = run(capsys, "export", str(data), "--view", "ledger", "--format", "csv")
    assert "\\x1b[31mX\\x07" in out          # shown, visibly, not executed
    _, out, _ = run(capsys, "check", str(data))
    assert "\x1b" not in out


def test_init_on_the_sample_merges_spellings_and_finds_the_contest_month(tmp_path, capsys):
    target = tmp_path / "starter.toml"
    assert run(capsys, "init", str(REPO / "sample_data"), "-o", str(target))[0] == 0
    rules = load_rules(target)
    assert (rules.start.isoformat(), rules.end.isoformat()) == ("2026-04-01", "2026-04-30")
    roster = [name.casefold() for name in rules.roster]
    assert len(roster) == len(set(roster)) and "ava patel" in roster and "ava  patel" not in roster
    assert run(capsys, "check", str(REPO / "sample_data"), "--rules", str(target))[0] == 0


def test_the_board_command_without_a_terminal_prints_the_boards_once(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code, out, _ = run(capsys, "sample_data", "--as-of", "2026-04-30")
    assert code == 0
    assert "REPS" in out and "TEAMS" in out and "Falcons" in out


def test_the_board_starts_with_or_without_the_last_runs_board(tmp_path, monkeypatch):
    import spiff_tui.ui.app as app_module

    data = contest(tmp_path)
    started: list[dict] = []
    monkeypatch.setattr(app_module, "run_app", lambda *args, **options: started.append(options) or 0)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main([str(data), "--rules", str(data / "rules.toml")]) == 0
    assert main([str(data), "--rules", str(data / "rules.toml"), "--no-cache"]) == 0
    assert [options["last_board"] for options in started] == [True, False]
