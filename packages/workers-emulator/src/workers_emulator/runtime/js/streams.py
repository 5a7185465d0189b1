"""Streams a Worker constructs: ``new ReadableStream({start, pull, cancel})`` and the identity
``TransformStream`` (``readable`` / ``writable.getWriter()``), both feeding the emulator's
``ReadableStream`` so a response made from them streams out chunk by chunk. Queues are
unbounded: the writer never waits for the reader (backpressure is not emulated)."""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from ...errors import JsException
from ..jsproxy import JsObject, JsProxy, PyProxy, option
from ..workers._streams import ReadableStream
from .buffers import buffer_bytes


async def _settle(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _chunk(chunk: Any) -> bytes:
    if isinstance(chunk, PyProxy):
        chunk = chunk.unwrap()
    if isinstance(chunk, str):
        raise JsException("TypeError", "This ReadableStream did not return bytes.")
    return buffer_bytes(chunk)


class ReadableStreamDefaultController(JsProxy):
    """What ``start`` and ``pull`` get: ``enqueue(chunk)``, ``close()``, ``error(reason)``."""

    js_name = "ReadableStreamDefaultController"

    def __init__(self) -> None:
        self._queue: deque[bytes] = deque()
        self._closed = False
        self._error: Any = None
        self._changed = asyncio.Event()

    @property
    def desiredSize(self) -> int:
        return 1 if not self._queue else 0

    def enqueue(self, chunk: Any) -> None:
        if self._closed:
            raise JsException("TypeError", "This ReadableStream is closed.")
        self._queue.append(_chunk(chunk))
        self._changed.set()

    def close(self) -> None:
        self._closed = True
        self._changed.set()

    def error(self, reason: Any = None) -> None:
        self._error = reason if reason is not None else "Error"
        self._changed.set()


async def _drive(source: Any) -> AsyncIterator[bytes]:
    """The chunks of an underlying source, pulled when the reader wants one."""
    controller = ReadableStreamDefaultController()
    start, pull = option(source, "start"), option(source, "pull")
    cancel = option(source, "cancel")
    finished = False
    try:
        if start is not None:
            await _settle(start(controller))
        while True:
            if controller._queue:
                yield controller._queue.popleft()
                continue
            if controller._error is not None:
                finished = True
                raise JsException("Error", str(controller._error))
            if controller._closed:
                finished = True
                return
            controller._changed.clear()
            if pull is not None:
                await _settle(pull(controller))
            if not controller._queue and not controller._closed and controller._error is None:
                await controller._changed.wait()
    finally:
        if not finished and cancel is not None:
            await _settle(cancel(None))


def new_readable_stream(underlying_source: Any = None, strategy: Any = None, **kwargs: Any):
    """``new ReadableStream(underlyingSource)`` (keywords: the source's members)."""
    source = JsObject(kwargs) if underlying_source is None else underlying_source
    return ReadableStream(_drive(source))


class WritableStreamDefaultWriter(JsProxy):
    js_name = "WritableStreamDefaultWriter"

    def __init__(self, stream: WritableStream) -> None:
        self._stream = stream

    @property
    def desiredSize(self) -> int:
        return 1

    @property
    def ready(self) -> Any:
        from .objects import JsPromise

        return JsPromise.resolve(None)

    async def write(self, chunk: Any) -> None:
        if self._stream._closed:
            raise JsException("TypeError", "This WritableStream has been closed.")
        await self._stream._chunks.put(_chunk(chunk))

    async def close(self) -> None:
        if not self._stream._closed:
            self._stream._closed = True
            await self._stream._chunks.put(None)

    async def abort(self, reason: Any = None) -> None:
        await self.close()

    def releaseLock(self) -> None:
        self._stream._writer = None


class WritableStream(JsProxy):
    js_name = "WritableStream"

    def __init__(self) -> None:
        self._chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._closed = False
        self._writer: WritableStreamDefaultWriter | None = None

    @property
    def locked(self) -> bool:
        return self._writer is not None

    def getWriter(self) -> WritableStreamDefaultWriter:
        if self._writer is not None:
            raise JsException("TypeError", "This WritableStream is currently locked to a writer.")
        self._writer = WritableStreamDefaultWriter(self)
        return self._writer

    async def _read(self) -> AsyncIterator[bytes]:
        while (chunk := await self._chunks.get()) is not None:
            yield chunk


class TransformStream(JsProxy):
    """The identity TransformStream: what is written to ``writable`` is read from
    ``readable`` (a transformer argument is not emulated)."""

    js_name = "TransformStream"

    def __init__(self, transformer: Any = None, *strategies: Any) -> None:
        if transformer is not None:
            from ...errors import NotEmulatedError

            raise NotEmulatedError("a TransformStream with a transformer")
        self.writable = WritableStream()
        self.readable = ReadableStream(self.writable._read())
