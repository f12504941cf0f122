"""The live board under fire: the real watchdog watcher on tmp folders, an event storm, a killed
observer, a deleted data folder and exceptions inside scoring. Waits poll the app, never sleep."""

from __future__ import annotations

import os
import random
import shutil
import threading
import time
from pathlib import Path

import pandas.testing as pdt
import pytest
from appkit import ACTIVITIES, AS_OF, OPPORTUNITIES, Contest, loaded, make_app, rescored, wait_for
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from spiff_tui.core.folder import FolderReader
from spiff_tui.core.rules import load_rules
from spiff_tui.core.snapshot import score
from spiff_tui.ui.app import SpiffApp
from spiff_tui.ui.live import default_watcher
from spiff_tui.ui.rescore import folder_stamps
from spiff_tui.ui.watcher import WATCHED_EVENTS

REPS = ["Ann Lee", "Bob Ray", "Cy Dunn", "Di Fox"]
STAGES = ["Demo", "Proposal", "Closed Won", "Closed Lost"]
OPP_HEADER = "Opportunity ID,Opportunity Name,Account Name,Opportunity Owner,Type,Stage,Amount,Created Date\n"
ACT_HEADER = "Activity ID,Assigned,Task Subtype,Date,Account Name\n"
STORM_EVENTS = 10_000

# The folder the storm leaves: the base contest with Di's deal won (Di 4), and a late export with a
# won deal for Bob (3 + 4 = 7); Ann 6 and Cy 2 as before. Junk that is never an export lies beside it.
FINAL_OPPS = OPPORTUNITIES.format(ann="Ann Lee").replace("Closed Lost", "Closed Won")
FINAL_LATE = OPP_HEADER + "O9,Deal 9,Fern,Bob Ray,New Business,Closed Won,2500,2026-04-10\n"
FINAL_JUNK = {"~$opps.xlsx": b"\x00lock", ".opps.csv.swp": b"vim", "late.csv.part": b"Opportunity ID,",
              "big.csv.crdownload": b"half", ".hidden.csv": OPP_HEADER.encode() + b"O7,x,y,Di Fox,New Business,"
              b"Closed Won,1,2026-04-10\n"}


def cold_board(contest: Contest):
    """What a fresh process would score from the folder as it is now."""
    rules = load_rules(contest.rules)
    return score(rules, FolderReader().read(contest.data, rules), AS_OF)


def settled_on_folder(app: SpiffApp, contest: Contest) -> bool:
    return (app.snapshot is not None and not app.rescoring and app.failure is None
            and app.scored_stamps == folder_stamps(contest.data, contest.rules))


def assert_board_is_cold_score(app: SpiffApp, contest: Contest) -> None:
    cold = cold_board(contest)
    for view in ("reps", "teams"):
        pdt.assert_frame_equal(app.snapshot.view(view), cold.view(view), obj=f"the {view} view")


def totals(app: SpiffApp) -> list[tuple[str, str]]:
    reps = app.table("reps-table")
    return [(key, reps.cell_text(key, "total")) for key in reps.visible_keys()]


def watcher_hits(app: SpiffApp) -> list[float]:
    """Count the change hints the app's current watcher gives from now on."""
    hits: list[float] = []
    notify = app.watcher.notify

    def counted() -> None:
        hits.append(time.monotonic())
        notify()

    app.watcher.notify = counted
    return hits


class EventCounter(FileSystemEventHandler):
    """A second observer on the data folder that counts the write events the storm makes."""

    def __init__(self, folder: Path) -> None:
        self.count = 0
        self.observer = Observer()
        self.observer.schedule(self, str(folder), recursive=False, event_filter=WATCHED_EVENTS)
        self.observer.daemon = True
        self.observer.start()

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.count += 1

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)


