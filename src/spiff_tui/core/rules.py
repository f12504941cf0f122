"""rules.toml: read with tomllib, validated into frozen dataclasses, refused with one clear line."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spiff_tui.core.names import match_key

KINDS = ("opportunities", "activities", "accounts")

DEFAULT_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "opportunities": {
        "id": ("Opportunity ID", "Record ID"),
        "name": ("Opportunity Name", "Deal Name"),
        "account_id": ("Account ID",),
        "account": ("Account Name", "Associated Company"),
        "owner": ("Opportunity Owner", "Deal owner"),
        "account_executive": ("Account Executive",),
        "type": ("Type", "Deal Type"),
        "stage": ("Stage", "Deal Stage"),
        "amount": ("Amount",),
        "currency": ("Amount Currency", "Opportunity Currency"),
        "created": ("Created Date", "Create Date"),
        "close": ("Close Date",),
    },
    "activities": {
        "id": ("Activity ID",),
        "assigned": ("Assigned", "Activity assigned to"),
        "type": ("Task Subtype", "Activity Type", "Type"),
        "date": ("Date", "Due Date", "Activity date"),
        "account_id": ("Account ID",),
        "account": ("Company / Account", "Account Name", "Associated Company"),
        "subject": ("Subject",),
    },
    "accounts": {
        "id": ("Account ID",),
        "name": ("Account Name",),
        "owner": ("Account Owner",),
        "target": ("Target Account",),
    },
}


class RulesError(Exception):
    """A rules file that cannot be used; the message is one line naming file, key and line."""


@dataclass(frozen=True)
class Team:
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class ScoringTable:
    """One points table: new_business or upsell."""

    kind: str
    types: tuple[str, ...]
    credit: str
    target_accounts_only: bool
    min_amount: float | None
    stage_points: tuple[tuple[str, float], ...]

    @property
    def type_keys(self) -> frozenset[str]:
        return frozenset(match_key(t) for t in self.types)

    @property
    def points_by_stage_key(self) -> dict[str, float]:
        return {match_key(stage): points for stage, points in self.stage_points}

    @property
    def stage_display_by_key(self) -> dict[str, str]:
        return {match_key(stage): stage for stage, _ in self.stage_points}


@dataclass(frozen=True)
class Qualification:
    min_activities: int = 0
    min_calls: int = 0
    activity_types: tuple[str, ...] = ("Call", "Email", "LinkedIn")
    call_types: tuple[str, ...] = ("Call",)
    target_accounts_only: bool = True


@dataclass(frozen=True)
class InputSettings:
    day_first: bool = False
    decimal: str = "."
    currency: str = "USD"
    rates: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Rules:
    name: str
    start: dt.date
    end: dt.date
    teams: tuple[Team, ...]
    tables: tuple[ScoringTable, ...]
    qualification: Qualification
    input: InputSettings
    columns: dict[str, dict[str, tuple[str, ...]]] = field(hash=False, compare=False)
    source: str = ""

    @property
    def roster(self) -> tuple[str, ...]:
        return tuple(member for team in self.teams for member in team.members)

    @property
    def team_of(self) -> dict[str, str]:
        return {member: team.name for team in self.teams for member in team.members}

    def table(self, kind: str) -> ScoringTable | None:
        return next((t for t in self.tables if t.kind == kind), None)

    def required_fields(self, kind: str) -> tuple[str, ...]:
        if kind == "opportunities":
            credits = tuple(dict.fromkeys(t.credit for t in self.tables))
            amount = ("amount",) if self.table("upsell") is not None else ()
            return credits + ("type", "stage", "created") + amount
        if kind == "activities":
            return ("assigned", "type", "date")
        return ("name", "owner", "target")

    def missing_fields(self, kind: str, present) -> list[str]:
        """Required fields a header lacks. The credited fields are alternatives: an export with only
        an owner column is still an opportunities export (its upsells then name no AE)."""
        present = set(present)
        missing = [f for f in self.required_fields(kind) if f not in present]
        if kind == "opportunities":
            credits = {t.credit for t in self.tables}
            if credits & present:
                missing = [f for f in missing if f not in credits]
        return missing


def load_rules(path: Path) -> Rules:
    """Read and validate a rules file; raise RulesError with one line on any problem."""
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise RulesError(f"{path}: rules file not found (create one with 'spiff-tui init DATA_DIR')")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules file: {exc.strerror or exc}")
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RulesError(f"{path}: rules file is not UTF-8 (byte {exc.start})")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: {exc}")
    return _Validator(path, text).rules(data)


class _Validator:
    """Walks the parsed TOML; every refusal names the file, the key and its line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, section: str, key: str | None, problem: str) -> RulesError:
        where = f"[{section}] {key}" if key else f"[{section}]"
        line = self.line_of(section, key)
        at = f"{self.path}:{line}" if line else str(self.path)
        return RulesError(f"{at}: {where}: {problem}")

    def line_of(self, section: str, key: str | None) -> int | None:
        current = ""
        dotted = f"{section}.{key}" if key else section
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            if stripped.startswith("["):
                current = stripped.strip("[] ").split("]")[0].strip()
                if key is None and current == section:
                    return number
                continue
            name = stripped.split("=", 1)[0].strip().strip('"')
            if "=" in stripped and key is not None and current == section and name == key:
                return number
            if "=" in stripped and current == "" and name == dotted:
                return number
        return None

    def section(self, data: dict, name: str, allowed: set[str], required: bool) -> dict | None:
        value = data.get(name)
        if value is None:
            if required:
                raise RulesError(f"{self.path}: missing [{name}] section")
            return None
        if not isinstance(value, dict):
            raise self.fail(name, None, f"expected a table, got {type(value).__name__}")
        for key in value:
            if key not in allowed:
                raise self.fail(name, key, f"unknown key (allowed: {', '.join(sorted(allowed))})")
        return value

    def typed(self, table: dict, section: str, key: str, kinds: tuple, default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                raise self.fail(section, key, "is required")
            return default
        value = table[key]
        if isinstance(value, bool) and bool not in kinds:
            raise self.fail(section, key, f"expected {_kind_names(kinds)}, got {value!r}")
        if not isinstance(value, kinds):
            raise self.fail(section, key, f"expected {_kind_names(kinds)}, got {value!r}")
        return value

    def strings(self, table: dict, section: str, key: str, default: Any = ...) -> tuple[str, ...]:
        value = self.typed(table, section, key, (list, str), default)
        values = [value] if isinstance(value, str) else list(value)
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise self.fail(section, key, "expected a list of non-empty strings")
        return tuple(values)

    def rules(self, data: dict) -> Rules:
        allowed_top = {"contest", "teams", "new_business", "upsell", "qualification", "input", "columns"}
        for key in data:
            if key not in allowed_top:
                raise RulesError(f"{self.path}:{self.line_of(key, None) or self.line_of('', key) or '?'}: "
                                 f"unknown key '{key}' (allowed: {', '.join(sorted(allowed_top))})")
        contest = self.section(data, "contest", {"name", "start", "end"}, required=True)
        name = self.typed(contest, "contest", "name", (str,))
        start = self.day(contest, "start")
        end = self.day(contest, "end")
        if end < start:
            raise self.fail("contest", "end", f"end {end} is before start {start}")
        teams = self.teams(data.get("teams"))
        columns = self.columns(data.get("columns"))
        tables = tuple(
            t for t in (self.table(data, "new_business"), self.table(data, "upsell")) if t
        )
        for table in tables:
            if table.credit not in columns["opportunities"]:
                raise self.fail(table.kind, "credit", f"'{table.credit}' is not an opportunities "
                                f"column (one of: {', '.join(columns['opportunities'])})")
        return Rules(name=name, start=start, end=end, teams=teams, tables=tables,
                     qualification=self.qualification(data), input=self.input(data),
                     columns=columns, source=str(self.path))

    def day(self, contest: dict, key: str) -> dt.date:
        value = self.typed(contest, "contest", key, (dt.date, str))
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.fail("contest", key, f"expected a date like 2026-04-01, got {value!r}")

    def teams(self, value: Any) -> tuple[Team, ...]:
        if not value:
            raise RulesError(f"{self.path}: [[teams]]: the roster is empty (add [[teams]] with members)")
        if not isinstance(value, list):
            raise self.fail("teams", None, "expected [[teams]] tables")
        teams: list[Team] = []
        seen: dict[str, str] = {}
        for team in value:
            if not isinstance(team, dict):
                raise self.fail("teams", None, "expected [[teams]] tables")
            for key in team:
                if key not in {"name", "members"}:
                    raise self.fail("teams", key, "unknown key (allowed: members, name)")
            team_name = self.typed(team, "teams", "name", (str,))
            members = self.strings(team, "teams", "members")
            if any(t.name.casefold() == team_name.casefold() for t in teams):
                raise self.fail("teams", "name", f"team '{team_name}' is listed twice")
            for member in members:
                key = match_key(member)
                if key in seen and seen[key] == team_name:
                    raise self.fail("teams", "members", f"'{member}' is listed twice in {team_name}")
                if key in seen:
                    raise self.fail("teams", "members",
                                    f"'{member}' is on two teams ({seen[key]} and {team_name})")
                seen[key] = team_name
            teams.append(Team(team_name, members))
        return tuple(teams)

    def table(self, data: dict, kind: str) -> ScoringTable | None:
        allowed = {"types", "credit", "target_accounts_only", "min_amount", "stage_points"}
        table = self.section(data, kind, allowed, required=False)
        if table is None:
            return None
        stage_points = self.typed(table, kind, "stage_points", (dict,))
        for stage, points in stage_points.items():
            if isinstance(points, bool) or not isinstance(points, (int, float)):
                raise self.fail(kind, "stage_points", f"points for '{stage}' must be a number, got {points!r}")
        min_amount = self.typed(table, kind, "min_amount", (int, float), None)
        return ScoringTable(
            kind=kind,
            types=self.strings(table, kind, "types"),
            credit=self.typed(table, kind, "credit", (str,), "owner"),
            target_accounts_only=self.typed(table, kind, "target_accounts_only", (bool,), False),
            min_amount=float(min_amount) if min_amount is not None else None,
            stage_points=tuple((str(s), float(p)) for s, p in stage_points.items()),
        )

    def qualification(self, data: dict) -> Qualification:
        allowed = {"min_activities", "min_calls", "activity_types", "call_types", "target_accounts_only"}
        q = self.section(data, "qualification", allowed, required=False)
        if q is None:
            return Qualification()
        defaults = Qualification()
        result = Qualification(
            min_activities=self.typed(q, "qualification", "min_activities", (int,), 0),
            min_calls=self.typed(q, "qualification", "min_calls", (int,), 0),
            activity_types=self.strings(q, "qualification", "activity_types", defaults.activity_types),
            call_types=self.strings(q, "qualification", "call_types", defaults.call_types),
            target_accounts_only=self.typed(q, "qualification", "target_accounts_only", (bool,), True),
        )
        for key in ("min_activities", "min_calls"):
            if getattr(result, key) < 0:
                raise self.fail("qualification", key, "must not be negative")
        return result

    def input(self, data: dict) -> InputSettings:
        section = self.section(data, "input", {"day_first", "decimal", "currency", "rates"}, False)
        if section is None:
            return InputSettings()
        decimal = self.typed(section, "input", "decimal", (str,), ".")
        if decimal not in {".", ","}:
            raise self.fail("input", "decimal", f"expected \".\" or \",\", got {decimal!r}")
        rates = self.typed(section, "input", "rates", (dict,), {})
        for code, rate in rates.items():
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate <= 0:
                raise self.fail("input", "rates", f"rate for {code} must be a positive number")
        currency = self.typed(section, "input", "currency", (str,), "USD")
        return InputSettings(
            day_first=self.typed(section, "input", "day_first", (bool,), False),
            decimal=decimal,
            currency=currency.strip().upper(),
            rates=tuple(sorted((c.strip().upper(), float(r)) for c, r in rates.items())),
        )

    def columns(self, value: Any) -> dict[str, dict[str, tuple[str, ...]]]:
        columns = {kind: dict(fields) for kind, fields in DEFAULT_COLUMNS.items()}
        if value is None:
            return columns
        if not isinstance(value, dict):
            raise self.fail("columns", None, "expected [columns.<kind>] tables")
        for kind, fields in value.items():
            section = f"columns.{kind}"
            if kind not in KINDS:
                raise self.fail(section, None, f"unknown kind '{kind}' (allowed: {', '.join(KINDS)})")
            if not isinstance(fields, dict):
                raise self.fail(section, None, "expected a table of field = header(s)")
            for name in fields:
                if name not in DEFAULT_COLUMNS[kind]:
                    raise self.fail(section, name, "unknown field (allowed: "
                                    f"{', '.join(DEFAULT_COLUMNS[kind])})")
                columns[kind][name] = self.strings(fields, section, name)
                if not columns[kind][name]:   # a field no header can name: say so here, not mid-read
                    raise self.fail(section, name, "expected at least one header")
        return columns


def _kind_names(kinds: tuple) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table", dt.date: "a date"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)
