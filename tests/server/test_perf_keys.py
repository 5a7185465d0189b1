"""keys.parse's table-driven fast path gives the same verdicts as the plain definition."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from license_server import keys

_ALPHABET_ONLY = re.compile(f"[{keys.ALPHABET}]*")


def _reference_parse(key: object) -> str | None:
    """parse() as first written: a regex for the alphabet, format_key for the groups."""
    if not isinstance(key, str) or len(key) > 128 or not key.isascii():
        return None
    compact = key.upper().replace("-", "").replace(" ", "").replace("\t", "")
    if len(compact) != len(keys.PREFIX) + keys.KEY_SYMBOLS or not compact.startswith("CC"):
        return None
    body = compact[2:].replace("O", "0").replace("I", "1").replace("L", "1")
    if not _ALPHABET_ONLY.fullmatch(body) or body == "0" * keys.KEY_SYMBOLS:
        return None
    values = [keys.ALPHABET.index(c) for c in body]
    if not keys._is_codeword(values):
        return None
    return keys.format_key(body)


_KEY_CHARACTERS = st.sampled_from(keys.ALPHABET + "oilOILu-! \t\x00é" + "abcxyz")


@given(st.data())
def test_parse_matches_the_reference(data: st.DataObject) -> None:
    key = keys.generate_key()
    # A real key, retyped: case changes, confusable letters, damaged or odd characters.
    chars = list(key)
    for _ in range(data.draw(st.integers(0, 3))):
        position = data.draw(st.integers(0, len(chars) - 1))
        chars[position] = data.draw(_KEY_CHARACTERS)
    if data.draw(st.booleans()):
        chars = [c.lower() if data.draw(st.booleans()) else c for c in chars]
    candidate = "".join(chars)
    assert keys.parse(candidate) == _reference_parse(candidate)
    assert keys.parse(key) == key == _reference_parse(key)


@given(st.text(max_size=40) | st.text(_KEY_CHARACTERS, min_size=28, max_size=40))
def test_parse_matches_the_reference_on_any_text(text: str) -> None:
    assert keys.parse(text) == _reference_parse(text)
    assert keys.parse("CC" + text) == _reference_parse("CC" + text)
