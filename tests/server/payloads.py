"""Builders shared by the server tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

import json


def spec_size(stats: object) -> int:
    """docs/API.md's measure of a stats payload, verbatim."""
    return len(json.dumps(stats, separators=(",", ":"), ensure_ascii=False).encode())


def stats_of_size(size: int) -> dict[str, int]:
    """A valid stats object whose docs/API.md size is exactly ``size`` bytes (size >= 8)."""
    stats: dict[str, int] = {}
    index = 0
    while spec_size(stats) < size - 80:
        stats[f"k{index:04d}" + "a" * 50] = 0
        index += 1
    remaining = size - spec_size(stats)
    overhead = 4 if stats else 3  # ',"' + key + '":' (no comma before the first key)
    key_len = min(64, remaining - overhead - 1)
    value_digits = remaining - overhead - key_len
    stats["z" + "b" * (key_len - 1)] = int("1" * value_digits)
    assert spec_size(stats) == size
    return stats


def stats_of_size_non_ascii(size: int) -> dict[str, object]:
    """A payload of exactly ``size`` UTF-8 bytes whose padding is multi-byte characters.

    Its one non-ASCII key makes it invalid, so the verdict shows which check fired first.
    """
    stats: dict[str, object] = dict(stats_of_size(size - 64))
    need = size - spec_size(stats) - len(',"":0')
    stats["\u20ac" * (need // 3) + "x" * (need % 3)] = 0  # the euro sign is 3 UTF-8 bytes
    assert spec_size(stats) == size
    return stats
