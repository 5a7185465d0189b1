"""License keys: format, entropy, normalisation, check code, one-way id (SPEC.md, Admin API)."""

from __future__ import annotations

import hashlib
import re

import pytest

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
