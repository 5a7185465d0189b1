"""The fast paths of the emulator's dispatch keep the general paths' answers.

Headers, whole-body streams and output capture each have a cheap form for the usual case
(no repeated header name, a printable value, a body known up front, an open stream proxy);
these tests hold the cheap forms to what the general ones give.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest
from workers_emulator.errors import JsException
from workers_emulator.logs import LineCollector, captured_output
from workers_emulator.runtime.workers._headers import JsHeaders
from workers_emulator.runtime.workers._streams import ReadableStream
from workers_emulator.runtime.workers.utils import _js_headers_to_http_message


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


# -- headers --------------------------------------------------------------------------------


def test_iteration_sorts_names_and_joins_repeats_but_not_set_cookie() -> None:
    headers = JsHeaders(
        [
            ("X-B", "2"),
            ("set-cookie", "a=1"),
            ("x-a", "1"),
            ("X-b", "3"),
            ("Set-Cookie", "b=2"),
        ]
    )
    assert list(headers) == [
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("x-a", "1"),
        ("x-b", "2, 3"),
    ]


def test_iteration_without_repeats_is_the_sorted_pairs() -> None:
    headers = JsHeaders({"Zeta": "z", "alpha": "a", "set-cookie": "s=1", "Mid": "m"})
    assert list(headers) == [("alpha", "a"), ("mid", "m"), ("set-cookie", "s=1"), ("zeta", "z")]
    assert list(JsHeaders()) == []


def test_iteration_is_repeatable_and_sees_later_changes() -> None:
    headers = JsHeaders({"a": "1"})
    assert list(headers) == list(headers) == [("a", "1")]
    headers.append("a", "2")
    assert list(headers) == [("a", "1, 2")]
    headers.delete("a")
    assert list(headers) == []


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("  padded\t", "padded"),
        ("inner\ttab", "inner\ttab"),  # not printable, yet allowed
        ("del\x7fchar", "del\x7fchar"),
        ("caf\u00e9", "caf\u00e9"),
        (42, "42"),
    ],
)
def test_values_are_trimmed_and_kept_as_given(value: object, stored: str) -> None:
    for headers in (JsHeaders({"x": value}), JsHeaders([("x", value)])):
        assert headers.raw_items() == [("x", stored)]
    one = JsHeaders()
    one.append("x", value)  # type: ignore[arg-type]
    assert one.raw_items() == [("x", stored)]


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\0b", "\r\n x \0"])
def test_values_with_cr_lf_or_nul_are_refused_on_every_path(value: str) -> None:
    for build in (
        lambda: JsHeaders({"x": value}),
        lambda: JsHeaders([("x", value)]),
        lambda: JsHeaders().extend([("x", value)]),
        lambda: JsHeaders().append("x", value),
        lambda: JsHeaders().set("x", value),
    ):
        with pytest.raises(JsException, match=r"^TypeError: Invalid header value\.$"):
            build()


@pytest.mark.parametrize("name", ["bad name", "", "caf\u00e9", 7])
def test_bad_names_are_refused_on_every_path(name: object) -> None:
    for build in (
        lambda: JsHeaders({name: "v"}),
        lambda: JsHeaders([(name, "v")]),
        lambda: JsHeaders().append(name, "v"),  # type: ignore[arg-type]
    ):
        with pytest.raises(JsException, match=r"^TypeError: Invalid header name\.$"):
            build()


def test_has_answers_for_any_spelling() -> None:
    headers = JsHeaders([("Content-Type", "a"), ("X-One", "1")])
    assert headers.has("content-type") and headers.has("CONTENT-TYPE") and headers.has("x-one")
    assert not headers.has("x-two")
    assert not JsHeaders().has("x")


def test_http_message_copy_matches_the_iteration() -> None:
    headers = JsHeaders([("b", "2"), ("a", "1"), ("b", "3")])
    message = _js_headers_to_http_message(headers)
    assert message.items() == [("a", "1"), ("b", "2, 3")]
    message["c"] = "x"  # a copy: the JS headers are unchanged
    assert headers.raw_items() == [("b", "2"), ("a", "1"), ("b", "3")]


# -- whole-body streams ---------------------------------------------------------------------


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def _read_each(stream: ReadableStream, times: int) -> list[object]:
    reader = stream.getReader()
    out: list[object] = []
    for _ in range(times):
        result = await reader.read()
        out.append(None if result.done else result.value.to_bytes())  # type: ignore[union-attr]
    return out


@pytest.mark.parametrize("data", [b"", b"x", b"several bytes"])
def test_a_whole_body_reads_as_the_same_chunks_as_a_generated_one(data: bytes) -> None:
    whole = _run(_read_each(ReadableStream.from_bytes(data), 3))
    generated = _run(_read_each(ReadableStream(_chunks(data)), 3))
    assert whole == generated == ([data, None, None] if data else [None, None, None])


def test_a_whole_body_reads_all_once() -> None:
    stream = ReadableStream.from_bytes(b"abc")
    assert not stream.disturbed
    assert _run(stream._read_all()) == b"abc"
    assert stream.disturbed
    assert _run(stream._read_all()) == b""


def test_neutering_a_whole_body_refuses_reads_until_its_end_was_seen() -> None:
    async def read_then_neuter(reads_before: int) -> list[object]:
        stream = ReadableStream.from_bytes(b"abc")
        reader = stream.getReader()
        for _ in range(reads_before):
            await reader.read()
        stream._neuter("gone")
        try:
            result = await reader.read()
        except JsException as exc:
            return [str(exc)]
        return [result.done]

    assert _run(read_then_neuter(0)) == ["TypeError: gone"]
    assert _run(read_then_neuter(1)) == ["TypeError: gone"]  # the end was not read yet
    assert _run(read_then_neuter(2)) == [True]  # closed: reads answer done


def test_a_cancelled_whole_body_reads_as_done() -> None:
    async def go() -> list[object]:
        stream = ReadableStream.from_bytes(b"abc")
        reader = stream.getReader()
        await reader.cancel()
        result = await reader.read()
        return [stream.disturbed, result.done, result.value]

    assert _run(go()) == [True, True, None]


# -- output capture -------------------------------------------------------------------------


def test_capture_restores_the_streams_and_routes_by_context() -> None:
    before = (sys.stdout, sys.stderr)
    lines: list[tuple[str, str]] = []
    collector = LineCollector(lambda stream, line: lines.append((stream, line)))
    for _ in range(2):
        with captured_output(collector):
            print("out")
            print("err", file=sys.stderr)
            assert sys.stdout is not before[0]
            assert not sys.stdout.closed
        assert (sys.stdout, sys.stderr) == before
    assert lines == [("stdout", "out"), ("stderr", "err")] * 2


def test_a_closed_proxy_is_not_reused() -> None:
    collector = LineCollector(lambda stream, line: None)
    with captured_output(collector):
        first = sys.stdout
        first.close()
        assert first.closed
    with captured_output(collector):
        assert sys.stdout is not first
        assert not sys.stdout.closed


# -- env ------------------------------------------------------------------------------------


def test_env_reads_writes_and_refuses_as_before() -> None:
    from workers_emulator.runtime.workers._context import Env

    env = Env({"B_VAR": "b", "A_KV": 1})
    assert (env.B_VAR, env.A_KV, getattr(env, "MISSING", None)) == ("b", 1, None)
    with pytest.raises(AttributeError) as caught:
        env.MISSING  # noqa: B018
    assert caught.value.args == ("MISSING",)
    env.C_NEW = 3
    assert env.C_NEW == 3 and hasattr(env, "C_NEW") and not hasattr(env, "D")
    assert dir(env) == ["A_KV", "B_VAR", "C_NEW"]
    assert repr(env) == "[object Object] (A_KV, B_VAR, C_NEW)"


# -- request method -------------------------------------------------------------------------


def test_request_method_is_the_http_method_member_or_the_enums_key_error() -> None:
    from http import HTTPMethod

    from workers_emulator.runtime.workers.request import Request

    for name in HTTPMethod.__members__:
        request = Request._incoming("http://x/", name, [], None, None)
        assert request.method is HTTPMethod[name]
    for odd in ("patch", "FOO"):
        request = Request._incoming("http://x/", odd, [], None, None)
        with pytest.raises(KeyError) as caught:
            request.method  # noqa: B018
        assert caught.value.args == (odd,)
    assert Request._incoming("http://x/", "post", [], None, None).method is HTTPMethod.POST


def test_line_collector_joins_partial_writes_and_flushes_the_rest_on_close() -> None:
    lines: list[tuple[str, str]] = []
    collector = LineCollector(lambda stream, line: lines.append((stream, line)))
    collector("stdout", "a")
    collector("stderr", "x\n")
    collector("stdout", "b\nc\n\nd")
    collector("stdout", "")
    assert lines == [("stderr", "x"), ("stdout", "ab"), ("stdout", "c"), ("stdout", "")]
    collector.close()
    assert lines[-1] == ("stdout", "d")
    collector.close()
    assert len(lines) == 5
