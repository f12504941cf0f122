"""Names as people type them: the key two spellings share, and a form safe to print. No pandas."""

from __future__ import annotations

import re
import unicodedata

# Characters that are invisible yet make two names differ: zero-width, bidi controls, BOM.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
# C0/C1 controls and DEL; tab/newline are folded to spaces before this applies.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def match_key(value: object) -> str:
    """The form two spellings of one name share: trimmed, spaces folded, invisibles dropped, no case."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = _INVISIBLE.sub("", str(value))
    return _SPACES.sub(" ", text).strip().casefold()


def display_text(value: object, limit: int = 200) -> str:
    """A single-line string safe to print: controls shown as visible symbols, bidi/zero-width removed."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    text = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
