"""Request bodies as JSON: what is not JSON is ``InvalidJson``; what is odd but valid is kept.

docs/API.md draws one line: only a body that is not JSON, or whose top level is broken, is
``400 invalid_json``. JSON that is valid but cannot be held as a plain Python value is kept in
place as an :class:`OddValue`, and whoever reads that field gives the verdict (the stats check
says ``stats_invalid`` or ``stats_too_large``, a model field says ``invalid_request``, an
ignored field ignores it). So:

Not JSON (``InvalidJson``), anywhere in the body:
  invalid UTF-8, a byte order mark, anything outside RFC 8259's grammar (``NaN``,
  ``Infinity``, single quotes, trailing commas, control characters inside strings, trailing
  text), and nesting deeper than :data:`MAX_DEPTH`, where recursive parsers break (CPython's
  own ``json`` at its default recursion limit; the contract: "deep enough to break a parser").

The top level is broken (``InvalidJson``):
  the body is an object with a duplicate member name (which copy wins is parser-dependent, so
  the body means two things) or a member name holding a lone UTF-16 surrogate escape (not
  text: I-JSON, RFC 7493). Only the body's own member names count: that is where the fields
  the Worker reads are found.

Odd but valid (an :class:`OddValue` where the value was):
  an integer longer than :data:`MAX_NUMBER_DIGITS` digits (CPython's int/str conversion limit)
  or a number too large for a double (``1E400``); a string holding a lone surrogate escape; a
  nested object with duplicate or non-text member names; a container deeper than
  :data:`BUILT_DEPTH` (kept whole as one opaque value, so nothing downstream recurses into it).
  Each carries its size as the contract's stats measure counts it (compact JSON, UTF-8 bytes).

Ordinary bodies take the C parser (depth checked first: on Pyodide a deep recursion can exhaust
the WebAssembly stack instead of raising ``RecursionError``). Only a body the strict pass calls
odd is parsed again by :func:`_parse_tolerant`, which never recurses.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = [
    "BUILT_DEPTH",
    "MAX_DEPTH",
    "MAX_NUMBER_DIGITS",
    "InvalidJson",
    "OddValue",
    "parse_json_body",
]

# Deeper than this breaks CPython's recursive json parser (its default recursion limit).
MAX_DEPTH = 1000
# Containers up to this depth are built; deeper ones stay opaque (nothing valid nests so deep).
BUILT_DEPTH = 64
# CPython's own int/str conversion limit (sys.int_info.default_max_str_digits), also on Pyodide.
MAX_NUMBER_DIGITS = 4300

# Strings (skipped whole, so brackets inside them do not count) or a bracket.
_DEPTH_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
# A surrogate escape (paired or not); only bodies containing one pay for the full check.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_decode_token = json.JSONDecoder().decode

# RFC 8259's tokens; whatever matches none of them is not JSON.
_TOKEN = re.compile(
    r"""[ \t\n\r]*(?:
      (?P<open>[{\[])
    | (?P<close>[}\]])
    | (?P<colon>:)
    | (?P<comma>,)
    | (?P<string>"(?:[^"\\\x00-\x1f]+|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*")
    | (?P<number>-?(?:0|[1-9][0-9]*)(?P<fraction>(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?))
    | (?P<literal>true|false|null)
    )""",
    re.VERBOSE,
)
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class InvalidJson(ValueError):
    """The body is not acceptable JSON; the message is safe to show to the client."""


class OddValue:
    """Valid JSON that is not held as a Python value: only what it was and its size."""

    __slots__ = ("is_object", "kind", "size")

    def __init__(self, kind: str, size: int, *, is_object: bool = False) -> None:
        self.kind = kind  # "number", "string", "object" (names) or "too_deep"
        self.size = size  # compact JSON, UTF-8 bytes: the contract's stats measure
        self.is_object = is_object

    def __repr__(self) -> str:
        return f"OddValue({self.kind!r}, {self.size})"


class _Odd(Exception):
    """The strict pass met valid JSON it does not hold: parse again, tolerantly."""


def _reject_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not JSON")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _Odd
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Odd
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Odd
    return result


def _depth(body: bytes) -> int:
    """How deep the body nests (brackets inside strings do not count)."""
    # Fast path: fewer opening brackets than the limit cannot nest deeper than it.
    brackets = body.count(b"[") + body.count(b"{")
    if brackets <= BUILT_DEPTH:
        return brackets
    depth = deepest = 0
    for token in _DEPTH_TOKENS.finditer(body):
        first = token.group()[:1]
        if first in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif first in (b"]", b"}"):
            depth -= 1
    return deepest


_decoder = json.JSONDecoder(
    object_pairs_hook=_unique_keys,
    parse_constant=_reject_constant,
    parse_int=_parse_int,
    parse_float=_parse_float,
)
# A body of at most MAX_NUMBER_DIGITS bytes cannot hold a longer number, so _parse_int would
# only ever call int(): this decoder leaves integers to the C scanner (no Python call each).
_short_body_decoder = json.JSONDecoder(
    object_pairs_hook=_unique_keys,
    parse_constant=_reject_constant,
    parse_float=_parse_float,
)


def parse_json_body(body: bytes) -> Any:
    """The body's JSON value, odd parts as :class:`OddValue`; ``InvalidJson`` as above."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidJson("body is not valid UTF-8") from None
    if text.startswith("\ufeff"):
        raise InvalidJson("body starts with a byte order mark")
    depth = _depth(body)
    if depth > MAX_DEPTH:
        raise InvalidJson("nesting too deep")
    try:
        if depth > BUILT_DEPTH or _SURROGATE_ESCAPE.search(body):
            raise _Odd
        decoder = _short_body_decoder if len(body) <= MAX_NUMBER_DIGITS else _decoder
        value = decoder.decode(text)
    except _Odd:
        value = _parse_tolerant(text)
    except InvalidJson:
        raise
    except ValueError:
        # json.JSONDecodeError is a ValueError; its message quotes no input, but a generic
        # text keeps the answer stable across Python versions.
        raise InvalidJson("body is not valid JSON") from None
    if isinstance(value, OddValue) and value.is_object:
        raise InvalidJson("the body's object has a duplicate or non-text member name")
    return value


class _Container:
    """An open object or array of the tolerant parser."""

    __slots__ = ("built", "count", "depth", "is_object", "items", "key", "names_odd", "size")

    def __init__(self, is_object: bool, depth: int) -> None:
        self.is_object = is_object
        self.depth = depth
        self.built = depth <= BUILT_DEPTH
        self.items: list[Any] = []
        self.key: str | None = None  # the member name waiting for its value
        self.names_odd = False
        self.count = 0
        self.size = 1  # the opening bracket

    def name(self, name: str, size: int) -> None:
        self.key = name
        self.size += (1 if self.count else 0) + size + 1  # comma, name, colon

    def add(self, value: Any, size: int) -> None:
        if self.built:
            self.items.append(value if self.key is None else (self.key, value))
        if not self.is_object and self.count:
            self.size += 1  # the comma before it
        self.size += size
        self.count += 1

    def close(self) -> tuple[Any, int]:
        size = self.size + 1
        if not self.built:
            return OddValue("too_deep", size, is_object=self.is_object), size
        if not self.is_object:
            return self.items, size
        result = dict(self.items)
        if self.names_odd or len(result) != len(self.items):
            return OddValue("object", size, is_object=True), size
        return result, size


def _leaf(match: re.Match[str]) -> tuple[Any, int]:
    """A string, number or literal token's value and its compact size."""
    token = match.group(match.lastgroup or "")
    if match.lastgroup == "string":
        value = _decode_token(token)
        size = len(_compact(value).encode("utf-8", "surrogatepass"))
        if _LONE_SURROGATE.search(value):
            return OddValue("string", size), size
        return value, size
    if match.lastgroup == "number":
        if not match.group("fraction"):
            if len(token.lstrip("-")) > MAX_NUMBER_DIGITS:
                return OddValue("number", len(token)), len(token)
            number: float = int(token)
        else:
            number = float(token)
            if number in (float("inf"), float("-inf")):
                return OddValue("number", len(token)), len(token)
        return number, len(_compact(number))
    return _LITERALS[token], len(token)


def _parse_tolerant(text: str) -> Any:
    """RFC 8259 without recursion; odd parts become :class:`OddValue`."""
    stack: list[_Container] = []
    position = 0
    # What may come next: "value", "value_or_close" (after "["), "name_or_close" (after "{"),
    # "name" (after "," in an object), "colon", "comma_or_close".
    expecting = "value"
    while True:
        match = _TOKEN.match(text, position)
        if match is None:
            break
        position = match.end()
        kind = match.lastgroup
        top = stack[-1] if stack else None
        if kind == "open" and expecting in ("value", "value_or_close"):
            is_object = match.group(kind) == "{"
            stack.append(_Container(is_object, len(stack) + 1))
            expecting = "name_or_close" if is_object else "value_or_close"
            continue
        if kind == "close" and top is not None:
            closes_object = match.group(kind) == "}"
            if closes_object != top.is_object or expecting not in (
                "comma_or_close",
                "name_or_close" if closes_object else "value_or_close",
            ):
                raise InvalidJson("body is not valid JSON")
            value, size = stack.pop().close()
        elif kind == "colon" and expecting == "colon":
            expecting = "value"
            continue
        elif kind == "comma" and expecting == "comma_or_close" and top is not None:
            expecting = "name" if top.is_object else "value"
            continue
        elif kind == "string" and expecting in ("name", "name_or_close") and top is not None:
            name, name_size = _leaf(match)
            if isinstance(name, OddValue):
                top.names_odd = True
                name = ""
            top.name(name, name_size)
            expecting = "colon"
            continue
        elif kind in ("string", "number", "literal") and expecting in ("value", "value_or_close"):
            value, size = _leaf(match)
        else:
            raise InvalidJson("body is not valid JSON")
        # A value is complete: it belongs to the container below, or it is the whole body.
        if not stack:
            if text[position:].strip(" \t\n\r"):
                break
            return value
        stack[-1].add(value, size)
        expecting = "comma_or_close"
    raise InvalidJson("body is not valid JSON")
