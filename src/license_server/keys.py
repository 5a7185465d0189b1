"""License keys: generation, normalisation, check code, and the one-way license id.

A key is ``CC-`` followed by seven groups of four Crockford base-32 characters (no I, L, O, U):
25 random symbols (125 bits from :mod:`secrets`) and 3 check symbols. The check symbols make
the 28 symbols a Reed-Solomon codeword over GF(32) (roots alpha, alpha^2, alpha^3), a code of
minimum distance 4: every change of one, two or three symbols is detected, so every single
substitution and every adjacent transposition fails :func:`parse` before any KV operation, and a
random string passes only with probability 1/32768.

Why an unsalted hash is enough for the license id: a salt defends low-entropy secrets against
precomputed or parallel guessing. A key carries 125 random bits, so inverting SHA-256 by
enumeration is out of reach with or without a salt; the domain-separation prefix keeps the id
from matching any other SHA-256 use of the same string. Truncation to 128 bits leaves collisions
at ~2^64 licenses, far beyond any fleet.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

__all__ = ["format_key", "generate_key", "license_id", "parse"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SYMBOL_VALUE = {char: value for value, char in enumerate(ALPHABET)}

PREFIX = "CC"
RANDOM_SYMBOLS = 25  # 125 bits
CHECK_SYMBOLS = 3
KEY_SYMBOLS = RANDOM_SYMBOLS + CHECK_SYMBOLS  # 28 <= 31, the code length limit of GF(32)
GROUP = 4
# Anything longer is not a key; refusing early bounds the work spent on garbage input.
_MAX_INPUT_CHARS = 128

_ID_DOMAIN = b"certifyclouds/license-id/v1\x00"

# GF(32) arithmetic with the primitive polynomial x^5 + x^2 + 1 (0b100101).
_EXP = [0] * 62
_LOG = [0] * 32
_value = 1
for _power in range(31):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0b100000:
        _value ^= 0b100101
for _power in range(31, 62):
    _EXP[_power] = _EXP[_power - 31]
del _value, _power


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _generator() -> list[int]:
    """Coefficients (highest degree first) of (x - a)(x - a^2)(x - a^3)."""
    poly = [1]
    for root in range(1, CHECK_SYMBOLS + 1):
        factor = _EXP[root]
        nxt = [*poly, 0]
        for i, coefficient in enumerate(poly):
            nxt[i + 1] ^= _mul(coefficient, factor)
        poly = nxt
    return poly


_GENERATOR = _generator()


def _check_symbols(data: list[int]) -> list[int]:
    """Remainder of data(x) * x^3 divided by the generator: appended, it makes a codeword."""
    remainder = [0] * CHECK_SYMBOLS
    for symbol in data:
        feedback = symbol ^ remainder[0]
        remainder = [*remainder[1:], 0]
        if feedback:
            for i in range(CHECK_SYMBOLS):
                remainder[i] ^= _mul(feedback, _GENERATOR[i + 1])
    return remainder


def _syndrome_tables() -> list[list[int]]:
    """Per position, per symbol value: its contribution to the three syndromes, packed.

    Syndrome j of a word c is c(alpha^j) = XOR over positions i of c_i * alpha^(j * (n-1-i)).
    Packing the three 5-bit syndromes into one int keeps XOR component-wise, so checking a key
    is one table lookup per symbol: this runs on every heartbeat.
    """
    tables = []
    for position in range(KEY_SYMBOLS):
        power = KEY_SYMBOLS - 1 - position
        row = []
        for value in range(32):
            packed = 0
            for root in range(1, CHECK_SYMBOLS + 1):
                weight = _EXP[(root * power) % 31]
                packed |= _mul(value, weight) << (5 * (root - 1))
            row.append(packed)
        tables.append(row)
    return tables


_SYNDROME_TABLES = _syndrome_tables()
# Crockford characters to their 5-bit values, byte for byte; any other byte to _NOT_A_SYMBOL.
_NOT_A_SYMBOL = 0xFF
_TO_VALUES = bytes(_SYMBOL_VALUE.get(chr(byte), _NOT_A_SYMBOL) for byte in range(256))


def _is_codeword(values: Sequence[int]) -> bool:
    # A plain loop: CPython 3.11+ runs it faster than reduce(xor, map(...)) over the tables.
    syndromes = 0
    for table, value in zip(_SYNDROME_TABLES, values, strict=True):
        syndromes ^= table[value]
    return not syndromes


def format_key(symbols: str) -> str:
    return "-".join([PREFIX, *(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))])


def generate_key() -> str:
    data = [secrets.randbelow(32) for _ in range(RANDOM_SYMBOLS)]
    symbols = data + _check_symbols(data)
    return format_key("".join(ALPHABET[s] for s in symbols))


_ALL_ZEROS = "0" * KEY_SYMBOLS


def parse(key: object) -> str | None:
    """The canonical form (``CC-XXXX-…``) of a well-formed key, or ``None``.

    Case, dashes and spaces are ignored and O/I/L read as 0/1, so a key read aloud or retyped
    still matches; anything else, including a failed check code, is ``None``. Only plain string
    operations in C on the way: this runs on every heartbeat.
    """
    if not isinstance(key, str) or len(key) > _MAX_INPUT_CHARS or not key.isascii():
        return None
    compact = key.upper().replace("-", "").replace(" ", "").replace("\t", "")
    if len(compact) != len(PREFIX) + KEY_SYMBOLS or not compact.startswith(PREFIX):
        return None
    # Readers confuse these; Crockford's decoding maps them onto the digits they resemble.
    body = compact[len(PREFIX) :].replace("O", "0").replace("I", "1").replace("L", "1")
    values = body.encode("ascii").translate(_TO_VALUES)
    if _NOT_A_SYMBOL in values:  # a character outside the alphabet
        return None
    if body == _ALL_ZEROS:
        # The zero word passes every linear check code, and it is the placeholder people type
        # (CC-0000-…); generate_key() produces it with probability 2^-125.
        return None
    if not _is_codeword(values):
        return None
    # format_key(body), with the seven groups sliced directly (this runs on every heartbeat).
    b = body
    return f"{PREFIX}-{b[:4]}-{b[4:8]}-{b[8:12]}-{b[12:16]}-{b[16:20]}-{b[20:24]}-{b[24:]}"


def license_id(canonical_key: str) -> str:
    """32 lowercase hex characters: SHA-256 over the domain prefix and the canonical key."""
    return hashlib.sha256(_ID_DOMAIN + canonical_key.encode("ascii")).hexdigest()[:32]
