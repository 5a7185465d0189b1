"""Strict JSON parsing of request bodies: anything odd is ``InvalidJson``, never a crash.

Refused: invalid UTF-8 (and a BOM), ``NaN``/``Infinity``, duplicate object keys (which copy of
a key would win is parser-dependent, so we accept neither), strings holding a lone UTF-16
surrogate escape such as ``"\\ud800"`` (I-JSON, RFC 7493: no text could be stored or answered
with it), nesting deeper than :data:`MAX_DEPTH`, integers longer than
:data:`MAX_NUMBER_DIGITS` digits and floats that overflow.

Both limits sit where parsers break (SPEC.md: "nesting deep enough to break a parser"), not at
a matter of taste: a merely odd number or nesting *inside* ``stats`` is JSON and gets the stats
verdict (``stats_invalid``), not ``invalid_json``. Depth is bounded *before* parsing: Python's
parser recurses, and on Pyodide a deep recursion can exhaust the WebAssembly stack instead of
raising ``RecursionError``.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_NUMBER_DIGITS", "InvalidJson", "parse_json_body"]

# Deep enough for any honest body; shallow enough for Pyodide's WebAssembly stack.
MAX_DEPTH = 64
# CPython's own int/str conversion limit (sys.int_info.default_max_str_digits), also on Pyodide.
MAX_NUMBER_DIGITS = 4300

# Strings (skipped whole, so brackets inside them do not count) or a bracket.
_DEPTH_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
# A surrogate escape (paired or not); only bodies containing one pay for the full check.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_strict_encode = json.JSONEncoder(ensure_ascii=False).encode


class InvalidJson(ValueError):
    """The body is not acceptable JSON; the message is safe to show to the client."""


def _reject_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not JSON")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise InvalidJson("number too large")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS * 2:
        raise InvalidJson("number too large")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise InvalidJson("number too large")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise InvalidJson("duplicate object key")
    return result


def _check_depth(body: bytes) -> None:
    # Fast path: fewer opening brackets than the limit cannot nest deeper than it.
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return
    depth = 0
    for token in _DEPTH_TOKENS.finditer(body):
        first = token.group()[:1]
        if first in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidJson("nesting too deep")
        elif first in (b"]", b"}"):
            depth -= 1


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
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidJson("body is not valid UTF-8") from None
    if text.startswith("\ufeff"):
        raise InvalidJson("body starts with a byte order mark")
    _check_depth(body)
    try:
        decoder = _short_body_decoder if len(body) <= MAX_NUMBER_DIGITS else _decoder
        value = decoder.decode(text)
    except InvalidJson:
        raise
    except (ValueError, RecursionError):
        # json.JSONDecodeError is a ValueError; its message quotes no input, but a generic
        # text keeps the answer stable across Python versions.
        raise InvalidJson("body is not valid JSON") from None
    if _SURROGATE_ESCAPE.search(body):
        try:
            _strict_encode(value).encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidJson("body holds a lone surrogate escape") from None
    return value
