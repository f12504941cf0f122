"""Bytes to text: BOMs, UTF-8, UTF-16 and the cp1252 fallback, reporting the lines a bad byte touched."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace

REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    bad_byte_lines: tuple[int, ...] = ()  # 1-based lines holding an undecodable byte
    nul_lines: tuple[int, ...] = ()       # 1-based lines that held NUL bytes (removed)
    nul_padding: int = 0                  # NUL bytes after the text (ignored)


class NotText(Exception):
    """The bytes are not a text export at all (binary content)."""


def looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 0))
    nuls = sample.count(0)
    return controls / len(sample) > 0.05 or (nuls / len(sample) > 0.3 and not utf16_shape(sample))


def utf16_shape(sample: bytes) -> str | None:
    """Tell BOM-less UTF-16 by its zero high bytes on ASCII text."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes) -> Decoded:
    """Decode an export; raise NotText for binary content."""
    if data.startswith(codecs.BOM_UTF8):
        return _utf8(data[3:], "utf-8-sig")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return _strip_nuls(data.decode("utf-16", errors="replace"), "utf-16")
    shape = utf16_shape(data[:8192])
    if shape:
        return _strip_nuls(data.decode(shape, errors="replace"), shape)
    # A copy cut short or a preallocated download can end in a run of NUL bytes: padding, not text.
    text = data.rstrip(b"\x00")
    if looks_binary(text):
        raise NotText("binary content, not a text export")
    decoded = _eight_bit(text)
    return replace(decoded, nul_padding=len(data) - len(text)) if len(text) < len(data) else decoded


def _eight_bit(data: bytes) -> Decoded:
    """UTF-8, else cp1252 (latin-1 for the bytes cp1252 leaves undefined)."""
    try:
        return _strip_nuls(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    # Valid multi-byte characters elsewhere mean UTF-8 with a few damaged bytes;
    # none at all means a legacy single-byte encoding. (Counted by C loops: a Python loop over
    # the characters of a million-row export takes seconds.)
    non_ascii = len(lenient) - len(lenient.encode("ascii", errors="ignore"))
    valid_multibyte = non_ascii > lenient.count(REPLACEMENT)
    del lenient
    if valid_multibyte:
        return _utf8(data, "utf-8")
    try:
        return _strip_nuls(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return _strip_nuls(data.decode("latin-1"), "latin-1")


def _utf8(data: bytes, name: str) -> Decoded:
    text = data.decode("utf-8", errors="replace")
    bad: tuple[int, ...] = ()
    if REPLACEMENT in text and REPLACEMENT.encode() not in data:
        bad = _lines_with(text, REPLACEMENT)
    decoded = _strip_nuls(text, name)
    return Decoded(decoded.text, name, bad, decoded.nul_lines)


def _strip_nuls(text: str, encoding: str) -> Decoded:
    if "\x00" not in text:
        return Decoded(text, encoding)
    return Decoded(text.replace("\x00", ""), encoding, (), _lines_with(text, "\x00"))


def _lines_with(text: str, char: str) -> tuple[int, ...]:
    lines: list[int] = []
    start = counted_to = 0
    line = 1
    while (position := text.find(char, start)) != -1:
        line += text.count("\n", counted_to, position)
        counted_to = position
        lines.append(line)
        next_newline = text.find("\n", position)
        if next_newline == -1:
            break
        start = next_newline + 1
    return tuple(lines)
