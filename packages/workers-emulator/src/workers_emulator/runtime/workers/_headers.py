"""A stand-in for the JavaScript ``Headers`` class (the part the SDK relies on)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ...errors import JsException
from ..jsproxy import JsMap, JsObject, JsProxy

# RFC 9110 token characters: what the Fetch standard accepts as a header name.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Fetch "normalize": strip leading and trailing HTTP whitespace.
_HTTP_WHITESPACE = "\t\n\r "


# Names already found valid, with their lower-cased form: the same few names come by on
# every request. Bounded: cleared when full.
_checked_names: dict[str, str] = {}
_CHECKED_NAMES_MAX = 512


def _check_name(name: str) -> str:
    checked = _checked_names.get(name) if type(name) is str else None
    if checked is not None:
        return checked
    if not isinstance(name, str) or not _TOKEN.match(name):
        raise JsException("TypeError", "Invalid header name.")
    if len(_checked_names) >= _CHECKED_NAMES_MAX:
        _checked_names.clear()
    checked = _checked_names[name] = name.lower()
    return checked


def _check_value(value: str) -> str:
    if not isinstance(value, str):
        value = str(value)
    value = value.strip(_HTTP_WHITESPACE)
    # A printable value holds none of the three (one scan instead of three for the usual case).
    if not value.isprintable() and ("\r" in value or "\n" in value or "\0" in value):
        raise JsException("TypeError", "Invalid header value.")
    return value


class JsHeaders(JsProxy):
    """Lower-cased, ordered header list with the Fetch standard's combining rules."""

    js_name = "Headers"

    def __init__(self, init: Any = None) -> None:
        self._items: list[tuple[str, str]] = []
        if init is None:
            return
        if isinstance(init, JsHeaders):
            self._items = list(init._items)
        elif isinstance(init, dict):
            self.extend(init.items())
        elif isinstance(init, list):
            self.extend(init)
        else:
            # The SDK's message for anything else (`_to_js_headers`).
            raise TypeError("Received unexpected type for headers argument")

    @classmethod
    def new(cls, init: Any = None, *args: Any, **kwargs: Any) -> JsHeaders:
        """``new Headers(init)``: a record, a sequence of pairs or another Headers."""
        if kwargs:
            init = dict(kwargs)
        if isinstance(init, JsObject):
            init = init.as_object_map()
        if isinstance(init, JsMap):
            init = list(init.entries())
        if init is not None and not isinstance(init, JsHeaders | dict | list):
            if isinstance(init, str | bytes) or not hasattr(init, "__iter__"):
                raise JsException("TypeError", "Failed to construct 'Headers': invalid init.")
            init = list(init)
        if isinstance(init, list):
            pairs = [tuple(pair) for pair in init]
            if any(len(pair) != 2 for pair in pairs):
                raise JsException(
                    "TypeError", "Failed to construct 'Headers': every pair must be [name, value]."
                )
            init = pairs
        return cls(init)

    def keys(self) -> Iterator[str]:
        return (name for name, _ in self)

    def values(self) -> Iterator[str]:
        return (value for _, value in self)

    def entries(self) -> Iterator[tuple[str, str]]:
        return iter(self)

    def forEach(self, callback: Any) -> None:
        for name, value in self:
            callback(value, name)

    def append(self, name: str, value: str) -> None:
        self._items.append((_check_name(name), _check_value(value)))

    def set(self, name: str, value: str) -> None:
        key = _check_name(name)
        self._items = [(k, v) for k, v in self._items if k != key]
        self._items.append((key, _check_value(value)))

    def delete(self, name: str) -> None:
        key = _check_name(name)
        self._items = [(k, v) for k, v in self._items if k != key]

    def has(self, name: str) -> bool:
        key = _check_name(name)
        # A plain loop: any() over a generator costs 4x as much for a few headers.
        for stored, _ in self._items:  # noqa: SIM110
            if stored == key:
                return True
        return False

    def get(self, name: str) -> str | None:
        key = _check_name(name)
        values = [v for k, v in self._items if k == key]
        return ", ".join(values) if values else None

    def getSetCookie(self) -> list[str]:
        return [v for k, v in self._items if k == "set-cookie"]

    def raw_items(self) -> list[tuple[str, str]]:
        """Every header line as stored (what goes on the wire)."""
        return list(self._items)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        # JS iteration order: sorted names, duplicates combined, Set-Cookie kept apart.
        # Stored names are already checked and lower-cased. The SDK iterates every request's
        # headers: without a repeated name (the usual case) the answer is the sorted pairs,
        # built in C; otherwise one grouping pass.
        items = self._items
        unique = dict(items)
        if len(unique) == len(items):
            return iter(sorted(unique.items()))
        return self._grouped_iter()

    def _grouped_iter(self) -> Iterator[tuple[str, str]]:
        grouped: dict[str, list[str]] = {}
        for name, value in self._items:
            grouped.setdefault(name, []).append(value)
        for name in sorted(grouped):
            if name == "set-cookie":
                for value in grouped[name]:
                    yield name, value
            else:
                yield name, ", ".join(grouped[name])

    def extend(self, items: Iterable[tuple[str, str]]) -> None:
        # append() with the checks' usual case inlined (a name seen before, a printable str
        # value): the headers of every request and every Response come through here.
        store = self._items.append
        for name, value in items:
            key = _checked_names.get(name) if type(name) is str else None
            if key is None:
                key = _check_name(name)
            if type(value) is str:
                value = value.strip(_HTTP_WHITESPACE)
                if not value.isprintable():
                    value = _check_value(value)
            else:
                value = _check_value(value)
            store((key, value))
