"""jsjson's fast paths for plain values give exactly what the general path gives."""

from __future__ import annotations

import enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from workers_emulator import jsjson


class _Text(str):
    pass


class _Level(enum.IntEnum):
    HIGH = 3


def _general_stringify(value: Any) -> str:
    parts: list[str] = []
    jsjson._write(value, parts)
    return "".join(parts)


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.integers(min_value=-jsjson.MAX_SAFE_INTEGER, max_value=jsjson.MAX_SAFE_INTEGER),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),  # includes lone surrogates and control characters
    st.sampled_from([_Text("sub"), _Level.HIGH, 0.0, -0.0, 5.0, 1e21, 1e-7]),
)
_keys = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none(), st.just(1.5))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(_keys, inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(_values)
def test_stringify_and_its_parse_match_the_general_path(value: Any) -> None:
    text = jsjson.stringify(value)
    assert text == _general_stringify(value)
    expected = jsjson.parse(text)
    copied = jsjson.parse_stringified(value, text)
    assert copied == expected
    assert repr(copied) == repr(expected)  # same types too: 1 and 1.0, True and 1


def test_deep_values_take_the_general_path() -> None:
    deep: Any = "x"
    for _ in range(200):
        deep = {"a": [deep]}
    text = jsjson.stringify(deep)
    assert text == _general_stringify(deep)
    assert jsjson.parse_stringified(deep, text) == jsjson.parse(text)


def test_a_plain_copy_is_a_new_container() -> None:
    value = {"a": [1, {"b": "c"}]}
    copied = jsjson.parse_stringified(value, jsjson.stringify(value))
    assert copied == value
    assert copied is not value and copied["a"] is not value["a"]


def test_unconvertible_values_still_raise() -> None:
    with pytest.raises(TypeError, match="set cannot be converted"):
        jsjson.stringify({"a": {1}})


def test_without_the_c_encoder_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    value = {"a": [1, True, None, "é\n\ud800"], "b": {}, "c": "x"}
    fast = jsjson.stringify(value)
    monkeypatch.setattr(jsjson, "_encode_chunks", None)
    assert jsjson.stringify(value) == fast == _general_stringify(value)
