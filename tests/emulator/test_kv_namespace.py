"""KV behaviour: expiry against the clock, list order and paging, metadata, bulk get, types."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from workers_emulator.bindings.kv import KVEntry, KVNamespace, MemoryKVStore
from workers_emulator.clock import ManualClock
from workers_emulator.errors import JsException
from workers_emulator.jsdict import JsDict

NOW = 1_800_000_000


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def kv(clock: ManualClock) -> KVNamespace:
    return KVNamespace("KV", MemoryKVStore(), clock=clock, enforce_write_rate=False)


# -- expiry -----------------------------------------------------------------------------------


def test_keys_expire_when_the_clock_jumps_90_days(kv: KVNamespace, clock: ManualClock) -> None:
    run(kv.put("validation:1", "t", expirationTtl=7_776_000))
    run(kv.put("license:1", "r", expiration=NOW + 365 * 86_400))
    run(kv.put("release", "x"))
    clock.advance(days=90, seconds=-1)
    assert run(kv.get("validation:1")) == "t"
    clock.advance(seconds=1)  # exactly at the expiration second: gone
    assert run(kv.get("validation:1")) is None
    assert run(kv.getWithMetadata("validation:1")) == {
        "value": None,
        "metadata": None,
        "cacheStatus": None,
    }
    assert [k["name"] for k in run(kv.list())["keys"]] == ["license:1", "release"]
    assert [e.key for e in kv.entries()] == ["license:1", "release"]
    assert run(kv.get(["validation:1", "release"])) == {"validation:1": None, "release": "x"}


def test_list_skips_expired_keys_without_short_pages(kv: KVNamespace, clock: ManualClock) -> None:
    for i in range(5):
        run(kv.put(f"a{i}", "v", expirationTtl=60 if i % 2 else 600))
    clock.advance(60)
    page = run(kv.list(limit=2))
    assert [k["name"] for k in page["keys"]] == ["a0", "a2"]
    assert page["list_complete"] is False
    rest = run(kv.list(limit=2, cursor=page["cursor"]))
    assert [k["name"] for k in rest["keys"]] == ["a4"]
    assert rest["list_complete"] is True


def test_list_reports_expiration_and_metadata_only_when_set(kv: KVNamespace) -> None:
    run(kv.put("a", "v"))
    run(kv.put("b", "v", expirationTtl=120, metadata={"n": 1}))
    run(kv.put("c", "v", metadata=None))
    assert run(kv.list()) == {
        "keys": [
            {"name": "a"},
            {"name": "b", "expiration": NOW + 120, "metadata": {"n": 1}},
            {"name": "c"},
        ],
        "list_complete": True,
        "cacheStatus": None,
    }


# -- ordering and paging ----------------------------------------------------------------------


def test_list_orders_keys_by_utf8_bytes(kv: KVNamespace) -> None:
    keys = ["b", "a", "Z", "é", "e", "\uffff", "😀", "a\x00", "aa", "A", "~", "\uff41"]
    for k in keys:
        run(kv.put(k, "v"))
    names = [k["name"] for k in run(kv.list())["keys"]]
    # UTF-16 order would put "😀" (a surrogate pair) before "\uffff"; bytes order puts it after.
    assert names == sorted(keys, key=lambda s: s.encode())
    assert names.index("😀") > names.index("\uffff")


def test_paging_with_cursors_visits_every_key_once(kv: KVNamespace) -> None:
    keys = [f"user:{i:04d}" for i in range(250)] + ["zzz", "aaa"]
    for k in keys:
        run(kv.put(k, "v"))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = run(kv.list(prefix="user:", limit=100, cursor=cursor))
        pages += 1
        seen += [k["name"] for k in page["keys"]]
        if page["list_complete"]:
            assert "cursor" not in page
            break
        cursor = page["cursor"]
    assert seen == sorted(k for k in keys if k.startswith("user:"))
    assert pages == 3


def test_cursor_is_base64_of_the_last_key(kv: KVNamespace) -> None:
    run(kv.put("a", "v"))
    run(kv.put("big", "v"))
    assert run(kv.list(limit=1))["cursor"] == "YQ=="
    assert [k["name"] for k in run(kv.list(cursor="YQ=="))["keys"]] == ["big"]
    assert run(kv.list(cursor="garbage"))["keys"] == []  # decodes past every ASCII key
    assert len(run(kv.list(cursor=""))["keys"]) == 2


def test_a_full_last_page_is_complete(kv: KVNamespace) -> None:
    run(kv.put("a", "v"))
    run(kv.put("b", "v"))
    page = run(kv.list(limit=2))
    assert page["list_complete"] is True
    assert "cursor" not in page


def test_prefix_selects_only_matching_keys(kv: KVNamespace) -> None:
    for k in ["stats:1", "stats:2", "stats", "statz", "license:1"]:
        run(kv.put(k, "v"))
    assert [k["name"] for k in run(kv.list(prefix="stats:"))["keys"]] == ["stats:1", "stats:2"]


# -- values, metadata, overwrite, delete ------------------------------------------------------


def test_overwrite_replaces_value_metadata_and_expiration(kv: KVNamespace) -> None:
    run(kv.put("k", "one", expirationTtl=100, metadata={"v": 1}))
    run(kv.put("k", "two"))
    assert run(kv.getWithMetadata("k")) == {"value": "two", "metadata": None, "cacheStatus": None}
    assert kv.entries() == [KVEntry("k", b"two", None, None)]


def test_delete_removes_and_tolerates_missing_keys(kv: KVNamespace) -> None:
    run(kv.put("k", "v"))
    assert run(kv.delete("k")) is None
    assert run(kv.get("k")) is None
    assert run(kv.delete("never-there")) is None
    assert kv.entries() == []


def test_get_types(kv: KVNamespace) -> None:
    run(kv.put("j", '{"a": [1, 2.5, {"b": null}], "n": 1.0}'))
    value = run(kv.get("j", type="json"))
    assert value == {"a": [1, 2.5, {"b": None}], "n": 1}
    assert isinstance(value, JsDict) and isinstance(value.a[2], JsDict)
    assert value.a[2].b is None
    assert run(kv.get("j", "json")) == value  # JS-style positional type
    assert run(kv.get("j", {"type": "json"})) == value  # JS-style options object
    run(kv.put("bin", bytes([0, 255, 1])))
    buffer = run(kv.get("bin", type="arrayBuffer"))
    assert isinstance(buffer, memoryview)  # what Pyodide's to_py() makes of an ArrayBuffer
    assert buffer.tobytes() == bytes([0, 255, 1])
    assert run(kv.get("bin")) == "\x00\ufffd\x01"  # invalid UTF-8 decodes as TextDecoder does


def test_stream_get_reads_the_value_in_chunks(kv: KVNamespace) -> None:
    run(kv.put("s", b"streamed"))

    async def read_all() -> bytes:
        stream = await kv.get("s", type="stream")
        reader = stream.getReader()
        out = b""
        while not (chunk := await reader.read()).done:
            out += chunk.value.to_bytes()
        return out

    assert run(read_all()) == b"streamed"
    assert run(kv.get("missing", type="stream")) is None


def test_unknown_get_type_is_a_type_error_costing_nothing(kv: KVNamespace) -> None:
    with pytest.raises(JsException) as info:
        run(kv.get("a", type="bogus"))
    assert str(info.value) == (
        'TypeError: Unknown response type. Possible types are "text", "arrayBuffer", "json", '
        'and "stream".'
    )
    assert kv.counters.total == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "Unexpected token 'a', \"abc\" is not valid JSON"),
        ("", "Unexpected end of JSON input"),
        ("{", "Expected property name or '}' in JSON at position 1 (line 1 column 2)"),
        (
            '{"a":1}x',
            "Unexpected non-whitespace character after JSON at position 7 (line 1 column 8)",
        ),
        ("NaN", '"NaN" is not valid JSON'),
        ("a" * 21, "Unexpected token 'a', \"aaaaaaaaaa\"... is not valid JSON"),
        (  # V8 counts and slices UTF-16 code units, splitting a surrogate pair
            '[1, "😀😀😀😀😀😀", x, 2, 3, 4, 5, 6, 7]',
            'Unexpected token \'x\', ..."\ude00😀😀😀", x, 2, 3, 4"... is not valid JSON',
        ),
        (
            '"😀\n"',
            "Bad control character in string literal in JSON at position 3 (line 1 column 4)",
        ),
        (
            '"a\nb"',
            "Bad control character in string literal in JSON at position 2 (line 1 column 3)",
        ),
    ],
)
def test_json_get_of_invalid_json_raises_v8s_syntax_error(
    kv: KVNamespace, text: str, message: str
) -> None:
    run(kv.put("k", text))
    with pytest.raises(JsException) as info:
        run(kv.get("k", type="json"))
    assert info.value.name == "SyntaxError"
    assert info.value.message == message


def test_put_coerces_primitives_as_js_string_does(kv: KVNamespace) -> None:
    run(kv.put("n", 123))
    run(kv.put("f", 1.5))
    run(kv.put("z", None))
    run(kv.put("t", True))
    assert run(kv.get(["n", "f", "z", "t"])) == {"n": "123", "f": "1.5", "z": "null", "t": "true"}


@pytest.mark.parametrize("value", [{"a": 1}, [1, 2], object()])
def test_put_refuses_objects_without_spending_an_operation(kv: KVNamespace, value: Any) -> None:
    # A classic bug: a dict stored without json.dumps.
    with pytest.raises(JsException) as info:
        run(kv.put("o", value))
    assert str(info.value) == (
        "TypeError: KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and "
        "ReadableStreams as values."
    )
    assert kv.counters.total == 0
    assert kv.entries() == []


def test_options_may_be_a_js_style_dict(kv: KVNamespace) -> None:
    run(kv.put("k", "v", {"expirationTtl": 60, "metadata": {"m": True}}))
    assert kv.entries() == [KVEntry("k", b"v", NOW + 60, {"m": True})]
    assert run(kv.list({"prefix": "k"}))["keys"][0]["name"] == "k"


# -- bulk get ---------------------------------------------------------------------------------


def test_bulk_get_returns_a_dict_in_request_order(kv: KVNamespace) -> None:
    run(kv.put("a", '{"x": 1}'))
    run(kv.put("b", "[2]"))
    got = run(kv.get(["b", "missing", "a", "b"], type="json"))
    assert list(got.items()) == [("b", [2]), ("missing", None), ("a", {"x": 1})]
    assert kv.counters.reads == 1  # one operation, however many keys


def test_bulk_get_with_metadata(kv: KVNamespace) -> None:
    run(kv.put("a", "1", metadata={"m": 1}))
    run(kv.put("b", "2"))
    assert run(kv.getWithMetadata(["a", "b", "c"])) == {
        "a": {"value": "1", "metadata": {"m": 1}},
        "b": {"value": "2", "metadata": None},
        "c": None,
    }


@pytest.mark.parametrize(
    ("keys", "kwargs", "message"),
    [
        (["a"], {"type": "arrayBuffer"}, '"arrayBuffer" is not a valid type. Use "json" or "text"'),
        (["a"], {"type": "bogus"}, '"bogus" is not a valid type. Use "json" or "text"'),
        (["", "a"], {}, "Key names must not be empty"),
        ([".", "a"], {}, 'Illegal key name ".". Please use a different name.'),
        (["k" * 513], {}, "UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ([], {"type": "arrayBuffer"}, '"arrayBuffer" is not a valid type. Use "json" or "text"'),
    ],
)
def test_bulk_get_errors(
    kv: KVNamespace, keys: list[str], kwargs: dict[str, Any], message: str
) -> None:
    status = "414" if "UTF-8" in message else "400"
    with pytest.raises(JsException) as info:
        run(kv.get(keys, **kwargs))
    assert str(info.value) == f"Error: KV GET_BULK failed: {status} {message}"


def test_bulk_json_get_of_a_non_json_value(kv: KVNamespace) -> None:
    run(kv.put("a", "not json"))
    with pytest.raises(JsException) as info:
        run(kv.get(["a"], type="json"))
    assert str(info.value) == (
        "Error: KV GET_BULK failed: 400 At least one of the requested keys corresponds to a "
        "non-json value"
    )
