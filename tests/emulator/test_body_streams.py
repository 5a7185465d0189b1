"""Request and response bodies as ReadableStreams: a body known in full reads exactly as one
fed chunk by chunk, is read once, is cut off (neutered) as workerd cuts a request body off
after the response, and reads as done once cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from workers_emulator.errors import JsException
from workers_emulator.runtime.workers._streams import ReadableStream


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


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


def test_a_whole_body_reads_all_once() -> None:
    stream = ReadableStream.from_bytes(b"abc")
    assert not stream.disturbed
    assert _run(stream._read_all()) == b"abc"
    assert stream.disturbed
    assert _run(stream._read_all()) == b""


def test_stream_of_a_whole_body_does_not_follow_later_changes_to_a_bytearray() -> None:
    data = bytearray(b"abc")
    stream = ReadableStream.from_bytes(data)
    data[:] = b"zzz"
    assert asyncio.run(stream._read_all()) == b"abc"


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
