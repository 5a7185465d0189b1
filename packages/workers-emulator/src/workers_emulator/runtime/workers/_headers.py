"""A stand-in for the JavaScript ``Headers`` class (the part the SDK relies on)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ...errors import JsException

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
    if "\r" in value or "\n" in value or "\0" in value:
        raise JsException("TypeError", "Invalid header value.")
    return value


class JsHeaders:
    """Lower-cased, ordered header list with the Fetch standard's combining rules."""

    def __init__(self, init: Any = None) -> None:
        self._items: list[tuple[str, str]] = []
        if init is None:
            return
        if isinstance(init, JsHeaders):
            self._items = list(init._items)
        elif isinstance(init, dict):
            for name, value in init.items():
                self.append(name, value)
        elif isinstance(init, list):
            for pair in init:
                name, value = pair
                self.append(name, value)
        else:
            # The SDK's message for anything else (`_to_js_headers`).
            raise TypeError("Received unexpected type for headers argument")

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
        return any(k == key for k, _ in self._items)

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
        # One grouping pass (stored names are already checked and lower-cased): the SDK
        # iterates every request's headers, and a get() per name rescanned the whole list.
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
        for name, value in items:
            self.append(name, value)
