"""Independent oracles written from docs/API.md's text, not from the Worker's code.

They are deliberately naive (no shared helpers with ``src/``): a test that compares the Worker
against its own code proves nothing.
"""

from __future__ import annotations

import json
import sys
from typing import Any

# docs/API.md, "stats": reasons in the order they are checked.
STATS_REASONS = ("stats_not_object", "stats_too_large", "stats_invalid")

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_KEY_REST = _LETTERS + _DIGITS + "_.-"


def stats_key_ok(key: str) -> bool:
    """`^[A-Za-z][A-Za-z0-9_.-]{0,63}$` read as "the whole key": 1 to 64 ASCII characters."""
    return 1 <= len(key) <= 64 and key[0] in _LETTERS and all(c in _KEY_REST for c in key[1:])


def stats_count_ok(value: Any) -> bool:
    """A non-negative integer at most 2^53-1; booleans and floats are not integers."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**53 - 1


def stats_verdict(stats: Any) -> str | None:
    """The contract's reason for a present, non-null stats value, or None when it is accepted."""
    if not isinstance(stats, dict):
        return "stats_not_object"
    # The contract's formula, lone surrogates (legal in JSON text) counted as their 3 UTF-8 bytes
    # instead of raising: the formula's intent is a byte count.
    # Python refuses to print integers over 4300 digits by default; the contract's formula has no
    # such limit, so lift it for the measurement.
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        text = json.dumps(stats, separators=(",", ":"), ensure_ascii=False)
    finally:
        sys.set_int_max_str_digits(limit)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > 4096:
        return "stats_too_large"
    for key, value in stats.items():
        if not stats_key_ok(key):
            return "stats_invalid"
        if stats_count_ok(value):
            continue
        if not isinstance(value, dict):
            return "stats_invalid"
        for inner_key, inner_value in value.items():
            if not stats_key_ok(inner_key) or not stats_count_ok(inner_value):
                return "stats_invalid"
    return None


def semver_split(text: str) -> tuple[tuple[int, int, int], list[str]]:
    """(major, minor, patch) and the pre-release identifiers; build metadata dropped."""
    core_and_pre = text.split("+", 1)[0]
    core, _, pre = core_and_pre.partition("-")
    major, minor, patch = (int(part) for part in core.split("."))
    return (major, minor, patch), (pre.split(".") if pre else [])


def semver_cmp(a: str, b: str) -> int:
    """SemVer 2.0.0 section 11, step by step, as the spec's prose states it."""
    core_a, pre_a = semver_split(a)
    core_b, pre_b = semver_split(b)
    if core_a != core_b:
        return -1 if core_a < core_b else 1
    # A pre-release version has lower precedence than the normal version.
    if not pre_a or not pre_b:
        if not pre_a and not pre_b:
            return 0
        return 1 if not pre_a else -1
    for x, y in zip(pre_a, pre_b, strict=False):
        if x == y:
            continue
        x_num, y_num = x.isdigit(), y.isdigit()
        if x_num and y_num:
            return -1 if int(x) < int(y) else 1
        if x_num != y_num:
            # Numeric identifiers always have lower precedence than alphanumeric ones.
            return -1 if x_num else 1
        return -1 if x < y else 1  # ASCII sort order
    if len(pre_a) == len(pre_b):
        return 0
    return -1 if len(pre_a) < len(pre_b) else 1


# semver.org's own example chain, lowest first.
SEMVER_PRECEDENCE_EXAMPLES = (
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "2.0.0",
    "2.1.0",
    "2.1.1",
)
