"""JSON as JavaScript does it: ``JSON.stringify`` output and V8's ``JSON.parse`` errors.

A Python Worker's ``kv.get(key, type="json")`` runs ``JSON.parse`` in JS, so a bad value
surfaces as ``SyntaxError: <V8's message>``. Parsing itself is Python's ``json``; only on
failure a small scanner walks the text the way V8's parser does to word the error.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any, Final, NoReturn

from .errors import JsException
from .runtime.jsproxy import JsArray, JsObject, jsnull

MAX_SAFE_INTEGER = 2**53 - 1


# ---------------------------------------------------------------------------------------------
# stringify


def js_number(x: float | int) -> str:
    """ECMAScript ``Number::toString`` of a finite number."""
    if isinstance(x, int) and abs(x) <= MAX_SAFE_INTEGER:
        return str(x)
    x = float(x)
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    t = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    k = len(digits)
    n = int(t.exponent) + k
    if k <= n <= 21:
        s = digits + "0" * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        s = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        s = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-")
        s += str(abs(e))
    return sign + s


def stringify(value: Any) -> str:
    """``JSON.stringify`` of a value as the SDK would hand it to JS (None is ``null``)."""
    if _plain_copy(value, 0) is not _NOT_PLAIN:
        return _encode_plain(value)
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


# What ``json.dumps(text, ensure_ascii=False)`` returns, without the encoder it builds per call.
_encode_string = json.encoder.encode_basestring

# For a plain value (below), Python's C encoder with these settings writes exactly what
# ``_write`` does, several times faster: no floats (JS writes them differently) and no other
# types reach it. Circular values are not plain (they are deeper than ``_PLAIN_DEPTH``).
_json_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def _make_chunk_encoder() -> Any:
    """The C encoder JSONEncoder.encode() builds on every call for a container (~1 us), built
    once with the arguments it passes for the settings above. ``c_make_encoder`` is not a
    public API: None (``_json_encoder.encode`` then) without the C accelerator, or if its
    signature or output ever differ from what this was written against."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        encoder = make(
            None, _json_encoder.default, _encode_string, None, ":", ",", False, False, True
        )
        sample = {"a": [1, True, None, "\u00e9"]}
        works = "".join(encoder(sample, 0)) == _json_encoder.encode(sample)
    except (TypeError, ValueError):
        return None
    return encoder if works else None


_encode_chunks: Any = _make_chunk_encoder()


def _encode_plain(value: Any) -> str:
    if _encode_chunks is None:
        return _json_encoder.encode(value)
    return "".join(_encode_chunks(value, 0))


class _NotPlain:
    def __repr__(self) -> str:
        return "NOT_PLAIN"


_NOT_PLAIN: Final = _NotPlain()
_PLAIN_DEPTH = 32


def _plain_copy(value: Any, depth: int) -> Any:
    """``value`` as ``JSON.parse(JSON.stringify(value))`` gives it back, when it is plain: exact
    dicts with ``str`` keys, lists, strings, safe integers, booleans and None, nested at most
    ``_PLAIN_DEPTH`` deep. Anything else is ``_NOT_PLAIN`` (the general path handles it)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _NOT_PLAIN
    if depth >= _PLAIN_DEPTH:
        return _NOT_PLAIN
    if kind is dict:
        copied: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            item = _plain_copy(item, depth + 1)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            copied[key] = item
        return copied
    if kind is list:
        items = []
        for item in value:
            item = _plain_copy(item, depth + 1)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(item)
        return items
    return _NOT_PLAIN


def parse_stringified(value: Any, text: str) -> Any:
    """``JSON.parse(text)`` where ``text`` is ``stringify(value)``: a plain value comes back as
    a copy of itself, without parsing the text again."""
    copied = _plain_copy(value, 0)
    return parse(text) if copied is _NOT_PLAIN else copied


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, JsObject):  # a JavaScript object (to_js, the SDK 1.9's dicts)
        value = value.as_object_map()
    elif isinstance(value, JsArray):
        value = list(value)
    if value is None or value is jsnull:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, int | float):
        out.append(js_number(value) if math.isfinite(value) else "null")
    elif isinstance(value, dict):
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            key = k if isinstance(k, str) else stringify(k).strip('"')
            out.append(_encode_string(key))
            out.append(":")
            _write(v, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            _write(v, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} cannot be converted to a JS value")


# ---------------------------------------------------------------------------------------------
# parse


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(name)


def _as_js_numbers(value: Any) -> Any:
    """Numbers as Pyodide converts a JS number: safe integers to int, the rest to float."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INTEGER else float(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER else value
    if isinstance(value, dict):
        return {k: _as_js_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_js_numbers(v) for v in value]
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def parse(text: str) -> Any:
    """``JSON.parse``: the value, or ``JsException("SyntaxError", <V8 message>)``."""
    try:
        if type(text) is str and not text.startswith("\ufeff"):
            value = _DECODER.decode(text)  # what json.loads does, without a decoder per call
        else:
            value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        _V8Scanner(text).fail()
    return _as_js_numbers(value)


# JSON digits are ASCII only; str.isdigit() would also take U+0661 (Arabic-Indic one) and more.
# _peek() answers "" at the end, which is "in" every string: so a set, not a string.
_DIGITS = frozenset("0123456789")


