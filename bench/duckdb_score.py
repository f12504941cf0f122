"""Score a contest folder the way an analyst would: DuckDB SQL over the raw exports.

    python bench/duckdb_score.py DIR [--rules RULES] [--view reps|activity|teams] [-v]

Prints the view as CSV on stdout with the SPEC section 5 columns. Python only finds the
files, reads their header lines to tell the kinds apart and map columns (as the SPEC's
column maps say), and turns rules.toml into small tables; reading the rows, the footer
times, de-duplication and all scoring happen in DuckDB.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import re
import sys
import time
import tomllib
from pathlib import Path

import duckdb

IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp")
TRUE_FLAGS = ["true", "yes", "y", "1", "x", "\u2713"]
KIND_ORDER = ["opportunities", "activities", "accounts"]
FIELDS = {
    "opportunities": [
        "id",
        "account_id",
        "account",
        "owner",
        "account_executive",
        "type",
        "stage",
        "amount",
        "currency",
        "created",
    ],
    "activities": ["id", "assigned", "type", "date", "account_id", "account", "subject"],
    "accounts": ["id", "name", "owner", "target"],
}
ID_FIELDS = {"id", "account_id"}  # cleaned once while reading
CREDIT_FIELDS = {"owner": "owner", "account_executive": "account_executive"}


def fold(text: str) -> str:
    """The SPEC's matching key, used here only to match header names to the column maps."""
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def data_files(folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if (
            not path.is_file()
            or name.startswith((".", "~$"))
            or name.endswith(IGNORED_SUFFIXES)
            or path.suffix.lower() not in (".csv", ".xlsx")
        ):
            continue
        if path.suffix.lower() == ".xlsx":
            print(
                f"duckdb_score: {name}: xlsx is not read by this benchmark script, skipped",
                file=sys.stderr,
            )
            continue
        files.append(path)
    return files


def sniff(path: Path) -> tuple[str, str, list[str]]:
    """Encoding, delimiter and header cells of a CSV file."""
    head = path.read_bytes()[: 1 << 16]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, text = "utf-16", head.decode("utf-16", errors="ignore")
    else:
        try:
            encoding, text = "utf-8", head.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            if error.start > len(head) - 4:  # a character cut by the 64 KiB window
                encoding, text = "utf-8", head[: error.start].decode("utf-8-sig")
            else:
                encoding, text = "latin-1", head.decode("latin-1")
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    delimiter = max([",", ";", "\t"], key=first_line.count)
    header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
    return encoding, delimiter, header


def column_positions(header: list[str], aliases: str | list[str]) -> int | None:
    """Position of the first accepted header present; "Name#2" is the second "Name" column."""
    folded = [fold(cell) for cell in header]
    for alias in [aliases] if isinstance(aliases, str) else aliases:
        match = re.fullmatch(r"(.*)#(\d+)", alias)
        name, occurrence = (match.group(1), int(match.group(2))) if match else (alias, 1)
        hits = [i for i, cell in enumerate(folded) if cell == fold(name)]
        if len(hits) >= occurrence:
            return hits[occurrence - 1]
    return None


def required_fields(rules: dict) -> dict[str, list[str]]:
    credited = sorted(
        {rules[table]["credit"] for table in ("new_business", "upsell") if table in rules}
    )
    opportunities = [CREDIT_FIELDS[c] for c in credited] + ["type", "stage", "created"]
    if "upsell" in rules:
        opportunities.append("amount")
    return {
        "opportunities": opportunities,
        "activities": ["assigned", "type", "date"],
        "accounts": ["name", "owner", "target"],
    }


def classify(header: list[str], rules: dict) -> tuple[str, dict[str, int]] | None:
    required = required_fields(rules)
    best = None
    for kind in KIND_ORDER:
        positions = {
            f: column_positions(header, rules["columns"][kind][f])
            for f in FIELDS[kind]
            if f in rules["columns"][kind]
        }
        positions = {f: p for f, p in positions.items() if p is not None}
        if all(f in positions for f in required[kind]) and (
            best is None or len(positions) > len(best[1])
        ):
            best = (kind, positions)
    return best


def date_formats(day_first: bool) -> list[str]:
    md = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    dash = "%d-%m-%Y" if day_first else "%m-%d-%Y"
    return [
        md,
        "%Y-%m-%d",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        f"{md} %H:%M",
        f"{md} %I:%M %p",
        f"{md} %H:%M:%S",
        dash,
        "%Y/%m/%d",
    ]


def setup_macros(con, rules: dict) -> None:
    inputs = rules.get("input", {})
    formats = (
        "[" + ", ".join(sql_text(f) for f in date_formats(inputs.get("day_first", False))) + "]"
    )
    if inputs.get("decimal", ".") == ",":
        digits = "replace(regexp_replace(x, '[^0-9,]', '', 'g'), ',', '.')"
    else:
        digits = "regexp_replace(x, '[^0-9.]', '', 'g')"
    con.execute(rf"""
        -- regexp_replace and trim are the slow parts: values without odd white space skip
        -- them, with the same result.
        CREATE MACRO odd_space(x) AS contains(x, chr(160)) OR contains(x, chr(9)) OR contains(x, chr(10))
            OR contains(x, chr(11)) OR contains(x, chr(12)) OR contains(x, chr(13));
        CREATE MACRO norm(x) AS nullif(CASE
            WHEN contains(x, '  ') OR odd_space(x)
                THEN lower(trim(regexp_replace(replace(x, chr(160), ' '), '\s+', ' ', 'g')))
            WHEN starts_with(x, ' ') OR ends_with(x, ' ') THEN lower(trim(x))
            ELSE lower(x) END, '');
        CREATE MACRO clean_id(x) AS nullif(CASE
            WHEN odd_space(x) THEN trim(regexp_replace(replace(x, chr(160), ' '), '\s+', ' ', 'g'))
            WHEN starts_with(x, ' ') OR ends_with(x, ' ') THEN trim(x)
            ELSE x END, '');
        CREATE MACRO to_day(x) AS coalesce(
            try_cast(trim(x) AS DATE),
            CAST(try_strptime(trim(replace(x, chr(160), ' ')), {formats}) AS DATE));
        CREATE MACRO amount_value(x) AS
            CASE WHEN regexp_matches(x, '^\s*\(') OR regexp_matches(x, '^[^0-9]*-') THEN -1 ELSE 1 END
            * TRY_CAST(nullif({digits}, '') AS DOUBLE);
        CREATE MACRO amount_code(x) AS nullif(upper(regexp_extract(x, '([A-Za-z]{{3}})', 1)), '');
    """)


def setup_rule_tables(con, rules: dict) -> None:
    roster = [
        (member, team["name"], t, m)
        for t, team in enumerate(rules["teams"])
        for m, member in enumerate(team["members"])
    ]
    con.execute(
        "CREATE TABLE roster_raw(rep VARCHAR, team VARCHAR, team_order INT, member_order INT)"
    )
    con.executemany("INSERT INTO roster_raw VALUES (?, ?, ?, ?)", roster)
    con.execute("""CREATE TABLE roster AS SELECT rep, norm(rep) AS rep_key, team, team_order, member_order,
                   row_number() OVER (ORDER BY team_order, member_order) AS roster_order FROM roster_raw""")

    con.execute("CREATE TABLE stage_raw(tbl VARCHAR, stage VARCHAR, points DOUBLE)")
    con.execute("CREATE TABLE type_raw(tbl VARCHAR, type VARCHAR)")
    for table in ("new_business", "upsell"):
        if table in rules:
            con.executemany(
                "INSERT INTO stage_raw VALUES (?, ?, ?)",
                [(table, s, float(p)) for s, p in rules[table]["stage_points"].items()],
            )
            con.executemany(
                "INSERT INTO type_raw VALUES (?, ?)", [(table, t) for t in rules[table]["types"]]
            )
    con.execute(
        "CREATE TABLE stage_points AS SELECT DISTINCT tbl, norm(stage) AS stage_key, points FROM stage_raw"
    )
    con.execute(
        "CREATE TABLE opp_types AS SELECT DISTINCT tbl, norm(type) AS type_key FROM type_raw"
    )

    qualification = rules["qualification"]
    con.execute("CREATE TABLE activity_type_raw(type VARCHAR, is_call BOOLEAN)")
    calls = {fold(t) for t in qualification.get("call_types", [])}
    con.executemany(
        "INSERT INTO activity_type_raw VALUES (?, ?)",
        [(t, fold(t) in calls) for t in qualification["activity_types"]],
    )
    con.execute("""CREATE TABLE activity_types AS
                   SELECT norm(type) AS type_key, bool_or(is_call) AS is_call FROM activity_type_raw GROUP BY 1""")

    inputs = rules.get("input", {})
    currency = inputs.get("currency", "USD")
    rates = {code.upper(): float(rate) for code, rate in inputs.get("rates", {}).items()}
    rates[currency.upper()] = 1.0
    con.execute("CREATE TABLE rates(code VARCHAR, rate DOUBLE)")
    con.executemany("INSERT INTO rates VALUES (?, ?)", list(rates.items()))


def load_files(con, folder: Path, rules: dict, verbose: bool) -> None:
    """One table per kind: the mapped fields of every row, with its file and a count of non-empty cells."""
    con.execute("CREATE TABLE files(file_id INT, name VARCHAR, kind VARCHAR, mtime TIMESTAMP)")
    selects: dict[str, list[str]] = {kind: [] for kind in KIND_ORDER}
    for file_id, path in enumerate(data_files(folder)):
        encoding, delimiter, header = sniff(path)
        found = classify(header, rules)
        if found is None:
            print(f"duckdb_score: {path.name}: headers match no kind, skipped", file=sys.stderr)
            continue
        kind, positions = found
        mtime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(path.stat().st_mtime))
        con.execute("INSERT INTO files VALUES (?, ?, ?, ?)", [file_id, path.name, kind, mtime])
        width = len(header)
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
        nonempty = " + ".join(f"(nullif(trim(c{i}), '') IS NOT NULL)::INT" for i in range(width))
        mapped = ", ".join(
            (
                f"{'clean_id' if f in ID_FIELDS else ''}(c{positions[f]})"
                if f in positions
                else "NULL::VARCHAR"
            )
            + f" AS {f}"
            for f in FIELDS[kind]
        )
        # Salesforce footers have fewer cells than the header: null_padding keeps them as rows
        # (dropped below, read for the Generated By time); with padding, quoted newlines
        # need the serial reader.
        selects[kind].append(f"""
            SELECT {file_id} AS file_id, {mapped}, c0 AS first_cell, {nonempty} AS nonempty
            FROM read_csv({sql_text(str(path))}, auto_detect = false, header = false, skip = 1, delim = {sql_text(delimiter)},
                          quote = '"', escape = '"', columns = {columns}, null_padding = true,
                          parallel = false, encoding = {sql_text(encoding)})""")
        if verbose:
            print(
                f"duckdb_score: {path.name}: {kind}, {encoding}, delimiter {delimiter!r}",
                file=sys.stderr,
            )
    for kind, parts in selects.items():
        body = (
            " UNION ALL ".join(parts)
            if parts
            else (
                "SELECT NULL::INT AS file_id, "
                + ", ".join(f"NULL::VARCHAR AS {f}" for f in FIELDS[kind])
                + ", NULL::VARCHAR AS first_cell, 0 AS nonempty WHERE false"
            )
        )
        con.execute(f"CREATE TABLE raw_{kind} AS {body}")

    # A row with fewer than three filled cells cannot carry any kind's required fields:
    # it is a footer, a blank line or a total, never a data row.
    md = "%d/%m/%Y" if rules.get("input", {}).get("day_first", False) else "%m/%d/%Y"
    formats = f"'{md} %I:%M %p', '{md} %H:%M'"
    con.execute(rf"""
        CREATE TABLE exports AS
        WITH footer AS (
            SELECT file_id, first_cell FROM raw_opportunities WHERE nonempty < 3
            UNION ALL SELECT file_id, first_cell FROM raw_activities WHERE nonempty < 3
            UNION ALL SELECT file_id, first_cell FROM raw_accounts WHERE nonempty < 3
        ), stamp AS (
            SELECT file_id, regexp_replace(regexp_replace(
                       regexp_extract(first_cell, '(\d{{1,2}}/\d{{1,2}}/\d{{4}}\s+\d{{1,2}}:\d{{2}}(\s*[AaPp][Mm])?)\s*$', 1),
                       '\s*([AaPp][Mm])$', ' \1'), '\s+', ' ', 'g') AS stamp
            FROM footer WHERE first_cell ILIKE 'Generated By:%'
        ), generated AS (
            SELECT file_id, max(try_strptime(stamp, [{formats}])) AS generated_at FROM stamp GROUP BY file_id
        )
        SELECT f.*, g.generated_at, coalesce(g.generated_at, f.mtime) AS export_time
        FROM files f LEFT JOIN generated g USING (file_id)
    """)


