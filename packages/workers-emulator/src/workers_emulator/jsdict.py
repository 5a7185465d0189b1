"""``JsDict``: how the Python Workers SDK hands JS objects to Python code."""

from __future__ import annotations

from typing import Any


class JsDict(dict[str, Any]):
    """A dict whose keys can also be read and written as attributes.

    Keys that clash with dict methods (``keys``, ``items``...) are only reachable by
    subscription, as in the SDK.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None


def to_jsdict(value: Any) -> Any:
    """Recursively turn dicts into ``JsDict`` (lists are walked), as the SDK's ``to_py`` does."""
    if isinstance(value, dict):
        return JsDict({k: to_jsdict(v) for k, v in value.items()})
    if isinstance(value, list):
        return [to_jsdict(v) for v in value]
    return value
