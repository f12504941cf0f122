"""SPEC §4, one rule at a time, on small hand-built contests."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from contest import (
    ACCOUNTS,
    ACCOUNTS_HEADER,
    ACTS_HEADER,
    OPPS_HEADER,
    act,
    csv_text,
    ledger_row,
    make_contest,
    opp,
    row_of,
    salesforce_footer,
    score_dir,
    view_texts,
    write,
)


def test_created_dates_count_by_calendar_day_with_both_ends_inclusive(tmp_path):
    folder = make_contest(tmp_path, opps=[
        opp("before", "Ava Patel", "Demo", created="3/31/2026"),
        opp("first", "Ava Patel", "Demo", created="4/1/2026 00:01"),
        opp("last", "Ava Patel", "Demo", created="2026-04-30 23:59"),
        opp("after", "Ava Patel", "Demo", created="5/1/2026"),
    ])
    snapshot = score_dir(folder)
    assert [ledger_row(snapshot, i)["counted"] for i in ("before", "first", "last", "after")] == [
        False, True, True, False]
    assert ledger_row(snapshot, "before")["reason"] == "created 2026-03-31, before the contest"
    assert ledger_row(snapshot, "after")["reason"] == "created 2026-05-01, after the contest"
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["new_business_points"] == 4  # 2 demos x 2


def test_new_business_needs_the_owners_own_target_account(tmp_path):
    folder = make_contest(tmp_path, opps=[
        opp("own", "Ava Patel", "Demo", account=("A1", "Acme")),
        opp("others", "Ava Patel", "Demo", account=("B1", "Bolt")),
        opp("untargeted", "Di Lee", "Demo", account=("D1", "Dune")),
    ])
    snapshot = score_dir(folder)
    assert ledger_row(snapshot, "own")["counted"]
    assert ledger_row(snapshot, "others")["reason"] == "Bolt is not a target account of Ava Patel"
    assert ledger_row(snapshot, "untargeted")["reason"] == "Dune is not a target account of Di Lee"


def test_account_joins_by_id_when_both_sides_have_one_else_by_name(tmp_path):
    folder = make_contest(tmp_path, opps=[
        opp("renamed", "Ava Patel", "Demo", account=("A1", "Acme (EMEA)")),   # id joins despite the name
        opp("no-id", "Ava Patel", "Demo", account=("", "  ACME ")),           # name joins, any case/space
        opp("wrong-id", "Ava Patel", "Demo", account=("B1", "Acme")),         # id wins: Bolt is Ben's
    ])
    snapshot = score_dir(folder)
    assert ledger_row(snapshot, "renamed")["counted"]
    assert ledger_row(snapshot, "no-id")["counted"]
    assert not ledger_row(snapshot, "wrong-id")["counted"]


def test_an_account_without_an_id_is_the_same_account_in_every_export_by_its_name(tmp_path):
    # The newer export spells it differently and takes it off Di's targets: her deal there no longer counts.
    header = ["Account ID", "Account Name", "Account Owner", "Target Account"]
    folder = make_contest(tmp_path, opps=[opp("7", "Di Lee", "Demo", account=("", "Dune Labs"))],
                          accounts=ACCOUNTS + [["", "Dune Labs", "Di Lee", "yes"]])
    write(folder, "accounts.csv", csv_text(header, ACCOUNTS + [["", "Dune Labs", "Di Lee", "yes"]],
                                           footer=salesforce_footer("4/1/2026 9:00 AM")))
    assert ledger_row(score_dir(folder), "7")["counted"]
    write(folder, "accounts_new.csv", csv_text(header, [["", "  DUNE  labs", "Di Lee", "no"]],
                                               footer=salesforce_footer("4/20/2026 9:00 AM")))
    assert ledger_row(score_dir(folder), "7")["reason"] == "Dune Labs is not a target account of Di Lee"


def test_upsell_credits_the_account_executive_and_needs_more_than_the_minimum(tmp_path):
    folder = make_contest(tmp_path, opps=[
        opp("at-min", "Csm Person", "Closed Won", type_="Upsell", ae="Ben Ortiz", amount="$5,000.00"),
        opp("over", "Csm Person", "Closed Won", type_="Upsell", ae="Ben Ortiz", amount="5000.01",
            account=("D1", "Dune")),
        opp("blank", "Csm Person", "Demo", type_="Upsell", ae="Ben Ortiz", amount=""),
    ])
    snapshot = score_dir(folder)
    assert ledger_row(snapshot, "at-min")["reason"] == "amount 5,000.00 is not over 5,000"
    over = ledger_row(snapshot, "over")
    assert over["counted"] and over["rep"] == "Ben Ortiz" and over["points"] == 3
    assert ledger_row(snapshot, "blank")["reason"] == "no amount"
    ben = row_of(snapshot, "reps", "rep", "Ben Ortiz")
    assert (ben["upsell_points"], ben["new_business_points"], ben["opportunities"]) == (3, 0, 1)


def test_stage_without_points_does_not_count_but_closed_lost_does(tmp_path):
    folder = make_contest(tmp_path, opps=[
        opp("verbal", "Ava Patel", "Verbal"),
        opp("lost", "Ava Patel", "Closed Lost"),
        opp("won", "Ava Patel", "Closed Won"),
    ])
    snapshot = score_dir(folder)
    assert ledger_row(snapshot, "verbal")["reason"] == "stage 'Verbal' has no points"
    assert ledger_row(snapshot, "lost")["counted"] and ledger_row(snapshot, "lost")["points"] == 0
    ava = row_of(snapshot, "reps", "rep", "Ava Patel")
    assert (ava["total_points"], ava["opportunities"]) == (4, 2)
    stages = snapshot.view("stages")
    assert sorted(stages["stage"]) == ["Closed Lost", "Closed Won"]


def test_owner_off_the_roster_and_types_in_no_table_do_not_score(tmp_path):
    folder = make_contest(tmp_path, opps=[
        opp("adr", "Sam Adr", "Demo"),
        opp("renewal", "Ava Patel", "Closed Won", type_="Renewal"),
    ])
    snapshot = score_dir(folder)
    assert ledger_row(snapshot, "adr")["reason"] == "Sam Adr is not on the roster"
    renewal = ledger_row(snapshot, "renewal")
    assert renewal["reason"] == "type 'Renewal' is not scored" and renewal["kind"] == "opportunity"


def test_names_stages_and_types_match_ignoring_case_spaces_and_nbsp(tmp_path):
    folder = make_contest(tmp_path, opps=[
        opp("1", "ava  PATEL ", "closed\u00a0won", type_=" new business"),
        opp("2", "Ava\u200bPatel", "Demo"),  # zero-width space inside: a different spelling of no one
    ])
    snapshot = score_dir(folder)
    first = ledger_row(snapshot, "1")
    assert first["counted"] and first["rep"] == "Ava Patel" and first["stage_or_type"] == "Closed Won"
    assert first["points"] == 4


def test_activities_count_on_own_target_accounts_in_the_contest_and_calls_are_a_subset(tmp_path):
    folder = make_contest(tmp_path, acts=[
        act("1", "Ava Patel", "Call"),
        act("2", "Ava Patel", "call "),
        act("3", "Ava Patel", "Email"),
        act("4", "Ava Patel", "Meeting"),
        act("5", "Ava Patel", "Call", account=("B1", "Bolt")),
        act("6", "Ava Patel", "Call", date="3/31/2026"),
        act("7", "Sam Adr", "Call"),
    ])
    snapshot = score_dir(folder)
    ava = row_of(snapshot, "activity", "rep", "Ava Patel")
    assert (ava["activities"], ava["calls"], ava["qualified"]) == (3, 2, True)
    assert ledger_row(snapshot, "4")["reason"] == "type 'Meeting' does not count"
    assert ledger_row(snapshot, "5")["reason"] == "Bolt is not a target account of Ava Patel"
    assert ledger_row(snapshot, "6")["reason"] == "activity 2026-03-31, before the contest"
    assert ledger_row(snapshot, "7")["reason"] == "Sam Adr is not on the roster"


def test_qualification_gates_are_inclusive_and_needed_is_never_negative(tmp_path):
    acts = [act(f"a{i}", "Ava Patel", "Call") for i in range(5)]          # 5 acts, 5 calls
    acts += [act(f"b{i}", "Ben Ortiz", "Email", account=("B1", "Bolt")) for i in range(3)]
    acts += [act("b-call", "Ben Ortiz", "Call", account=("B1", "Bolt"))]  # 4 acts, 1 call
    folder = make_contest(tmp_path, acts=acts)
    snapshot = score_dir(folder)
    ava = row_of(snapshot, "activity", "rep", "Ava Patel")
    ben = row_of(snapshot, "activity", "rep", "Ben Ortiz")
    assert (ava["activities_needed"], ava["calls_needed"], ava["qualified"]) == (0, 0, True)
    assert (ben["activities"], ben["calls"], ben["calls_needed"], ben["qualified"]) == (4, 1, 1, False)
    red = row_of(snapshot, "teams", "team", "Red")
    assert red["eligible"] is False or red["eligible"] == False


def test_team_eligible_only_when_every_member_qualifies(tmp_path):
    acts = [act(f"a{i}", "Ava Patel", "Call") for i in range(3)]
    acts += [act(f"b{i}", "Ben Ortiz", "Call", account=("B1", "Bolt")) for i in range(3)]
    acts += [act(f"c{i}", "Cy Young", "Call", account=("C1", "Core")) for i in range(3)]
    snapshot = score_dir(make_contest(tmp_path, acts=acts))
    assert bool(row_of(snapshot, "teams", "team", "Red")["eligible"]) is True
    assert bool(row_of(snapshot, "teams", "team", "Blue")["eligible"]) is False  # Di logged nothing


def test_competition_ranks_and_every_roster_member_present(tmp_path):
    folder = make_contest(tmp_path, opps=[
        opp("a", "Ava Patel", "Closed Won"),                                   # Ava 4
        opp("b", "Ben Ortiz", "Demo", account=("B1", "Bolt")),                 # Ben 2
        opp("c", "Cy Young", "Demo", account=("C1", "Core")),                  # Cy 2
    ])
    snapshot = score_dir(folder)
    reps = snapshot.view("reps")
    assert list(zip(reps["rank"], reps["rep"])) == [(1, "Ava Patel"), (2, "Ben Ortiz"), (2, "Cy Young"),
                                                    (4, "Di Lee")]
    assert row_of(snapshot, "reps", "rep", "Di Lee")["total_points"] == 0
    teams = snapshot.view("teams")
    assert list(zip(teams["rank"], teams["team"], teams["total_points"])) == [(1, "Red", 6), (2, "Blue", 2)]
    assert list(teams["members"]) == ["Ava Patel; Ben Ortiz", "Cy Young; Di Lee"]


def test_tied_teams_share_a_rank_and_are_listed_by_name(tmp_path):
    folder = make_contest(tmp_path, opps=[
        opp("a", "Ava Patel", "Demo"),
        opp("c", "Cy Young", "Demo", account=("C1", "Core")),
    ])
    teams = score_dir(folder).view("teams")
    assert list(zip(teams["rank"], teams["team"])) == [(1, "Blue"), (1, "Red")]


def test_newest_snapshot_wins_by_footer_time_even_against_file_times(tmp_path):
    folder = make_contest(tmp_path)
    older = write(folder, "opps_old.csv", csv_text(OPPS_HEADER, [opp("X", "Ava Patel", "Closed Won")],
                                                   footer=salesforce_footer("4/10/2026 9:00 AM")))
    newer = write(folder, "opps_new.csv", csv_text(OPPS_HEADER, [opp("X", "Ava Patel", "Demo")],
                                                   footer=salesforce_footer("4/20/2026 9:00 AM")))
    os.utime(older, (2_000_000_000, 2_000_000_000))   # the older export has the newer file time
    os.utime(newer, (1_000_000_000, 1_000_000_000))
    snapshot = score_dir(folder)
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 2
    ledger = snapshot.ledger
    replaced = ledger[(ledger["record_id"] == "X") & ~ledger["counted"]]
    assert list(replaced["file"]) == ["opps_old.csv"]
    assert replaced["reason"].iloc[0].startswith("replaced by the newer row opps_new.csv:2")


def test_without_footers_the_newest_file_time_wins(tmp_path):
    folder = make_contest(tmp_path)
    first = write(folder, "a.csv", csv_text(OPPS_HEADER, [opp("X", "Ava Patel", "Closed Won")]))
    second = write(folder, "b.csv", csv_text(OPPS_HEADER, [opp("X", "Ava Patel", "Demo")]))
    os.utime(first, (2_000_000_000, 2_000_000_000))
    os.utime(second, (1_000_000_000, 1_000_000_000))
    assert row_of(score_dir(folder), "reps", "rep", "Ava Patel")["total_points"] == 4


def test_activities_with_the_same_id_count_once_across_overlapping_files(tmp_path):
    folder = make_contest(tmp_path)
    write(folder, "acts1.csv", csv_text(ACTS_HEADER, [act("1", "Ava Patel", "Call"), act("2", "Ava Patel", "Call")]))
    write(folder, "acts2.csv", csv_text(ACTS_HEADER, [act("2", "Ava Patel", "Call"), act("3", "Ava Patel", "Call")]))
    snapshot = score_dir(folder)
    assert row_of(snapshot, "activity", "rep", "Ava Patel")["calls"] == 3
    duplicate = snapshot.ledger[(snapshot.ledger["file"] == "acts2.csv") & (snapshot.ledger["record_id"] == "2")]
    assert duplicate["reason"].iloc[0] == "same Activity ID as acts1.csv:3"


def test_without_ids_identical_rows_count_once_across_files_but_twice_within_one(tmp_path):
    folder = make_contest(tmp_path)
    header = ACTS_HEADER[1:]
    call = act("", "Ava Patel", "Call")[1:]
    email = act("", "Ava Patel", "Email")[1:]
    write(folder, "acts1.csv", csv_text(header, [call, call]))          # two identical calls: both count
    write(folder, "acts2.csv", csv_text(header, [call, call, email]))   # the overlap repeats them
    snapshot = score_dir(folder)
    ava = row_of(snapshot, "activity", "rep", "Ava Patel")
    assert (ava["activities"], ava["calls"]) == (3, 2)
    repeats = snapshot.ledger[snapshot.ledger["file"] == "acts2.csv"].set_index("line")["reason"]
    assert repeats.to_dict() == {2: "same activity as acts1.csv:2", 3: "same activity as acts1.csv:2", 4: ""}


def test_rows_with_and_without_ids_in_one_export_are_each_counted_once(tmp_path):
    # Ids and rows without one are told apart separately: a repeated id, and a repeated row
    # without an id in another file, each count once; the rest count.
    folder = make_contest(tmp_path)
    write(folder, "acts1.csv", csv_text(ACTS_HEADER, [act("1", "Ava Patel", "Call"), act("", "Ava Patel", "Call")]))
    write(folder, "acts2.csv", csv_text(ACTS_HEADER, [act("1", "Ava Patel", "Call"), act("", "Ava Patel", "Call"),
                                                      act("2", "Ava Patel", "Call")]))
    snapshot = score_dir(folder)
    ava = row_of(snapshot, "activity", "rep", "Ava Patel")
    assert (ava["activities"], ava["calls"]) == (3, 3)
    repeats = snapshot.ledger[snapshot.ledger["file"] == "acts2.csv"].set_index("line")["reason"]
    assert repeats.to_dict() == {2: "same Activity ID as acts1.csv:2", 3: "same activity as acts1.csv:3", 4: ""}


def test_newest_accounts_export_decides_the_target_flag(tmp_path):
    folder = make_contest(tmp_path, opps=[opp("1", "Ava Patel", "Demo")])
    newer = [["A1", "Acme", "Ava Patel", "No"]] + ACCOUNTS[1:]
    write(folder, "accounts_new.csv", csv_text(["Account ID", "Account Name", "Account Owner", "Target Account"],
                                               newer, footer=salesforce_footer("4/20/2026 9:00 AM")))
    write(folder, "accounts.csv", csv_text(["Account ID", "Account Name", "Account Owner", "Target Account"],
                                           ACCOUNTS, footer=salesforce_footer("4/1/2026 9:00 AM")))
    assert not ledger_row(score_dir(folder), "1")["counted"]


@pytest.mark.parametrize("workers", [1, 2])
def test_an_accounts_export_without_ids_beside_one_with_them(tmp_path, workers):
    # A CRM's companies export may have no id column: its accounts are told by name, and the other
    # export's keep their ids. (The join once left such rows' ids missing, and scoring stopped.)
    import datetime as dt

    from spiff_tui.core.rules import load_rules
    from spiff_tui.core.snapshot import score_folder

    folder = make_contest(tmp_path, opps=[opp("1", "Ava Patel", "Demo"),
                                          opp("2", "Cy Young", "Demo", account=("", "Zeta Labs"))])
    write(folder, "companies.csv", csv_text(["Account Name", "Account Owner", "Target Account"],
                                            [["Zeta Labs", "Cy Young", "yes"], ["Acme", "Ava Patel", "no"]]))
    snapshot = score_folder(folder, load_rules(folder / "rules.toml"), dt.date(2026, 4, 15), workers=workers)
    assert not snapshot.has_errors
    assert ledger_row(snapshot, "1")["counted"]   # joined by id: accounts.csv's A1 is Ava's target
    assert ledger_row(snapshot, "2")["counted"]   # no id on the deal: joined by name, to companies.csv
    assert row_of(snapshot, "reps", "rep", "Cy Young")["total_points"] == 2


def test_every_ledger_row_names_its_file_and_line(tmp_path):
    folder = make_contest(tmp_path, opps=[opp("1", "Ava Patel", "Demo"), opp("2", "Ben Ortiz", "Demo")],
                          acts=[act("9", "Ava Patel", "Call")])
    ledger = score_dir(folder).ledger
    assert sorted(zip(ledger["file"], ledger["line"], ledger["record_id"])) == [
        ("activities.csv", 2, "9"), ("opportunities.csv", 2, "1"), ("opportunities.csv", 3, "2")]


def test_exports_joined_end_to_end_skip_the_repeated_header(tmp_path):
    folder = make_contest(tmp_path)
    write(folder, "opportunities.csv", csv_text(OPPS_HEADER, [opp("1", "Ava Patel", "Demo")])
          + csv_text(OPPS_HEADER, [opp("2", "Ava Patel", "Closed Won")]))
    snapshot = score_dir(folder)
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 6
    assert not snapshot.has_errors
    assert any("1 repeated header rows skipped" in str(p) for p in snapshot.problems)


@pytest.mark.parametrize("workers", [1, 2])   # the live board's first rescore reads on two threads
def test_memoised_rescore_reuses_unchanged_parts_and_equals_a_cold_score(tmp_path, workers):
    import datetime as dt

    from spiff_tui.core.folder import FolderReader
    from spiff_tui.core.ledger import ScoringMemo
    from spiff_tui.core.rules import load_rules
    from spiff_tui.core.snapshot import score_folder

    folder = make_contest(tmp_path, opps=[opp("1", "Ava Patel", "Demo")],
                          acts=[act("a", "Ava Patel", "Call"), act("b", "Ava Patel", "Email")])
    rules = load_rules(folder / "rules.toml")
    reader, memo = FolderReader(keep_last_good=True, workers=workers), ScoringMemo(workers)
    first = score_folder(folder, rules, dt.date(2026, 4, 15), reader, memo)
    newer = write(folder, "opportunities_2.csv", csv_text(OPPS_HEADER, [
        opp("1", "Ava Patel", "Closed Won"), opp("9", "Ben Ortiz", "Demo", account=("B1", "Bolt"))]))
    os.utime(folder / "opportunities.csv", (1_000_000_000, 1_000_000_000))
    os.utime(newer, (2_000_000_000, 2_000_000_000))
    second = score_folder(folder, rules, dt.date(2026, 4, 15), reader, memo)
    assert second.ledger_parts[1] is first.ledger_parts[1]          # activities were not rescored
    cold = score_dir(folder)
    for view in ("reps", "activity", "teams", "stages", "ledger"):
        pd.testing.assert_frame_equal(view_texts(second, view), view_texts(cold, view))
    assert row_of(second, "reps", "rep", "Ava Patel")["total_points"] == 4   # the newer file's Closed Won
    # A file that sorts first shifts every other file's place; the memo must not keep stale places.
    write(folder, "0_activities.csv", csv_text(ACTS_HEADER, [act("a", "Ava Patel", "Call")]))
    third = score_folder(folder, rules, dt.date(2026, 4, 15), reader, memo)
    # Only the activities changed: the joined opportunities and the boards made from them are kept.
    assert third.ledger_parts[0] is second.ledger_parts[0]
    assert third.view("reps") is second.view("reps") and third.view("stages") is second.view("stages")
    cold = score_dir(folder)
    for view in ("reps", "activity", "teams", "ledger"):
        pd.testing.assert_frame_equal(view_texts(third, view), view_texts(cold, view))
    repeated = third.ledger[third.ledger["file"] == "activities.csv"].set_index("record_id")
    assert repeated.loc["a", "reason"] == "same Activity ID as 0_activities.csv:2"
    assert row_of(second, "reps", "rep", "Ben Ortiz")["total_points"] == 2
    # Acme stops being Ava's target account: every part that used the targets is scored again.
    accounts = [["A1", "Acme", "Ava Patel", "no"]] + ACCOUNTS[1:]
    write(folder, "accounts.csv", csv_text(ACCOUNTS_HEADER, accounts))
    os.utime(folder / "accounts.csv", (2_100_000_000, 2_100_000_000))
    fourth = score_folder(folder, rules, dt.date(2026, 4, 15), reader, memo)
    cold = score_dir(folder)
    for view in ("reps", "activity", "teams", "ledger"):
        pd.testing.assert_frame_equal(view_texts(fourth, view), view_texts(cold, view))
    assert row_of(fourth, "reps", "rep", "Ava Patel")["total_points"] == 0   # her only deal is on Acme


def test_an_export_with_only_one_credited_column_is_still_opportunities(tmp_path):
    folder = make_contest(tmp_path)
    header = [h for h in OPPS_HEADER if h != "Account Executive"]
    rows = [[c for i, c in enumerate(row) if OPPS_HEADER[i] != "Account Executive"]
            for row in (opp("nb", "Ava Patel", "Demo"), opp("up", "Csm X", "Closed Won", type_="Upsell", amount="9000"))]
    write(folder, "deals.csv", csv_text(header, rows))
    snapshot = score_dir(folder)
    assert ledger_row(snapshot, "nb")["counted"]
    assert ledger_row(snapshot, "up")["reason"] == "no Account Executive named"


def test_one_reps_ledger_is_the_full_ledger_filtered(tmp_path):
    folder = make_contest(tmp_path, opps=[opp("1", "Ava Patel", "Demo"), opp("2", "Ben Ortiz", "Demo")],
                          acts=[act("a", "Ava Patel", "Call"), act("b", "Ben Ortiz", "Call")])
    snapshot = score_dir(folder)
    full = view_texts(snapshot, "ledger")
    expected = full[full["rep"] == "Ava Patel"].reset_index(drop=True)
    # The same rows and values; one rep's texts may be held as Arrow text rather than objects.
    pd.testing.assert_frame_equal(snapshot.ledger_of("Ava Patel"), expected, check_dtype=False)
    assert list(expected["record_id"]) == ["a", "1"]   # file order: activities.csv before opportunities.csv


def test_an_owner_merged_down_a_formatted_xlsx_report_credits_every_row_it_covers(tmp_path):
    import openpyxl

    folder = make_contest(tmp_path)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Opportunities by owner"])
    sheet.merge_cells("A1:C1")                      # a title across columns stays a title
    sheet.append([])
    sheet.append(OPPS_HEADER)
    for row in (opp("1", "Ava Patel", "Demo"), opp("2", "", "Closed Won"), opp("3", "", "Demo")):
        sheet.append(row)
    sheet.merge_cells("E4:E6")                      # Opportunity Owner, grouped
    workbook.save(folder / "opportunities.xlsx")
    snapshot = score_dir(folder)
    assert [ledger_row(snapshot, i)["line"] for i in ("1", "2", "3")] == [4, 5, 6]
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 8   # 2 + 4 + 2


def test_blank_cells_past_the_header_are_a_dialect_on_most_rows_and_ragged_on_a_few(tmp_path):
    rows = [opp("1", "Ava Patel", "Demo"), opp("2", "Ava Patel", "Closed Won"), opp("3", "Ava Patel", "Demo")]
    every = make_contest(tmp_path / "every")
    write(every, "opportunities.csv", csv_text(OPPS_HEADER, rows).replace("\n", ",\n").replace(
        OPPS_HEADER[-1] + ",\n", OPPS_HEADER[-1] + "\n"))   # every row but not the header
    snapshot = score_dir(every)
    assert not snapshot.has_errors
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 2 + 4 + 2
    one = make_contest(tmp_path / "one")
    write(one, "opportunities.csv", csv_text(OPPS_HEADER, rows).replace("Closed Won,,4/10/2026\n",
                                                                      "Closed Won,,4/10/2026,\n"))
    snapshot = score_dir(one)
    assert [(p.line, p.message) for p in snapshot.problems if p.severity == "error"] == [
        (3, "row has 11 cells but the header has 10; row set aside")]
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 2 + 2


def test_a_row_thousands_of_cells_wide_is_set_aside_without_widening_the_others(tmp_path):
    from spiff_tui.core.csv_records import read_records

    rows = [opp(str(i), "Ava Patel", "Demo") for i in range(1, 5)]
    text = csv_text(OPPS_HEADER, rows)
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + "," * 50_000 + "far right\n"   # a filled cell far past the header
    lines[3] = lines[3].rstrip("\n") + "," * 50_000 + "\n"            # only blank ones
    records = read_records("".join(lines))
    assert records.cells.shape[1] <= 256 and records.field_counts[2] == len(OPPS_HEADER) + 50_000
    folder = make_contest(tmp_path)
    write(folder, "opportunities.csv", "".join(lines))
    snapshot = score_dir(folder)
    assert [(p.line, p.message) for p in snapshot.problems if p.severity == "error"] == [
        (3, f"row has {len(OPPS_HEADER) + 50_000} cells but the header has {len(OPPS_HEADER)}; row set aside"),
        (4, f"row has {len(OPPS_HEADER) + 50_000} cells but the header has {len(OPPS_HEADER)}; row set aside")]
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 2 + 2


def test_each_unclear_target_flag_is_named_on_its_first_line_with_its_count(tmp_path):
    flags = ["oui", "Yes", "t", "oui", "1.0", "oui"]
    folder = make_contest(tmp_path, accounts=[[f"Z{i}", f"Zed {i}", "Ava Patel", flag] for i, flag in enumerate(flags)])
    warnings = [(p.line, p.message) for p in score_dir(folder).problems if p.file == "accounts.csv"]
    assert warnings == [(2, "'oui' is neither yes nor no (and 2 more rows); read as not a target account"),
                        (4, "'t' is neither yes nor no; read as not a target account"),
                        (6, "'1.0' is neither yes nor no; read as not a target account")]


def test_a_carriage_return_alone_is_no_line_break_in_a_file_of_line_feeds(tmp_path):
    """A CR inside a quoted cell, or doubled before CRLF, does not move the line numbers after it."""
    folder = make_contest(tmp_path)
    rows = [opp("1", "Ava Patel", "Demo"), opp("2", "Ava Patel", "Demo"), opp("3", "Ava Patel", "Nope")]
    rows[0][1] = "Deal\rone"
    write(folder, "opportunities.csv", csv_text(OPPS_HEADER, rows))
    write(folder, "more.csv", csv_text(OPPS_HEADER, [opp("4", "Ava Patel", "Closed Won"),
                                                     opp("5", "Ava Patel", "Nope")]).replace("\n", "\r\r\n"))
    snapshot = score_dir(folder)
    assert not snapshot.has_errors, snapshot.problems
    not_counted = snapshot.ledger[~snapshot.ledger["counted"]]
    assert sorted(zip(not_counted["file"].astype(str), not_counted["line"])) == [("more.csv", 3),
                                                                                ("opportunities.csv", 4)]
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 2 + 2 + 4


def test_a_file_that_is_one_line_of_a_hundred_thousand_cells_is_kept_spreadsheet_wide(tmp_path):
    from spiff_tui.core.csv_records import MAX_STORED_WIDTH, read_records
    from spiff_tui.core.layout import header_positions

    line = ",".join(["Stage"] + [f"cell {i}" for i in range(100_000)])   # no line break at all
    records = read_records(line)
    assert records.cells.shape == (1, MAX_STORED_WIDTH) and records.field_counts.tolist() == [100_001]
    assert header_positions(["Stage", "x", " stage ", "Amount"]) == {"stage": [0, 2], "x": [1], "amount": [3]}
    folder = make_contest(tmp_path)
    write(folder, "blob.csv", line)
    snapshot = score_dir(folder)
    assert [str(p) for p in snapshot.problems if p.file == "blob.csv"] == [
        "blob.csv: warning: unrecognised export: headers match no kind in [columns]"]


def test_an_amount_whose_currency_disagrees_with_the_currency_column_is_not_scored_and_is_named(tmp_path):
    folder = make_contest(tmp_path)
    header = OPPS_HEADER + ["Amount Currency"]
    rows = [opp("u1", "Zed Zed", "Closed Won", type_="Upsell", ae="Ava Patel", amount="$9000") + ["GBP"],
            opp("u2", "Zed Zed", "Closed Won", type_="Upsell", ae="Ava Patel", amount="9000") + ["usd"],
            opp("u3", "Zed Zed", "Closed Won", type_="Upsell", ae="Ava Patel", amount="$9000") + ["$"],
            opp("u4", "Zed Zed", "Closed Won", type_="Upsell", ae="Ava Patel", amount="€9000") + [""]]
    write(folder, "opportunities.csv", csv_text(header, rows))
    snapshot = score_dir(folder)
    assert [str(p) for p in snapshot.problems if p.severity == "error"] == [
        "opportunities.csv:2: [Amount] error: '$9000' is in USD but Amount Currency says GBP; row not scored"]
    assert ledger_row(snapshot, "u1")["reason"] == "amount in USD but the currency column says GBP"
    assert [ledger_row(snapshot, i)["counted"] for i in ("u1", "u2", "u3", "u4")] == [False, True, True, False]
    assert ledger_row(snapshot, "u4")["reason"] == "amount in EUR, no rate to USD in [input] rates"
    assert row_of(snapshot, "reps", "rep", "Ava Patel")["total_points"] == 3 + 3
