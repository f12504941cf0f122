"""The key footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's footer rebuilds every key widget on each focus change and screen push, even when
    the same keys are shown; that was most of the time taken to open a drilldown."""

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self._shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            shown = tuple((binding.key, binding.description, binding.group, enabled, tooltip)
                          for _, binding, enabled, tooltip in screen.active_bindings.values() if binding.show)
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
