"""What the emulator hands back to tests: the response as a client received it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from .invocation import OpCounts


class Headers(Mapping[str, str]):
    """Case-insensitive response headers; repeated ones join with ", " (``get_list`` keeps
    them apart)."""

    def __init__(self, items: list[tuple[str, str]] | None = None) -> None:
        self._items = [(k.lower(), v) for k, v in items or []]

    @classmethod
    def _of_lowercase(cls, items: list[tuple[str, str]]) -> Headers:
        """Headers over ``items``, whose names are lower-case already (a Worker's response
        headers are stored so): the list is taken as it is, not lower-cased into a copy."""
        headers = cls.__new__(cls)
        headers._items = items
        return headers

    def __getitem__(self, name: str) -> str:
        values = self.get_list(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def get_list(self, name: str) -> list[str]:
        key = name.lower()
        return [v for k, v in self._items if k == key]

    def raw(self) -> list[tuple[str, str]]:
        """Every header line in order."""
        return list(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for k, _ in self._items))

    def __len__(self) -> int:
        return len(dict.fromkeys(k for k, _ in self._items))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(k == name.lower() for k, _ in self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class EmulatorResponse:
    """A finished response: ``status_code``, ``headers``, ``content``, ``text``, ``json()``,
    and ``kv_ops`` (the operations the request made on each counted binding, by name)."""

    def __init__(
        self,
        status_code: int,
        headers: list[tuple[str, str]] | Headers,
        content: bytes,
        kv_ops: dict[str, OpCounts],
        reason_phrase: str = "",
    ) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.content = content
        self.kv_ops = kv_ops

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self, **kwargs: Any) -> Any:
        return json.loads(self.content, **kwargs)

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def __repr__(self) -> str:
        return f"<EmulatorResponse [{self.status_code}]>"
