"""The command palette: the board's verbs, and open any rep or team by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content


def _literal(candidate: str, offsets: tuple[int, ...] = ()) -> Content:
    """A names-safe display: Content(str) never parses markup, unlike Matcher.highlight."""
    content = Content(candidate)
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize("bold underline", offset, offset + 1)
    return content


class SpiffCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("Rescore now", app.action_rescore, "read the folder and rescore (r)"),
            ("Reload rules", app.action_reload_rules, "re-read rules.toml and every export"),
            ("Export current view", app.action_export, "write the view as CSV to the working folder (e)"),
            ("Toggle TV mode", app.action_toggle_tv, "cycle the panes in large type (t)"),
        ]
        snapshot = getattr(app, "snapshot", None)
        if snapshot is not None:
            from spiff_tui.core.names import display_text

            for team in snapshot.rules.teams:
                commands.append((f"Open team: {display_text(team.name)}", partial(app.open_team, team.name),
                                 "the team's members, points and qualification"))
            for rep in snapshot.rules.roster:
                commands.append((f"Open rep: {display_text(rep)}", partial(app.open_rep, rep),
                                 "every opportunity and activity credited, counted or not"))
        return commands

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(_literal(name), command, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                _, offsets = matcher.fuzzy_search.match(matcher.query, name)
                yield Hit(score, _literal(name, offsets), command, text=name, help=help_text)