def target_match(alias: str, rep_key: str) -> str:
    """Is the row's account one of the AE's target accounts: by id when both sides have one, else by name."""
    return f"""(
        EXISTS (SELECT 1 FROM target_ids t WHERE t.owner_key = {rep_key} AND t.account_id = {alias}.account_id)
        OR ({alias}.account_id IS NULL AND EXISTS (
            SELECT 1 FROM target_names t WHERE t.owner_key = {rep_key} AND t.name_key = {alias}.account_key))
        OR EXISTS (SELECT 1 FROM target_names_without_id t
                   WHERE t.owner_key = {rep_key} AND t.name_key = {alias}.account_key))"""


def score(con, rules: dict) -> None:
    start, end = rules["contest"]["start"], rules["contest"]["end"]
    in_contest = f"BETWEEN DATE '{start.isoformat()}' AND DATE '{end.isoformat()}'"
    flags = ", ".join(sql_text(f) for f in TRUE_FLAGS)
    con.execute(f"""
        CREATE TABLE accounts AS
        SELECT a.id AS account_id, norm(a.name) AS name_key, norm(a.owner) AS owner_key,
               coalesce(norm(a.target) IN ({flags}), false) AS is_target
        FROM raw_accounts a JOIN exports e USING (file_id)
        WHERE a.nonempty >= 3
        QUALIFY row_number() OVER (
            PARTITION BY coalesce('id:' || a.id, 'name:' || norm(a.name))
            ORDER BY e.export_time DESC, a.file_id DESC) = 1;
        CREATE TABLE targets AS
        SELECT * FROM accounts WHERE is_target AND owner_key IN (SELECT rep_key FROM roster);
        CREATE TABLE target_ids AS
        SELECT DISTINCT owner_key, account_id FROM targets WHERE account_id IS NOT NULL;
        CREATE TABLE target_names AS
        SELECT DISTINCT owner_key, name_key FROM targets WHERE name_key IS NOT NULL;
        CREATE TABLE target_names_without_id AS
        SELECT DISTINCT owner_key, name_key FROM targets WHERE account_id IS NULL AND name_key IS NOT NULL;
    """)

    con.execute("""
        CREATE TABLE opportunities AS
        SELECT o.account_id AS account_id, norm(o.account) AS account_key,
               norm(o.owner) AS owner, norm(o.account_executive) AS account_executive,
               norm(o.type) AS type_key, norm(o.stage) AS stage_key, to_day(o.created) AS created,
               amount_value(o.amount) AS amount, coalesce(norm(o.currency), lower(amount_code(o.amount))) AS currency
        FROM (SELECT *, row_number() OVER () AS row_no FROM raw_opportunities WHERE nonempty >= 3) o
        JOIN exports e USING (file_id)
        QUALIFY row_number() OVER (
            PARTITION BY coalesce('id:' || o.id, 'row:' || o.row_no)
            ORDER BY e.export_time DESC, o.file_id DESC) = 1
    """)
    scored = []
    for table in ("new_business", "upsell"):
        if table not in rules:
            continue
        spec = rules[table]
        conditions = [
            f"o.created {in_contest}",
            f"o.type_key IN (SELECT type_key FROM opp_types WHERE tbl = '{table}')",
        ]
        if spec.get("target_accounts_only", False):
            conditions.append(target_match("o", "r.rep_key"))
        if "min_amount" in spec:
            # Amounts in another currency count only when rules.toml gives a rate.
            conditions.append(f"""o.amount * CASE WHEN o.currency IS NULL THEN 1.0 ELSE
                (SELECT rate FROM rates WHERE lower(code) = o.currency) END > {float(spec["min_amount"])}""")
        scored.append(f"""
            SELECT '{table}' AS tbl, r.rep, sp.points
            FROM opportunities o
            JOIN roster r ON r.rep_key = o.{CREDIT_FIELDS[spec["credit"]]}
            JOIN stage_points sp ON sp.tbl = '{table}' AND sp.stage_key = o.stage_key
            WHERE {" AND ".join(conditions)}""")
    con.execute(
        "CREATE TABLE opportunity_points AS "
        + (
            " UNION ALL ".join(scored)
            if scored
            else "SELECT NULL::VARCHAR AS tbl, NULL::VARCHAR AS rep, NULL::DOUBLE AS points WHERE false"
        )
    )

    # Same Activity ID counts once (the newest export's row); rows without an id count once
    # per identical copy, however many files repeat them.
    con.execute("""
        CREATE TABLE activities AS
        WITH with_id AS (
            SELECT a.assigned, a.type, a.date, a.account_id, a.account, 1 AS copies
            FROM raw_activities a JOIN exports e USING (file_id)
            WHERE a.nonempty >= 3 AND a.id IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY a.id
                                       ORDER BY e.export_time DESC, a.file_id DESC) = 1
        ), per_file AS (
            SELECT file_id, assigned, type, date, account_id, account, subject, count(*) AS copies
            FROM raw_activities WHERE nonempty >= 3 AND id IS NULL
            GROUP BY ALL
        ), without_id AS (
            SELECT assigned, type, date, account_id, account, max(copies) AS copies
            FROM per_file GROUP BY assigned, type, date, account_id, account, subject
        )
        SELECT * FROM with_id UNION ALL SELECT * FROM without_id
    """)
    qualification = rules["qualification"]
    on_target = (
        target_match("a", "r.rep_key")
        if qualification.get("target_accounts_only", False)
        else "true"
    )
    con.execute(f"""
        CREATE TABLE activity_counts AS
        SELECT r.rep, sum(a.copies) AS activities, coalesce(sum(a.copies) FILTER (WHERE t.is_call), 0) AS calls
        FROM (SELECT norm(assigned) AS rep_key, norm(type) AS type_key, to_day(date) AS day,
                     account_id AS account_id, norm(account) AS account_key, copies
              FROM activities) a
        JOIN roster r ON r.rep_key = a.rep_key
        JOIN activity_types t ON t.type_key = a.type_key
        WHERE a.day {in_contest} AND {on_target}
        GROUP BY r.rep
    """)
    con.execute(f"""
        CREATE TABLE rep_board AS
        SELECT r.rep, r.team, r.team_order, r.roster_order,
               coalesce(nb.points, 0) AS new_business_points, coalesce(up.points, 0) AS upsell_points,
               coalesce(nb.points, 0) + coalesce(up.points, 0) AS total_points,
               coalesce(nb.n, 0) + coalesce(up.n, 0) AS opportunities,
               coalesce(ac.activities, 0) AS activities, coalesce(ac.calls, 0) AS calls,
               greatest(0, {int(qualification["min_activities"])} - coalesce(ac.activities, 0)) AS activities_needed,
               greatest(0, {int(qualification["min_calls"])} - coalesce(ac.calls, 0)) AS calls_needed,
               coalesce(ac.activities, 0) >= {int(qualification["min_activities"])}
                   AND coalesce(ac.calls, 0) >= {int(qualification["min_calls"])} AS qualified
        FROM roster r
        LEFT JOIN (SELECT rep, sum(points) AS points, count(*) AS n FROM opportunity_points
                   WHERE tbl = 'new_business' GROUP BY rep) nb USING (rep)
        LEFT JOIN (SELECT rep, sum(points) AS points, count(*) AS n FROM opportunity_points
                   WHERE tbl = 'upsell' GROUP BY rep) up USING (rep)
        LEFT JOIN activity_counts ac USING (rep)
    """)


