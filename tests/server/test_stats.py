"""The stats rules of docs/API.md, measured exactly as its formula says."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from license_server import stats
from license_server.stats import MAX_STATS_BYTES, check_stats, serialised_size

from .payloads import spec_size, stats_of_size, stats_of_size_non_ascii


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
    assert check_stats(stats_of_size_non_ascii(4096)).reason == "stats_invalid"
    assert check_stats(stats_of_size_non_ascii(4097)).reason == "stats_too_large"
    assert spec_size(stats_of_size_non_ascii(4097)) == 4097


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


_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def _shape_by_definition(payload: dict[str, Any]) -> bool:
    """The definition: every key matches, every value a count or one level of counts."""

    def is_count(value: object) -> bool:
        return type(value) is int and 0 <= value <= stats.MAX_COUNT

    for key, value in payload.items():
        if not _KEY.fullmatch(key):
            return False
        if is_count(value):
            continue
        if type(value) is not dict:
            return False
        for inner_key, inner_value in value.items():
            if not _KEY.fullmatch(inner_key) or not is_count(inner_value):
                return False
    return True


_NAMES = st.from_regex(_KEY, fullmatch=True) | st.text(
    st.sampled_from("aZ09_.-\n\r é\x00"), max_size=70
)
_COUNTS = st.integers(-2, 2**54) | st.booleans() | st.floats() | st.none() | st.text(max_size=3)
_STATS = st.dictionaries(
    _NAMES, _COUNTS | st.dictionaries(_NAMES, _COUNTS, max_size=4) | st.lists(_COUNTS), max_size=8
)


@given(_STATS)
def test_shape_check_answers_as_the_definition(payload: dict[str, Any]) -> None:
    assert stats._is_valid_shape(payload) is _shape_by_definition(payload)


def test_newline_inside_a_key_is_refused() -> None:
    assert not stats._is_valid_shape({"a\nb": 1, "c": 2})
    assert not stats._is_valid_shape({"a": {"b\n": 1}})
    assert stats._is_valid_shape({}) and stats._is_valid_shape({"a": {}})