class Storm(threading.Thread):
    """Writes, renames, copies, deletes and litters the folder until it has made enough events,
    then leaves it in the FINAL_* state."""

    NAMES = ("opps.csv", "acts.csv", *(f"opps_{i}.csv" for i in range(3)), *(f"acts_{i}.csv" for i in range(3)))
    JUNK = ("~$opps.xlsx", "~$acts.xlsx", ".hidden.csv", ".~lock.opps.csv#", "opps.csv.part",
            "report.csv.crdownload", "acts.csv.tmp", "opps.csv.swp")

    def __init__(self, contest: Contest, counter: EventCounter, seed: int = 11, limit: float = 40.0) -> None:
        super().__init__(name="storm", daemon=True)
        self.data = contest.data
        self.counter = counter
        self.random = random.Random(seed)
        self.limit = limit
        self.operations = 0
        self.error: BaseException | None = None
        self.seconds = 0.0

    def run(self) -> None:
        started = time.monotonic()
        try:
            while self.counter.count < STORM_EVENTS and time.monotonic() - started < self.limit:
                self._burst(self.random.randint(50, 400))
                # Now and then a quiet spell, long enough for a rescore to start while the next burst runs.
                if self.random.random() < 0.3:
                    time.sleep(self.random.uniform(0.2, 0.5))
            time.sleep(0.05)  # the final files get modification times none of the storm's versions had
            self._leave_final_state()
        except BaseException as exc:  # noqa: BLE001 — reported by the test
            self.error = exc
        self.seconds = time.monotonic() - started

    def _burst(self, size: int) -> None:
        operations = [self._rewrite, self._atomic, self._chunked, self._remove, self._junk, self._download]
        weights = [4, 4, 1, 2, 3, 1]
        for _ in range(size):
            self.random.choices(operations, weights)[0]()
            self.operations += 1

    def _content(self) -> bytes:
        r = self.random
        if r.random() < 0.15:  # half-written or garbage: the board must keep its last good scores
            good = self._csv(r.choice(["opps", "acts"]))
            return r.choice([good[: r.randint(1, len(good))], b"\x00\xff garbage \x01" * r.randint(1, 30)])
        return self._csv(r.choice(["opps", "acts"]))

    def _csv(self, kind: str) -> bytes:
        r = self.random
        if kind == "opps":
            rows = [f"O{r.randint(1, 12)},Deal,Acct{r.randint(1, 5)},{r.choice(REPS)},New Business,"
                    f"{r.choice(STAGES)},{r.randint(1, 9) * 100},2026-04-{r.randint(1, 14):02d}\n"
                    for _ in range(r.randint(1, 8))]
            return (OPP_HEADER + "".join(rows)).encode()
        rows = [f"A{r.randint(1, 30)},{r.choice(REPS)},{r.choice(['Call', 'Email', 'Meeting'])},"
                f"2026-04-{r.randint(1, 14):02d},Acct{r.randint(1, 5)}\n" for _ in range(r.randint(1, 8))]
        return (ACT_HEADER + "".join(rows)).encode()

    def _export_name(self) -> str:
        return self.random.choice(self.NAMES)

    def _rewrite(self) -> None:
        (self.data / self._export_name()).write_bytes(self._content())

    def _atomic(self) -> None:
        name = self._export_name()
        temporary = self.data / f".{name}.tmp"
        temporary.write_bytes(self._content())
        os.replace(temporary, self.data / name)

    def _chunked(self, name: str | None = None) -> None:
        content = self._content()
        cut = sorted(self.random.sample(range(1, max(len(content), 5)), 3))
        with open(self.data / (name or self._export_name()), "wb") as out:
            for start, end in zip([0, *cut], [*cut, len(content)], strict=True):
                out.write(content[start:end])
                out.flush()
                time.sleep(0.002)

    def _remove(self) -> None:
        try:
            (self.data / self._export_name()).unlink()
        except FileNotFoundError:
            pass

    def _junk(self) -> None:
        path = self.data / self.random.choice(self.JUNK)
        if path.exists() and self.random.random() < 0.5:
            path.unlink()
        else:
            path.write_bytes(self._content())

    def _download(self) -> None:
        """A browser download: a .crdownload (or .part) written in chunks, then renamed to the export."""
        name = self._export_name()
        partial = f"{name}.{self.random.choice(['crdownload', 'part'])}"
        self._chunked(partial)
        os.replace(self.data / partial, self.data / name)

    def _leave_final_state(self) -> None:
        for path in self.data.iterdir():
            path.unlink()
        contest = Contest(self.data, self.data.parent / "rules.toml")
        contest.write("opps.csv", FINAL_OPPS)
        contest.write("acts.csv", ACTIVITIES.format(ann="Ann Lee"))
        contest.write("opps_late.csv", FINAL_LATE)
        for name, content in FINAL_JUNK.items():
            (self.data / name).write_bytes(content)


