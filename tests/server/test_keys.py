"""License keys: format, entropy, normalisation, check code, one-way id (docs/API.md, Admin API)."""

from __future__ import annotations

import hashlib
import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from license_server import keys

KEY_SHAPE = re.compile(r"CC(-[0-9A-HJKMNP-TV-Z]{4}){7}")


def _symbols(key: str) -> str:
    return key.replace("-", "")[2:]


def test_generated_key_shape_and_entropy() -> None:
    generated = {keys.generate_key() for _ in range(200)}
    assert len(generated) == 200
    for key in generated:
        assert KEY_SHAPE.fullmatch(key), key
        assert keys.parse(key) == key
    # 25 random symbols of 5 bits each: at least 120 random bits.
    assert keys.RANDOM_SYMBOLS * 5 >= 120


def test_normalisation_case_dashes_spaces_and_lookalikes() -> None:
    key = keys.generate_key()
    assert keys.parse(key.lower()) == key
    assert keys.parse(key.replace("-", "")) == key
    assert keys.parse(" ".join(key.split("-"))) == key
    spoken = key[:3] + key[3:].replace("0", "O").replace("1", "l")
    assert keys.parse(spoken) == key
    assert keys.parse(key[:3] + key[3:].replace("1", "I")) == key


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "CC-",
        "CC-" + "0" * 27,
        "XX-" + "0000-" * 6 + "0000",
        "CC-UUUU-" + "0000-" * 5 + "0000",
        "C" * 10_000,
        12345,
        None,
    ],
)
def test_garbage_is_refused(garbage: object) -> None:
    assert keys.parse(garbage) is None


def test_every_single_substitution_is_caught() -> None:
    for _ in range(5):
        symbols = _symbols(keys.generate_key())
        for position in range(len(symbols)):
            for replacement in keys.ALPHABET:
                if replacement == symbols[position]:
                    continue
                typo = symbols[:position] + replacement + symbols[position + 1 :]
                assert keys.parse("CC" + typo) is None, (symbols, position, replacement)


def test_every_adjacent_transposition_is_caught() -> None:
    for _ in range(20):
        symbols = _symbols(keys.generate_key())
        for position in range(len(symbols) - 1):
            a, b = symbols[position], symbols[position + 1]
            if a == b:
                continue
            swapped = symbols[:position] + b + a + symbols[position + 2 :]
            assert keys.parse("CC" + swapped) is None


def test_random_strings_rarely_pass() -> None:
    import random

    rng = random.Random(7)
    passed = sum(
        keys.parse("CC" + "".join(rng.choice(keys.ALPHABET) for _ in range(28))) is not None
        for _ in range(20_000)
    )
    assert passed <= 5  # expected 20000 / 32768


def test_license_id_is_a_domain_separated_hash() -> None:
    key = keys.generate_key()
    license_id = keys.license_id(key)
    assert re.fullmatch(r"[0-9a-f]{32}", license_id)
    assert keys.license_id(keys.parse(key.lower())) == license_id
    # Not a bare hash of the key: a lookup table of SHA-256(key) does not apply.
    assert license_id != hashlib.sha256(key.encode()).hexdigest()[:32]
    assert _symbols(key) not in license_id


_ALPHABET_ONLY = re.compile(f"[{keys.ALPHABET}]*")


def _parse_by_definition(key: object) -> str | None:
    """What parse() must answer, written plainly: a regex for the alphabet, format_key."""
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
def test_parse_answers_as_the_definition_for_retyped_keys(data: st.DataObject) -> None:
    key = keys.generate_key()
    # A real key, retyped: case changes, confusable letters, damaged or odd characters.
    chars = list(key)
    for _ in range(data.draw(st.integers(0, 3))):
        position = data.draw(st.integers(0, len(chars) - 1))
        chars[position] = data.draw(_KEY_CHARACTERS)
    if data.draw(st.booleans()):
        chars = [c.lower() if data.draw(st.booleans()) else c for c in chars]
    candidate = "".join(chars)
    assert keys.parse(candidate) == _parse_by_definition(candidate)
    assert keys.parse(key) == key == _parse_by_definition(key)


@given(st.text(max_size=40) | st.text(_KEY_CHARACTERS, min_size=28, max_size=40))
def test_parse_answers_as_the_definition_for_any_text(text: str) -> None:
    assert keys.parse(text) == _parse_by_definition(text)
    assert keys.parse("CC" + text) == _parse_by_definition("CC" + text)


def _is_codeword_by_horner(symbols: list[int]) -> bool:
    # Syndromes at alpha, alpha^2, alpha^3 by Horner's rule with plain GF(32) multiplication.
    for root in range(1, keys.CHECK_SYMBOLS + 1):
        point = keys._EXP[root]
        accumulator = 0
        for symbol in symbols:
            accumulator = keys._mul(accumulator, point) ^ symbol
        if accumulator:
            return False
    return True


def test_check_code_verdicts_are_the_syndromes_by_horners_rule() -> None:
    rng = random.Random(20261126)
    cases: list[list[int]] = []
    for _ in range(300):
        key = keys.generate_key().replace("-", "")[len(keys.PREFIX) :]
        valid = [keys._SYMBOL_VALUE[c] for c in key]
        cases.append(valid)
        for _ in range(5):  # one to three substitutions: always detected
            damaged = list(valid)
            for position in rng.sample(range(keys.KEY_SYMBOLS), rng.randint(1, 3)):
                damaged[position] ^= rng.randint(1, 31)
            cases.append(damaged)
        cases.append([rng.randrange(32) for _ in range(keys.KEY_SYMBOLS)])
    for symbols in cases:
        assert keys._is_codeword(symbols) is _is_codeword_by_horner(symbols)
    assert sum(map(_is_codeword_by_horner, cases)) >= 300
