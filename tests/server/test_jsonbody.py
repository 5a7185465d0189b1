"""Body parsing: not JSON or a broken top level is invalid_json; odd but valid JSON is kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from license_server import jsonbody
from license_server.jsonbody import (
    BUILT_DEPTH,
    MAX_DEPTH,
    MAX_NUMBER_DIGITS,
    InvalidJson,
    OddValue,
    parse_json_body,
)


def spec_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


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
        b'{"s": {"a": [1, 2, -Infinity]}}',
        b"[" * 100_000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        b"{'a': 1}",
        b'{"a": 1,}',
        b"[1,]",
        b'{"a" 1}',
        b"01",
        b'{"a": 1} x',
        b"[}",
        b'{"a": "\x01"}',
        b'{"s": {"a": 1,}}',
        b'{"s": ' + b"[" * 200 + b"1," + b"]" * 200 + b"}",  # broken deep inside: still not JSON
    ],
)
def test_not_json_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidJson):
        parse_json_body(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1, "a": 2}',
        b'{"license_key": "CC-1", "license_key": "CC-1"}',
        b'{"\\udfff": 1}',
        b'{"ok": 1, "\\ud800x": 2}',
    ],
)
def test_a_broken_top_level_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidJson, match="member name"):
        parse_json_body(body)


def test_depth_limit_is_exact() -> None:
    ok = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert isinstance(parse_json_body(ok), list)
    with pytest.raises(InvalidJson, match="too deep"):
        parse_json_body(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))


def test_containers_past_the_built_depth_are_kept_opaque_with_their_size() -> None:
    inner = {"a": [1, "\u00e9", {"b": None}]}
    for _ in range(BUILT_DEPTH):
        inner = {"x": inner}
    value = parse_json_body(json.dumps({"stats": inner}, indent=2).encode())
    depth = 1
    node = value
    while isinstance(node, dict):
        node = node.get("stats", node.get("x"))
        depth += 1
    assert depth == BUILT_DEPTH + 1
    assert isinstance(node, OddValue) and node.kind == "too_deep" and node.is_object
    cursor = inner
    for _ in range(depth - 2):
        cursor = cursor["x"]
    assert node.size == spec_size(cursor)


@pytest.mark.parametrize(
    ("member", "kind", "size", "is_object"),
    [
        ("1E400", "number", 5, False),
        ("-1e999", "number", 6, False),
        ("9" * (MAX_NUMBER_DIGITS + 100), "number", MAX_NUMBER_DIGITS + 100, False),
        ('{"a": 1, "a": 22}', "object", len('{"a":1,"a":22}'), True),
        ('{"\\ud800": 1}', "object", len('{"":1}') + 3, True),
        ('"x\\udc00"', "string", len('"x"') + 3, False),
        ('"\\ude00\\ud83d"', "string", 2 + 6, False),
    ],
)
def test_odd_but_valid_values_are_kept_with_their_size(
    member: str, kind: str, size: int, is_object: bool
) -> None:
    value = parse_json_body(('{"k": "CC-1", "s": ' + member + "}").encode())
    assert value["k"] == "CC-1"
    odd = value["s"]
    assert isinstance(odd, OddValue)
    assert (odd.kind, odd.size, odd.is_object) == (kind, size, is_object)


def test_a_body_that_is_only_an_odd_number_is_returned_as_one() -> None:
    # Not an object: the caller answers invalid_request, as for any other non-object.
    assert isinstance(parse_json_body(b"1E400"), OddValue)


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
        (b'{"a": 1e-400}', {"a": 0.0}),
    ],
)
def test_accepted(body: bytes, value: object) -> None:
    assert parse_json_body(body) == value


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(_JSON, st.sampled_from([None, 1]))
def test_the_tolerant_parser_reads_ordinary_json_as_json_does(value: Any, indent: Any) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=bool(indent))
    assert jsonbody._parse_tolerant(text) == json.loads(text)


@given(st.integers(-(10**30), 10**30), st.integers(0, 4400))
def test_integers_decode_the_same_in_short_and_long_bodies(value: int, padding: int) -> None:
    body = json.dumps({"n": value, "pad": " " * padding}).encode()
    assert jsonbody.parse_json_body(body) == {"n": value, "pad": " " * padding}