async def test_an_event_storm_ends_on_the_cold_score_of_the_final_folder(small):
    app = make_app(small, watcher_factory=default_watcher)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        assert app.watcher is not None and app.watcher.kind == "events"
        counter = EventCounter(small.data)
        storm = Storm(small, counter)
        requests = app._requests
        try:
            storm.start()
            await wait_for(pilot, lambda: not storm.is_alive(), "the storm to blow over", timeout=50)
            assert storm.error is None, storm.error
            ended, during = time.monotonic(), app._requests - requests
            await wait_for(pilot, lambda: settled_on_folder(app, small), "the board after the storm", timeout=15)
            caught_up = time.monotonic() - ended
        finally:
            counter.stop()
        assert counter.count >= STORM_EVENTS, f"only {counter.count} events"
        assert storm.seconds < 60, f"the storm took {storm.seconds:.1f} s"
        assert app.is_running and app.return_code is None
        assert app.watcher.is_alive()
        assert_board_is_cold_score(app, small)
        assert totals(app) == [("Bob Ray", "7"), ("Ann Lee", "6"), ("Di Fox", "4"), ("Cy Dunn", "2")]
        assert "3 files" in app.query_one("#header").plain
        assert caught_up < 15
        print(f"\nstorm: {storm.operations} operations, {counter.count} events in {storm.seconds:.1f} s; "
              f"{during} rescores during it; board caught up {caught_up:.2f} s after")


async def test_a_killed_observer_is_restarted_and_the_board_catches_up(small):
    app = make_app(small, watcher_factory=default_watcher, rescan_seconds=0.5)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        watcher = app.watcher
        dead = watcher._observer
        dead.stop()
        dead.join(timeout=5)
        assert not dead.is_alive() and not watcher.is_alive()

        generation = app.snapshot.generation
        started = time.monotonic()
        small.write("opps_late.csv", FINAL_LATE)
        await rescored(pilot, generation, "the board after the drop", timeout=10)
        await wait_for(pilot, lambda: settled_on_folder(app, small), "the board to catch up",
                       timeout=max(0.1, 10 - (time.monotonic() - started)))
        assert app.table("reps-table").cell_text("Bob Ray", "total") == "7"
        await wait_for(pilot, watcher.is_alive, "the observer to be restarted", timeout=5)
        assert watcher._observer is not dead
        assert_board_is_cold_score(app, small)

        # The restarted observer gives hints again: a change is an event, not only a rescan.
        hits = watcher_hits(app)
        generation = app.snapshot.generation
        small.write("opps_late.csv", FINAL_LATE.replace("Bob Ray", "Cy Dunn"))
        await rescored(pilot, generation, "the board after the second drop", timeout=10)
        await wait_for(pilot, lambda: settled_on_folder(app, small), "the board to settle", timeout=10)
        assert hits, "the restarted observer saw no event"
        assert app.table("reps-table").cell_text("Cy Dunn", "total") == "6"
        assert app.table("reps-table").cell_text("Bob Ray", "total") == "3"


