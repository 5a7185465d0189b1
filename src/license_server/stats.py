"""The fleet-stats rules of docs/API.md: aggregate non-negative integer counts, nothing else.

:func:`check_stats` runs before any KV write and returns a verdict; a refused payload is never
stored, and never fails the validation it came with.
"""

from __future__ import annotations

import re
from typing import Any, Literal, NamedTuple

from license_server.compact_json import compact_encoder
from license_server.jsonbody import OddValue
from license_server.rules import MAX_COUNT, STATS_KEY, STATS_KEY_PATTERN

__all__ = [
    "MAX_COUNT",
    "MAX_STATS_BYTES",
    "StatsCounts",
    "StatsVerdict",
    "check_stats",
    "serialised_size",
]

MAX_STATS_BYTES = 4096
_encode = compact_encoder(ensure_ascii=False)
_STAT_KEY = re.compile(STATS_KEY_PATTERN)
# Every name at once, joined by newlines (a newline is no key character).
_STAT_KEYS = re.compile(rf"{STATS_KEY}(?:\n{STATS_KEY})*")

# The accepted shape: a count, or one level of named counts.
StatsCounts = dict[str, int | dict[str, int]]

StatsReason = Literal["stats_not_object", "stats_too_large", "stats_invalid"]

_MESSAGES: dict[str, str] = {
    "stats_not_object": "stats must be a JSON object of counts",
    "stats_too_large": f"stats must serialise to at most {MAX_STATS_BYTES} bytes",
    "stats_invalid": (
        f"stats keys must match {STATS_KEY_PATTERN} and values must be non-negative "
        "integers (at most 2^53-1) or one level of objects of them"
    ),
}


class StatsVerdict(NamedTuple):
    accepted: bool
    counts: StatsCounts | None = None
    reason: StatsReason | None = None
    # The compact JSON of accepted counts, kept from the size check so storing them does not
    # serialise them a second time.
    counts_json: str | None = None

    def answer(self) -> dict[str, Any]:
        """The ``stats`` member of the heartbeat answer."""
        if self.accepted:
            return {"accepted": True}
        assert self.reason is not None
        return {"accepted": False, "reason": self.reason, "message": _MESSAGES[self.reason]}


def serialised_size(stats: Any) -> int:
    """docs/API.md's measure, exactly: compact separators, UTF-8, non-ASCII kept as is.

    ``surrogatepass``: JSON may carry a lone surrogate escape (``"\\ud800"``), which plain
    UTF-8 encoding refuses; it is measured at three bytes instead of crashing (such a payload is
    refused as ``stats_invalid`` anyway, since keys are ASCII and values integers).
    """
    text = _compact_json(stats)
    if text is None:
        return _size_with_odd_values(stats)
    return _utf8_size(text)


def _compact_json(stats: Any) -> str | None:
    """The compact JSON text, or ``None`` when the value holds what JSON text cannot say."""
    try:
        return _encode(stats)
    except (ValueError, TypeError):
        # An OddValue (valid JSON the parser kept opaque), or an int over Python's 4300-digit
        # str conversion limit (its digits alone exceed the cap).
        return None


def _size_with_odd_values(value: Any) -> int:
    """The contract's measure of a value with :class:`OddValue` parts (each knows its size)."""
    if isinstance(value, OddValue):
        return value.size
    if type(value) is dict:
        members = [_utf8_size(_encode(k)) + 1 + _size_with_odd_values(v) for k, v in value.items()]
        return 2 + sum(members) + max(len(members) - 1, 0)
    if type(value) is list:
        items = [_size_with_odd_values(item) for item in value]
        return 2 + sum(items) + max(len(items) - 1, 0)
    try:
        return _utf8_size(_encode(value))
    except ValueError:  # an int over the conversion limit: its digits alone exceed the cap
        return MAX_STATS_BYTES + 1


def _utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _is_count(value: object) -> bool:
    # bool is a subclass of int in Python; JSON true/false are not counts.
    return type(value) is int and 0 <= value <= MAX_COUNT


def _is_valid_key(key: str) -> bool:
    return _STAT_KEY.fullmatch(key) is not None


def _are_valid_keys(names: list[str]) -> bool:
    """Every name matches the key pattern: one regex over the names joined by newlines.

    A newline is not a key character, so the joined text splits back into exactly these names
    unless one of them holds a newline (then it is invalid, and there is one newline too many).
    """
    if not names:
        return True
    try:
        joined = "\n".join(names)
    except TypeError:  # a key that is not a string (not from JSON): fail as the regex would
        return all(map(_is_valid_key, names))
    return joined.count("\n") == len(names) - 1 and _STAT_KEYS.fullmatch(joined) is not None


def _is_valid_shape(stats: dict[str, Any]) -> bool:
    names = list(stats)
    for value in stats.values():
        if _is_count(value):
            continue
        if type(value) is not dict:
            return False
        names.extend(value)
        for inner_value in value.values():
            if not _is_count(inner_value):
                return False
    return _are_valid_keys(names)


def check_stats(stats: Any) -> StatsVerdict:
    """Verdict for a present, non-null ``stats`` value; reasons in docs/API.md's order."""
    if type(stats) is not dict:
        if isinstance(stats, OddValue) and stats.is_object:
            # An object the parser kept opaque (duplicate names, too deep): never accepted.
            too_large = stats.size > MAX_STATS_BYTES
            return StatsVerdict(
                accepted=False, reason="stats_too_large" if too_large else "stats_invalid"
            )
        return StatsVerdict(accepted=False, reason="stats_not_object")
    text = _compact_json(stats)
    if text is None:
        # Not accepted whatever its size: it holds a value that is not a count.
        too_large = _size_with_odd_values(stats) > MAX_STATS_BYTES
        return StatsVerdict(
            accepted=False, reason="stats_too_large" if too_large else "stats_invalid"
        )
    if _utf8_size(text) > MAX_STATS_BYTES:
        return StatsVerdict(accepted=False, reason="stats_too_large")
    if not _is_valid_shape(stats):
        return StatsVerdict(accepted=False, reason="stats_invalid")
    return StatsVerdict(accepted=True, counts=stats, counts_json=text)
