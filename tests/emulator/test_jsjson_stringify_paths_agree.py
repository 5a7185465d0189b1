"""``jsjson.stringify``'s fast path (plain values, the C encoder) writes exactly what its general
path writes, and ``parse_stringified`` gives what parsing the text gives, on every input."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from workers_emulator import jsjson


def _general_stringify(value: Any) -> str:
    parts: list[str] = []
    jsjson._write(value, parts)
    return "".join(parts)


# Every code point, lone surrogates included (hypothesis leaves them out by default).
_any_character = st.characters(exclude_categories=())


_plain_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.text(alphabet=_any_character, max_size=8)
)


_plain_values = st.recursive(
    _plain_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(_any_character, max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_plain_values)
def test_stringify_fast_path_writes_what_the_general_path_writes(value: Any) -> None:
    assert jsjson.stringify(value) == _general_stringify(value)


@settings(max_examples=300, deadline=None)
@given(_plain_values)
def test_parse_stringified_gives_what_parsing_the_text_gives(value: Any) -> None:
    text = jsjson.stringify(value)
    assert jsjson.parse_stringified(value, text) == jsjson.parse(text)


def test_stringify_fast_path_refuses_unsafe_integers_floats_and_deep_nesting() -> None:
    for value in (2**53, -(2**53), 1.5, {"a": (1, 2)}, {1: "x"}, [0.0], [-0.0]):
        assert jsjson.stringify(value) == _general_stringify(value)
    deep: Any = 0
    for _ in range(40):  # deeper than the fast path goes: the general path answers
        deep = [deep]
    assert jsjson.stringify(deep) == _general_stringify(deep)
    assert jsjson.parse_stringified(deep, jsjson.stringify(deep)) == deep


def test_stringify_fast_path_on_lone_surrogates_and_control_characters() -> None:
    value = {"\ud800": ["x\udfff", "\x00\x1f\u2028", '\\"']}
    assert jsjson.stringify(value) == _general_stringify(value)
    text = jsjson.stringify(value)
    assert jsjson.parse_stringified(value, text) == jsjson.parse(text)


def test_parse_stringified_copies_rather_than_aliasing_the_callers_value() -> None:
    metadata = {"tags": ["a"], "n": {"x": 1}}
    stored = jsjson.parse_stringified(metadata, jsjson.stringify(metadata))
    metadata["tags"].append("b")
    metadata["n"]["x"] = 2
    assert stored == {"tags": ["a"], "n": {"x": 1}}


def test_plain_encoder_falls_back_when_the_c_encoder_is_missing_or_different(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json.encoder

    def other_signature(*args: Any) -> Any:
        raise TypeError("c_make_encoder() takes 10 arguments")

    monkeypatch.setattr(json.encoder, "c_make_encoder", other_signature)
    assert jsjson._make_chunk_encoder() is None
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)  # as without the accelerator
    assert jsjson._make_chunk_encoder() is None

    monkeypatch.setattr(jsjson, "_encode_chunks", None)
    value = {"a": [1, "é", None, {"b": False}]}
    assert jsjson.stringify(value) == _general_stringify(value)
