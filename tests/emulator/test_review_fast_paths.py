"""The emulator's fast paths against the general code they stand in for, on inputs the other
tests do not reach (found in review of the performance commits)."""

from __future__ import annotations

import asyncio
import bisect
import random
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from workers_emulator import jsjson
from workers_emulator.bindings.kv import KVEntry, MemoryKVStore
from workers_emulator.errors import JsException
from workers_emulator.runtime.workers._context import Env
from workers_emulator.runtime.workers._headers import JsHeaders
from workers_emulator.runtime.workers._streams import ReadableStream


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


@pytest.mark.parametrize("seed", range(5))
def test_memory_store_index_stays_sorted_through_puts_deletes_and_purges(seed: int) -> None:
    rng = random.Random(seed)
    store = MemoryKVStore()
    live: dict[str, float | None] = {}
    now = 1000.0
    for _ in range(400):
        key = f"k{rng.randrange(60):02d}{rng.choice(['', 'x', 'é'])}"
        action = rng.random()
        if action < 0.55:
            expiration = rng.choice([None, now + 5, now + 50])
            store.put(KVEntry(key, b"v", expiration, None))
            live[key] = expiration
        elif action < 0.8:
            store.delete(key)
            live.pop(key, None)
        elif action < 0.9:
            now += 10
            store.purge_expired(now)
            live = {k: e for k, e in live.items() if e is None or e > now}
        else:
            prefix = rng.choice(["", "k0", "k1", "k3"])
            after = rng.choice([None, b"k2", b"k10x"])
            expected = sorted(
                k.encode()
                for k, e in live.items()
                if k.startswith(prefix) and (e is None or e > now)
            )
            if after is not None:
                expected = expected[bisect.bisect_right(expected, after) :]
            got = store.list(now, prefix=prefix, after=after, limit=7)
            assert [e.key.encode() for e in got] == expected[:7]


@pytest.mark.parametrize(
    "pairs",
    [
        [("b", "1"), ("a", "2")],
        [("b", "1"), ("a", "2"), ("B", "3")],
        [("set-cookie", "x=1"), ("Set-Cookie", "y=2"), ("a", "z")],
        [("set-cookie", "x=1"), ("a", "z")],
        [],
    ],
)
def test_headers_iterate_as_the_grouping_pass_does(pairs: list[tuple[str, str]]) -> None:
    headers = JsHeaders(pairs)
    assert list(headers) == list(headers._grouped_iter())


@pytest.mark.parametrize(
    "value",
    [" a ", "\x85x", "a\u00a0b", "line\u2028sep", "tab\tinside", "\x7f", "é", 12, None],
)
def test_header_values_extend_and_append_agree(value: Any) -> None:
    by_extend = JsHeaders([("x-v", value)])
    by_append = JsHeaders()
    by_append.append("x-v", value)
    assert by_extend.raw_items() == by_append.raw_items()


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\0b", "\x85\nx"])
def test_header_values_with_cr_lf_or_nul_are_refused_by_both(value: str) -> None:
    with pytest.raises(JsException):
        JsHeaders([("x-v", value)])
    with pytest.raises(JsException):
        JsHeaders().append("x-v", value)


def test_env_bindings_read_written_and_missing() -> None:
    bindings = {"KV": object()}
    env = Env(bindings)
    assert env.KV is bindings["KV"]
    env.EXTRA = 1
    assert env.EXTRA == 1 and "EXTRA" not in bindings  # the caller's dict is not written
    assert dir(env) == ["EXTRA", "KV"]
    with pytest.raises(AttributeError):
        _ = env.MISSING


@pytest.mark.parametrize("data", [b"", b"abc", bytearray(b"xy"), memoryview(b"mv")])
def test_stream_of_a_whole_body_reads_as_a_chunked_one(data: Any) -> None:
    async def chunks() -> Any:
        if data:
            yield bytes(data)

    async def read_all(stream: ReadableStream) -> list[Any]:
        reader = stream.getReader()
        out = []
        for _ in range(3):
            result = await reader.read()
            out.append((result.done, None if result.value is None else bytes(result.value)))
        return out

    whole, general = ReadableStream.from_bytes(data), ReadableStream(chunks())
    assert asyncio.run(read_all(whole)) == asyncio.run(read_all(general))
    assert whole.disturbed and general.disturbed


def test_stream_of_a_whole_body_does_not_follow_later_changes_to_a_bytearray() -> None:
    data = bytearray(b"abc")
    stream = ReadableStream.from_bytes(data)
    data[:] = b"zzz"
    assert asyncio.run(stream._read_all()) == b"abc"


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


def test_a_stream_proxy_closed_by_a_worker_is_replaced_for_the_next_capture() -> None:
    from workers_emulator.logs import captured_output

    seen: list[tuple[str, str]] = []

    def sink(stream: str, text: str) -> None:
        seen.append((stream, text))

    with captured_output(sink):
        sys.stdout.close()  # a Worker may close what it takes for its stdout
    with captured_output(sink):
        assert not sys.stdout.closed  # a new proxy, not the closed one
        print("after")
        print("err", file=sys.stderr)
    assert ("stdout", "after") in seen and ("stderr", "err") in seen
