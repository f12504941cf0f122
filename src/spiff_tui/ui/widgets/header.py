"""The one-line header: contest, day N of M, last rescore, files read, problems (coloured when any)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from spiff_tui.ui import format as fmt

if TYPE_CHECKING:
    from spiff_tui.core.snapshot import Snapshot

SEPARATOR = " · "


def scored_line(snapshot: Snapshot, rules_error: str | None = None, failure: str | None = None) -> Text:
    """Contest, day, when scored, files, problems: the header line a snapshot gives."""
    line = Text(no_wrap=True, overflow="ellipsis")
    rules = snapshot.rules
    line.append(Text(rules.name, style="bold"))
    day = fmt.day_label(rules, snapshot.as_of)
    line.append(SEPARATOR)
    line.append(day, style="bold green" if day == "Final" else "")
    line.append(SEPARATOR + f"scored {snapshot.scored_at:%H:%M:%S}")
    line.append(SEPARATOR + f"{len(snapshot.files)} file{'s' if len(snapshot.files) != 1 else ''}")
    errors = sum(p.severity == "error" for p in snapshot.problems)
    warnings = sum(p.severity == "warning" for p in snapshot.problems)
    count = errors + warnings + bool(rules_error) + bool(failure)
    style = "bold white on red" if errors or rules_error or failure else "black on yellow" if warnings else "dim"
    line.append(SEPARATOR)
    line.append(f"{count} problem{'s' if count != 1 else ''}", style=style)
    return line


class BoardHeader(Static):
    """Shows what the board is built from; a second line appears while rules or scoring are failing."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("spiff-tui · reading exports…", style="bold"), id=id)
        self.plain = "spiff-tui · reading exports…"

    def show(self, snapshot: Snapshot | None, *, busy: bool = False, rules_error: str | None = None,
             failure: str | None = None, note: str = "", progress: tuple[int, int] | None = None,
             last_run: Text | None = None) -> None:
        """`progress`: (exports read, exports to read) while a rescore reads them. `last_run`: the
        header line of the last run's board, shown while there is no snapshot yet."""
        line = Text(no_wrap=True, overflow="ellipsis")
        reading = ""
        if busy and progress is not None:
            done, total = progress
            reading = f"scoring {total} export{'s' if total != 1 else ''}…" if done >= total else \
                f"reading export {done + 1} of {total}…"
        if snapshot is not None:
            line.append(scored_line(snapshot, rules_error, failure))
        elif last_run is not None:
            line.append(last_run)
            line.append(SEPARATOR)
            line.append("the last run's board", style="black on yellow")
            busy = busy or not failure
        else:
            line.append("spiff-tui", style="bold")
            line.append(SEPARATOR + ((reading or "reading exports…") if not failure else "no board yet"))
            busy = busy and not reading
        if busy:
            line.append(SEPARATOR + (f"rescoring: {reading}" if reading else "rescoring…"), style="dim")
        if note:
            line.append(SEPARATOR + note, style="dim")
        from spiff_tui.core.names import display_text

        lines = [line]
        for message, what in ((rules_error, "the previous rules are kept"),
                              (failure, "the last good scores are kept")):
            if message:
                lines.append(Text(f"⚠ {display_text(message, 500)} — {what}", style="bold red", no_wrap=True,
                                  overflow="ellipsis"))
        content = Text("\n", no_wrap=True, overflow="ellipsis").join(lines)
        self.plain = content.plain
        self.update(content)
