"""Telling UTF-8 with a few damaged bytes from a legacy single-byte export."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spiff_tui.core.decode import decode

texts = st.text(alphabet=st.sampled_from(list("Ava Patel,Call\n0123") + ["é", "ñ", "€", "✓", "\ufffd"]), max_size=60)


def encoding_by_hand(data: bytes) -> str:
    """UTF-8 when the bytes hold one valid multi-byte character other than U+FFFD, read one
    character at a time; else cp1252, or latin-1 when a byte is one cp1252 leaves undefined."""
    lenient = data.decode("utf-8", errors="replace")
    if any(ord(ch) > 127 and ch != "\ufffd" for ch in lenient):
        return "utf-8"
    return "latin-1" if any(byte in b"\x81\x8d\x8f\x90\x9d" for byte in data) else "cp1252"


@settings(max_examples=200, deadline=None)
@given(texts, st.sampled_from(["utf-8", "cp1252"]), st.lists(st.lists(st.integers(0x80, 0xFF), min_size=1, max_size=2).map(bytes), max_size=3),
       st.randoms())
def test_a_file_that_is_not_all_utf8_is_utf8_only_with_a_valid_multibyte_character(text, encoding, damage, random):
    data = bytearray(text.encode(encoding, errors="replace"))
    for piece in damage:   # bytes above ASCII, as a legacy export or a damaged copy holds
        at = random.randint(0, len(data))
        data[at:at] = piece
    data = bytes(data)
    # Damage that lands at the start as FF FE or FE FF is a UTF-16 byte order mark, read as such.
    assume(not data.startswith((b"\xff\xfe", b"\xfe\xff")))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert decode(data).encoding == encoding_by_hand(data)
    else:
        assert decode(data).encoding == "utf-8"


def test_a_cp1252_export_reads_as_cp1252():
    assert decode("José Núñez,Call\n".encode("cp1252")).encoding == "cp1252"
    assert decode("José Núñez,Call\n".encode("cp1252")).text == "José Núñez,Call\n"


def test_utf8_with_one_damaged_byte_stays_utf8():
    data = "José,Call\n".encode() + b"Ava\xff,Email\n"
    decoded = decode(data)
    assert decoded.encoding == "utf-8"
    assert decoded.bad_byte_lines == (2,)