VIEWS = {
    "reps": """
        SELECT rank() OVER (ORDER BY total_points DESC) AS rank, rep, team,
               new_business_points, upsell_points, total_points, opportunities
        FROM rep_board ORDER BY total_points DESC, rep""",
    "activity": """
        SELECT rep, team, activities, calls, activities_needed, calls_needed, qualified
        FROM rep_board ORDER BY roster_order""",
    "teams": """
        SELECT rank() OVER (ORDER BY total_points DESC) AS rank, * FROM (
            SELECT team, string_agg(rep, '; ' ORDER BY roster_order) AS members,
                   sum(new_business_points) AS new_business_points, sum(upsell_points) AS upsell_points,
                   sum(total_points) AS total_points, bool_and(qualified) AS eligible
            FROM rep_board GROUP BY team)
        ORDER BY total_points DESC, team""",
}


def cell(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument(
        "--rules", type=Path, help="default: FOLDER/rules.toml if present, else ./rules.toml"
    )
    parser.add_argument("--view", choices=sorted(VIEWS), default="teams")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="files, kinds and phase times on stderr"
    )
    args = parser.parse_args(argv)

    rules_path = args.rules or (
        args.folder / "rules.toml" if (args.folder / "rules.toml").exists() else Path("rules.toml")
    )
    started = time.perf_counter()
    rules = tomllib.loads(rules_path.read_text(encoding="utf-8"))
    con = duckdb.connect()
    setup_macros(con, rules)
    setup_rule_tables(con, rules)
    load_files(con, args.folder, rules, args.verbose)
    loaded = time.perf_counter()
    score(con, rules)
    result = con.execute(VIEWS[args.view])
    names = [d[0] for d in result.description]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([cell(v) for v in row] for row in result.fetchall())
    if args.verbose:
        for row in con.execute(
            "SELECT name, kind, generated_at, mtime FROM exports ORDER BY file_id"
        ).fetchall():
            print(
                f"duckdb_score: {row[0]}: {row[1]}, footer time {row[2]}, mtime {row[3]}",
                file=sys.stderr,
            )
        print(
            f"duckdb_score: read {loaded - started:.2f}s, scored {time.perf_counter() - loaded:.2f}s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
