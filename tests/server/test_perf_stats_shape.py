"""The one-regex stats key test and the short-body JSON decoder agree with the plain forms."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from license_server import jsonbody, stats

_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def _reference_shape(payload: dict[str, Any]) -> bool:
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
def test_shape_check_matches_the_definition(payload: dict[str, Any]) -> None:
    assert stats._is_valid_shape(payload) is _reference_shape(payload)


def test_newline_inside_a_key_is_refused() -> None:
    assert not stats._is_valid_shape({"a\nb": 1, "c": 2})
    assert not stats._is_valid_shape({"a": {"b\n": 1}})
    assert stats._is_valid_shape({}) and stats._is_valid_shape({"a": {}})


@given(st.integers(-(10**30), 10**30), st.integers(0, 4400))
def test_integers_decode_the_same_in_short_and_long_bodies(value: int, padding: int) -> None:
    body = json.dumps({"n": value, "pad": " " * padding}).encode()
    assert jsonbody.parse_json_body(body) == {"n": value, "pad": " " * padding}