class _V8Scanner:
    """Walks invalid JSON as V8 does, to raise V8's wording for the first error."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.pos = 0

    # -- errors --------------------------------------------------------------------------------

    def _raise(self, message: str) -> NoReturn:
        raise JsException("SyntaxError", message)

    def _at(self, what: str, pos: int, where: str = " in JSON") -> NoReturn:
        before = self.src[:pos]
        # JS positions count UTF-16 code units.
        p16 = len(before.encode("utf-16-le")) // 2
        line = before.count("\n") + 1
        column = p16 - (len(before[: before.rfind("\n") + 1].encode("utf-16-le")) // 2) + 1
        self._raise(f"{what}{where} at position {p16} (line {line} column {column})")

    def _end(self) -> NoReturn:
        self._raise("Unexpected end of JSON input")

    def _token(self, pos: int) -> NoReturn:
        src = self.src
        if pos >= len(src):
            self._end()
        # V8 measures and slices in UTF-16 code units, even through a surrogate pair.
        units = src.encode("utf-16-le", errors="surrogatepass")
        n = len(units) // 2
        p16 = len(src[:pos].encode("utf-16-le", errors="surrogatepass")) // 2

        def text(a: int, b: int) -> str:
            return units[2 * a : 2 * b].decode("utf-16-le", errors="surrogatepass")

        if n <= 20:
            snippet = f'"{src}"'
        else:
            start, end = max(0, p16 - 10), min(n, p16 + 10)
            snippet = (
                ("..." if start > 0 else "") + f'"{text(start, end)}"' + ("..." if end < n else "")
            )
        self._raise(f"Unexpected token '{text(p16, p16 + 1)}', {snippet} is not valid JSON")

    # -- scanning ------------------------------------------------------------------------------

    def _peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def _ws(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos] in " \t\n\r":
            self.pos += 1

    def fail(self) -> NoReturn:
        if self.src in ("NaN", "Infinity", "undefined"):
            self._raise(f'"{self.src}" is not valid JSON')
        self._value()
        self._ws()
        if self.pos < len(self.src):
            self._at("Unexpected non-whitespace character after JSON", self.pos, where="")
        # Python refused something V8 would accept (e.g. deep nesting): say so plainly.
        self._raise("Unexpected token in JSON")

    def _value(self) -> None:
        self._ws()
        c = self._peek()
        if c == "":
            self._end()
        if c == '"':
            self._string()
        elif c == "{":
            self._object()
        elif c == "[":
            self._array()
        elif c == "-" or c in _DIGITS:
            self._number()
        elif c in "tfn":
            self._literal({"t": "true", "f": "false", "n": "null"}[c])
        else:
            self._token(self.pos)

    def _literal(self, word: str) -> None:
        for ch in word:
            if self.pos >= len(self.src):
                self._end()
            if self.src[self.pos] != ch:
                self._token(self.pos)
            self.pos += 1

    def _string(self) -> None:
        src = self.src
        self.pos += 1
        while True:
            if self.pos >= len(src):
                self._at("Unterminated string", self.pos)
            c = src[self.pos]
            if c == '"':
                self.pos += 1
                return
            if c == "\\":
                self.pos += 1
                if self.pos >= len(src):
                    self._end()
                e = src[self.pos]
                if e == "u":
                    for i in range(1, 5):
                        h = src[self.pos + i] if self.pos + i < len(src) else ""
                        if h == "":
                            self._end()
                        if h not in "0123456789abcdefABCDEF":
                            self._at("Bad Unicode escape", self.pos + i)
                    self.pos += 5
                    continue
                if e not in '"\\/bfnrt':
                    self._at("Bad escaped character", self.pos)
                self.pos += 1
                continue
            if ord(c) < 0x20:
                self._at("Bad control character in string literal", self.pos)
            self.pos += 1

    def _digits(self) -> int:
        start = self.pos
        while self.pos < len(self.src) and self.src[self.pos] in _DIGITS:
            self.pos += 1
        return self.pos - start

    def _number(self) -> None:
        if self._peek() == "-":
            self.pos += 1
            if self._peek() not in _DIGITS:
                self._at("No number after minus sign", self.pos)
        if self._peek() == "0":
            self.pos += 1
            if self._peek() in _DIGITS:
                self._at("Unexpected number", self.pos)
        else:
            self._digits()
        if self._peek() == ".":
            self.pos += 1
            if self._digits() == 0:
                self._at("Unterminated fractional number", self.pos)
        if self._peek() in ("e", "E"):
            self.pos += 1
            if self._peek() in ("+", "-"):
                self.pos += 1
            if self._digits() == 0:
                self._at("Exponent part is missing a number", self.pos)

    def _object(self) -> None:
        self.pos += 1
        self._ws()
        if self._peek() == "}":
            self.pos += 1
            return
        first = True
        while True:
            if self._peek() != '"':
                if first:
                    self._at("Expected property name or '}'", self.pos)
                self._at("Expected double-quoted property name", self.pos)
            first = False
            self._string()
            self._ws()
            if self._peek() != ":":
                self._at("Expected ':' after property name", self.pos)
            self.pos += 1
            self._value()
            if self._close_or_comma("}", "Expected ',' or '}' after property value"):
                return
            self._ws()

    def _array(self) -> None:
        self.pos += 1
        self._ws()
        if self._peek() == "]":
            self.pos += 1
            return
        while True:
            self._value()
            if self._close_or_comma("]", "Expected ',' or ']' after array element"):
                return

    def _close_or_comma(self, close: str, message: str) -> bool:
        """After a member: past the closing bracket (True) or the comma (False), else fail."""
        self._ws()
        c = self._peek()
        if c == close:
            self.pos += 1
            return True
        if c != ",":
            self._at(message, self.pos)
        self.pos += 1
        return False
