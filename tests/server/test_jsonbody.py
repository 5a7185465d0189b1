"""Strict body parsing: everything odd is invalid_json, never an exception of another kind."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from license_server import jsonbody
from license_server.jsonbody import MAX_DEPTH, MAX_NUMBER_DIGITS, InvalidJson, parse_json_body


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"\xff\xfe{}",
        b'{"a": "\xc3"}',
        b"\xef\xbb\xbf{}",
        b"NaN",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": -Infinity}',
        b'{"a": 1, "a": 2}',
        b'{"x": {"a": 1, "a": 1}}',
        b"[" * 100_000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        b"1" * (MAX_NUMBER_DIGITS + 1),
        b'{"a": ' + b"9" * 5000 + b"}",
        b'{"a": 1e999}',
        b"{'a': 1}",
        b'{"a": 1,}',
        b'{"a": "\\ud800"}',
        b'{"\\udfff": 1}',
        b'["\\ud83d", "x"]',
        b'{"a": "\\ude00\\ud83d"}',
    ],
)
def test_refused(body: bytes) -> None:
    with pytest.raises(InvalidJson):
        parse_json_body(body)


def test_depth_limit_is_exact() -> None:
    ok = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json_body(ok) is not None
    with pytest.raises(InvalidJson):
        parse_json_body(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count() -> None:
    body = b'{"a": "' + b"[{" * 1000 + b'\\"[["}'
    assert parse_json_body(body) == {"a": "[{" * 1000 + '"[['}


@pytest.mark.parametrize(
    ("body", "value"),
    [
        (b'{"license_key": "CC-1", "stats": {"a": 1}}', {"license_key": "CC-1", "stats": {"a": 1}}),
        (b" [1, 2.5, true, null] ", [1, 2.5, True, None]),
        ('{"k": "caf\u00e9 \U0001f600"}'.encode(), {"k": "caf\u00e9 \U0001f600"}),
        (b'{"a": ' + b"9" * 64 + b"}", {"a": int("9" * 64)}),
        (b'{"a": 1' + b"0" * 300 + b".5}", {"a": float("1" + "0" * 300 + ".5")}),
        (b'{"a": ' + b"9" * MAX_NUMBER_DIGITS + b"}", {"a": int("9" * MAX_NUMBER_DIGITS)}),
        (b'{"a": "\\ud83d\\ude00"}', {"a": "\U0001f600"}),
    ],
)
def test_accepted(body: bytes, value: object) -> None:
    assert parse_json_body(body) == value


def test_an_integer_past_the_parsers_limit_is_not_json() -> None:
    with pytest.raises(InvalidJson):
        parse_json_body(b'{"a": ' + b"9" * (MAX_NUMBER_DIGITS + 1) + b"}")


@given(st.integers(-(10**30), 10**30), st.integers(0, 4400))
def test_integers_decode_the_same_in_short_and_long_bodies(value: int, padding: int) -> None:
    body = json.dumps({"n": value, "pad": " " * padding}).encode()
    assert jsonbody.parse_json_body(body) == {"n": value, "pad": " " * padding}
