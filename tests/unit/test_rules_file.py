"""rules.toml validation: every refusal is one line naming the file, the key and the line."""

from __future__ import annotations

import pytest
from contest import RULES

from spiff_tui.core.rules import RulesError, load_rules


def refusal(tmp_path, text: str) -> str:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_shipped_rules_load():
    from pathlib import Path

    rules = load_rules(Path(__file__).parents[2] / "rules.toml")
    assert len(rules.teams) == 7 and len(rules.roster) == 14
    assert [t.kind for t in rules.tables] == ["new_business", "upsell"]


def test_unknown_key_is_named_with_its_line(tmp_path):
    text = RULES.replace("min_calls = 2", "min_calls = 2\nmin_meetings = 4")
    message = refusal(tmp_path, text)
    assert "min_meetings" in message and f":{line_of(text, 'min_meetings')}:" in message


def test_wrong_type_is_named(tmp_path):
    text = RULES.replace("min_amount = 5000", 'min_amount = "five thousand"')
    message = refusal(tmp_path, text)
    assert "[upsell] min_amount" in message and f":{line_of(text, 'five thousand')}:" in message


def test_end_before_start(tmp_path):
    message = refusal(tmp_path, RULES.replace("end = 2026-04-30", "end = 2026-03-30"))
    assert "[contest] end" in message and "before start" in message


def test_person_on_two_teams(tmp_path):
    message = refusal(tmp_path, RULES.replace('["Cy Young", "Di Lee"]', '["Cy Young", "ava patel"]'))
    assert "on two teams" in message


def test_empty_roster(tmp_path):
    text = RULES.split("[[teams]]")[0] + RULES.split('members = ["Cy Young", "Di Lee"]')[1]
    assert "roster is empty" in refusal(tmp_path, text)


def test_toml_syntax_error_gives_the_line(tmp_path):
    text = RULES.replace('name = "Test Spiff"', 'name = "Test Spiff')
    message = refusal(tmp_path, text)
    assert "line 2" in message


def test_unknown_column_field_and_bad_decimal(tmp_path):
    assert "ownr" in refusal(tmp_path, RULES + '\n[columns.opportunities]\nownr = "Owner"\n')
    assert "[input] decimal" in refusal(tmp_path, RULES + '\n[input]\ndecimal = ";"\n')


def test_a_column_with_no_headers_is_refused_with_its_line(tmp_path):
    text = RULES + '\n[columns.opportunities]\naccount_executive = []\n'
    message = refusal(tmp_path, text)
    assert "[columns.opportunities] account_executive: expected at least one header" in message
    assert f":{line_of(text, 'account_executive = []')}:" in message


def test_missing_file_suggests_init(tmp_path):
    with pytest.raises(RulesError, match="spiff-tui init"):
        load_rules(tmp_path / "nope.toml")


def test_column_lists_override_defaults_field_by_field(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(RULES + '\n[columns.opportunities]\nowner = "Deal Owner"\n')
    columns = load_rules(path).columns["opportunities"]
    assert columns["owner"] == ("Deal Owner",)
    assert columns["stage"] == ("Stage", "Deal Stage")
