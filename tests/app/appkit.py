"""A small hand-built contest and helpers for driving the app with Pilot.

Expected values in the tests are worked out by hand from these files (see the comments there).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from spiff_tui.ui.app import SpiffApp

# Wednesday 15 April 2026: day 15 of 30; 10 business days past (1-14 Apr), 12 left (15-30 Apr).
AS_OF = dt.date(2026, 4, 15)

RULES = """\
[contest]
name = "Test Spiff"
start = 2026-04-01
end = 2026-04-30

[[teams]]
name = "{alpha}"
members = ["{ann}", "Bob Ray"]

[[teams]]
name = "Beta"
members = ["Cy Dunn", "Di Fox"]

[new_business]
types = ["New Business"]
credit = "owner"
target_accounts_only = false
stage_points = {{ "Demo" = 2, "Proposal" = 3, "Closed Won" = 4, "Closed Lost" = 0 }}

[qualification]
min_activities = 2
min_calls = 1
activity_types = ["Call", "Email"]
call_types = ["Call"]
target_accounts_only = false
"""

# Ann: Closed Won 4 + Demo 2 = 6 · Bob: Proposal 3 · Cy: Demo 2 · Di: Closed Lost 0 (still 1 opp).
OPPORTUNITIES = """\
Opportunity ID,Opportunity Name,Account Name,Opportunity Owner,Type,Stage,Amount,Created Date
O1,Deal 1,Acme,{ann},New Business,Closed Won,1000,2026-04-02
O2,Deal 2,Bolt,{ann},New Business,Demo,1000,2026-04-03
O3,Deal 3,Cork,Bob Ray,New Business,Proposal,1000,2026-04-04
O4,Deal 4,Dune,Cy Dunn,New Business,Demo,1000,2026-04-05
O5,Deal 5,Echo,Di Fox,New Business,Closed Lost,1000,2026-04-06
"""

# Ann 2 activities, 1 call (qualified) · Bob 1 email (needs 1 more and a call) ·
# Cy 2 calls (qualified) · Di only one email before the contest (needs 2 and a call).
ACTIVITIES = """\
Activity ID,Assigned,Task Subtype,Date,Account Name
A1,{ann},Call,2026-04-02,Acme
A2,{ann},Email,2026-04-03,Acme
A3,Bob Ray,Email,2026-04-03,Cork
A4,Cy Dunn,Call,2026-04-03,Dune
A5,Cy Dunn,Call,2026-04-04,Dune
A6,Di Fox,Email,2026-03-30,Echo
"""


@dataclass
class Contest:
    data: Path
    rules: Path

    def write(self, name: str, text: str) -> Path:
        """Drop an export the way a download lands: a hidden .tmp, then an atomic rename."""
        temporary = self.data / f".{name}.tmp"
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.data / name)
        return self.data / name


def build_contest(root: Path, alpha: str = "Alpha", ann: str = "Ann Lee") -> Contest:
    data = root / "data"
    data.mkdir()
    rules = root / "rules.toml"
    rules.write_text(RULES.format(alpha=alpha.replace('"', '\\"'), ann=ann), encoding="utf-8")
    contest = Contest(data, rules)
    contest.write("opps.csv", OPPORTUNITIES.format(ann=ann))
    contest.write("acts.csv", ACTIVITIES.format(ann=ann))
    return contest


def make_app(contest: Contest, **options) -> SpiffApp:
    options.setdefault("watcher_factory", None)
    app = SpiffApp(contest.data, contest.rules, options.pop("as_of", AS_OF), **options)
    app.animation_level = "none"  # tab underlines need not glide in tests
    return app


async def wait_for(pilot, predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Let the app run until the predicate holds; fail after the deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.1)


async def loaded(pilot) -> SpiffApp:
    app = pilot.app
    await wait_for(pilot, lambda: app.snapshot is not None and not app.rescoring, "the first board")
    await pilot.pause()
    return app


async def rescored(pilot, after: int, what: str = "a rescore", timeout: float = 20.0) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.snapshot is not None and app.snapshot.generation > after
                   and not app.rescoring, what, timeout)
    await pilot.pause()
