"""JSON with comments and trailing commas, as wrangler reads ``wrangler.json(c)``.

``//`` and ``/* */`` comments and a comma before ``]`` or ``}`` are blanked out (outside
strings) and the rest is strict JSON, so an error's line and column are the file's own.
"""

from __future__ import annotations

import json
from typing import Any


class JSONCError(ValueError):
    """The text is not JSONC; ``str()`` says what and where (line and column, from 1)."""


def loads(text: str) -> Any:
    """Parse JSONC text (wrangler's ``parseJSONC`` with ``allowTrailingComma``)."""
    cleaned = strip(text)
    try:
        return json.loads(cleaned, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise JSONCError(f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from None


def _no_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and wrangler's parser) does not.
    raise json.JSONDecodeError(f"invalid literal {name}", name, 0)


def strip(text: str) -> str:
    """``text`` with comments and trailing commas replaced by spaces (newlines kept)."""
    out = list(text)
    i, n = 0, len(text)
    last_comma: int | None = None  # a comma seen since the last value token
    after_value = False  # the last token ended a value: a comma here may be a trailing one
    while i < n:
        c = text[i]
        if c == '"':
            last_comma, after_value = None, True
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif c == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            _blank(out, i, end)
            i = end
        elif c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end == -1:
                raise JSONCError(f"unterminated /* comment (line {text.count(chr(10), 0, i) + 1})")
            _blank(out, i, end + 2)
            i = end + 2
        elif c == ",":
            # Only a comma after a value can be trailing: "[,]" stays an error, as in wrangler.
            last_comma = i if after_value else None
            after_value = False
            i += 1
        elif c in "]}":
            if last_comma is not None:
                out[last_comma] = " "
            last_comma, after_value = None, True
            i += 1
        else:
            if not c.isspace():
                last_comma, after_value = None, c not in "[{:"
            i += 1
    return "".join(out)


def _blank(out: list[str], start: int, end: int) -> None:
    for j in range(start, end):
        if out[j] not in "\r\n":
            out[j] = " "