async def test_a_deleted_data_folder_keeps_the_board_and_a_new_one_is_scored(small):
    app = make_app(small, watcher_factory=default_watcher, rescan_seconds=0.5)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        before = totals(app)
        assert before == [("Ann Lee", "6"), ("Bob Ray", "3"), ("Cy Dunn", "2"), ("Di Fox", "0")]

        shutil.rmtree(small.data)
        await wait_for(pilot, lambda: app.failure is not None and not app.rescoring, "the missing folder", 10)
        assert app.is_running
        assert totals(app) == before
        assert app.snapshot.view("reps")["total_points"].sum() == 11
        header = app.query_one("#header").plain
        assert "the last good scores are kept" in header and "1 problem" in header
        assert str(small.data) in header
        problems = app.table("problems-table").column_texts("message")
        assert any(str(small.data) in m and "the last good scores are kept" in m for m in problems)

        small.data.mkdir()
        small.write("opps.csv", FINAL_OPPS)
        small.write("acts.csv", ACTIVITIES.format(ann="Ann Lee"))
        small.write("opps_late.csv", FINAL_LATE)
        await wait_for(pilot, lambda: settled_on_folder(app, small), "the board of the new folder", 10)
        assert totals(app) == [("Bob Ray", "7"), ("Ann Lee", "6"), ("Di Fox", "4"), ("Cy Dunn", "2")]
        assert_board_is_cold_score(app, small)
        header = app.query_one("#header").plain
        assert "the last good scores are kept" not in header and "0 problems" in header

        # The new folder is watched: the watcher is restarted on it and its changes are events.
        await wait_for(pilot, app.watcher.is_alive, "the watcher on the new folder", 5)
        hits = watcher_hits(app)
        generation = app.snapshot.generation
        (small.data / "opps_late.csv").unlink()
        await rescored(pilot, generation, "the board after the deletion", timeout=10)
        await wait_for(pilot, lambda: settled_on_folder(app, small), "the board to settle", 10)
        assert hits, "the new folder is not watched"
        assert app.table("reps-table").cell_text("Bob Ray", "total") == "3"


def _raise_once(monkeypatch, target: object, name: str) -> list[int]:
    original = getattr(target, name)
    calls: list[int] = []

    def once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("kaboom in scoring")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, once)
    return calls


@pytest.mark.parametrize("where", ["snapshot.score", "FolderReader.read", "the worker"])
async def test_an_exception_in_scoring_keeps_the_board_and_the_next_rescore_succeeds(small, monkeypatch, where):
    app = make_app(small, watcher_factory=default_watcher)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        before = totals(app)
        if where == "snapshot.score":
            import spiff_tui.core.snapshot as target
            calls = _raise_once(monkeypatch, target, "score")
        elif where == "FolderReader.read":
            calls = _raise_once(monkeypatch, FolderReader, "read")
        else:
            import spiff_tui.ui.live as target
            calls = _raise_once(monkeypatch, target, "rescore")

        small.write("opps.csv", FINAL_OPPS)  # Di's deal won: worth 4 once scored
        await wait_for(pilot, lambda: app.failure is not None, "the failure", 10)
        assert "kaboom in scoring" in app.failure
        assert app.is_running
        assert totals(app) == before
        assert "the last good scores are kept" in app.query_one("#header").plain
        assert any("kaboom" in m for m in app.table("problems-table").column_texts("message"))

        generation = app.snapshot.generation
        await pilot.press("r")
        await rescored(pilot, generation, "the next rescore", timeout=10)
        await wait_for(pilot, lambda: settled_on_folder(app, small), "the board to settle", 10)
        assert len(calls) >= 2
        assert app.failure is None
        assert app.table("reps-table").cell_text("Di Fox", "total") == "4"
        assert "the last good scores are kept" not in app.query_one("#header").plain
        assert_board_is_cold_score(app, small)
