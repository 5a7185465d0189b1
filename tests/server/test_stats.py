"""The stats rules of SPEC.md, measured exactly as its formula says."""

from __future__ import annotations

import json

import pytest

from license_server.stats import MAX_STATS_BYTES, check_stats, serialised_size


def spec_size(stats: object) -> int:
    return len(json.dumps(stats, separators=(",", ":"), ensure_ascii=False).encode())


def stats_of_size(size: int, filler: str = "a") -> dict[str, int]:
    """A valid stats object whose SPEC.md size is exactly ``size`` bytes.

    Keys are at most 64 characters, so many keys are needed; the last key is padded with a
    valid character, and the final value's digits absorb the remainder.
    """
    stats: dict[str, int] = {}
    index = 0
    while spec_size(stats) < size - 80:
        stats[f"k{index:04d}" + filler * 50] = 0
        index += 1
    # Fill the remaining bytes with one more key of the right length and value digits.
    remaining = size - spec_size(stats)
    # ',"' + key + '":' + value ; for the first key there is no comma
    overhead = 4 if stats else 3
    key_len = min(64, remaining - overhead - 1)
    value_digits = remaining - overhead - key_len
    key = "z" + filler * 0 + "b" * (key_len - 1)
    stats[key] = int("1" * value_digits) if value_digits else 0
    assert spec_size(stats) == size, (spec_size(stats), size)
    return stats


@pytest.mark.parametrize("size", [4095, 4096])
def test_at_most_4096_bytes_is_accepted(size: int) -> None:
    stats = stats_of_size(size)
    assert serialised_size(stats) == size
    assert check_stats(stats).accepted


def test_4097_bytes_is_refused_as_too_large() -> None:
    stats = stats_of_size(4097)
    verdict = check_stats(stats)
    assert not verdict.accepted and verdict.reason == "stats_too_large"


def test_non_ascii_is_measured_in_utf8_bytes() -> None:
    # Non-ASCII keys are invalid, but size is checked first: 4096 bytes of it is "invalid",
    # 4097 bytes is "too large" (so the measure is UTF-8 bytes, not characters or escapes).
    base = stats_of_size(4096 - 64)
    for total, reason in [(4096, "stats_invalid"), (4097, "stats_too_large")]:
        stats = dict(base)
        need = total - spec_size(stats) - len(',"":0')
        assert need % 3 in (0, 1, 2)
        name = "€" * (need // 3) + "x" * (need % 3)  # '€' is 3 bytes in UTF-8
        stats[name] = 0
        assert spec_size(stats) == total
        assert check_stats(stats).reason == reason


@pytest.mark.parametrize("value", [[], [1, 2], "counts", 7, 1.5, True, False])
def test_non_objects_are_refused_first(value: object) -> None:
    assert check_stats(value).reason == "stats_not_object"


def test_not_object_beats_too_large() -> None:
    assert check_stats(["x" * 10_000]).reason == "stats_not_object"


def test_too_large_beats_invalid() -> None:
    assert check_stats({"bad key!": "x" * 5000}).reason == "stats_too_large"


@pytest.mark.parametrize(
    "stats",
    [
        {"a": -1},
        {"a": 2**53},
        {"a": 1.0},
        {"a": True},
        {"a": None},
        {"a": "3"},
        {"a": [1]},
        {"a": {"b": {"c": 1}}},
        {"a": {"b": -1}},
        {"a": {"b": True}},
        {"a": {"bad key": 1}},
        {"1a": 1},
        {"": 1},
        {"_a": 1},
        {"a b": 1},
        {"a" * 65: 1},
        {"é": 1},
        {"a\n": 1},
        {"host-name.example": {"server01.contoso.local": "10.0.0.1"}},
    ],
)
def test_invalid_shapes(stats: dict[str, object]) -> None:
    assert check_stats(stats).reason == "stats_invalid"


@pytest.mark.parametrize(
    "stats",
    [
        {},
        {"secrets_total": 120, "certs_expiring_30d": 3},
        {"a": 0, "B.c-d_e": 2**53 - 1},
        {"a" * 64: 1},
        {"by_kind": {"tls": 3, "code_signing": 0}, "total": 3},
        {"empty": {}},
    ],
)
def test_valid_shapes(stats: dict[str, object]) -> None:
    verdict = check_stats(stats)
    assert verdict.accepted and verdict.counts == stats
    assert verdict.answer() == {"accepted": True}


def test_refusal_answer_names_reason_and_message() -> None:
    answer = check_stats([]).answer()
    assert answer["accepted"] is False
    assert answer["reason"] == "stats_not_object"
    assert answer["message"]


def test_lone_surrogate_does_not_crash() -> None:
    assert check_stats({"\ud800": 1}).reason == "stats_invalid"
    assert MAX_STATS_BYTES == 4096
