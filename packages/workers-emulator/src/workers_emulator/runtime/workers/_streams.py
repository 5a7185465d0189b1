"""Stand-ins for the JavaScript ``ReadableStream`` family, as a Python Worker reaches them.

A stream pulls from its source only when the Worker calls ``read()``: nothing is read
ahead, so a Worker can refuse a huge upload after looking at its first chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ...errors import JsException
from ..js.buffers import Uint8Array
from ..jsproxy import JsProxy


class ReadResult:
    """What ``reader.read()`` resolves to: ``done`` and ``value`` (None once done)."""

    def __init__(self, done: bool, value: Uint8Array | None) -> None:
        self.done = done
        self.value = value

    def __repr__(self) -> str:
        return f"ReadResult(done={self.done}, value={self.value!r})"


class _WholeBody(AsyncIterator[bytes]):
    """The source of a body known in full up front (every request and response body the
    emulator makes): an async iterator of its one chunk, which ReadableStream takes without
    awaiting anything, where an async generator cost a coroutine step per read."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data: bytes | None = data

    async def __anext__(self) -> bytes:
        data, self.data = self.data, None
        if data is None:
            raise StopAsyncIteration
        return data


class ReadableStream(JsProxy):
    """A byte stream fed lazily from an async iterator of chunks."""

    js_name = "ReadableStream"

    def __init__(self, source: AsyncIterator[bytes]) -> None:
        self._source: AsyncIterator[bytes] | None = source
        self._reader: ReadableStreamDefaultReader | None = None
        self._disturbed = False
        self._closed = False
        self._neutered: str | None = None

    @classmethod
    def new(cls, underlyingSource: Any = None, strategy: Any = None, **kwargs: Any) -> Any:
        """``new ReadableStream({start, pull, cancel})``."""
        from ..js.streams import new_readable_stream

        return new_readable_stream(underlyingSource, strategy, **kwargs)

    @classmethod
    def from_bytes(cls, data: bytes) -> ReadableStream:
        return cls(_WholeBody(bytes(data)))

    @property
    def locked(self) -> bool:
        return self._reader is not None

    @property
    def known_length(self) -> int | None:
        """The length of a body given whole (bytes or text) and not yet read, else None."""
        source = self._source
        if type(source) is _WholeBody and source.data is not None and not self._disturbed:
            return len(source.data)
        return None

    @property
    def disturbed(self) -> bool:
        """Whether anything was read or cancelled (JS ``bodyUsed`` follows this)."""
        return self._disturbed

    def getReader(self) -> ReadableStreamDefaultReader:
        if self._reader is not None:
            raise JsException("TypeError", "This ReadableStream is currently locked to a reader.")
        self._reader = ReadableStreamDefaultReader(self)
        return self._reader

    async def cancel(self, reason: Any = None) -> None:
        if self._reader is not None:
            raise JsException("TypeError", "This ReadableStream is currently locked to a reader.")
        await self._cancel()

    def _neuter(self, reason: str) -> None:
        """Cut the stream off from its source, as workerd does to a request body once the
        response is out: later reads fail with ``reason``."""
        self._neutered = reason

    async def _pull(self) -> bytes | None:
        """One non-empty chunk from the source, or None at its end."""
        self._disturbed = True
        if self._neutered is not None and not self._closed:
            raise JsException("TypeError", self._neutered)
        whole = self._source
        if type(whole) is _WholeBody:
            # The loop below, for a source of one chunk, without awaiting it.
            if not self._closed:
                chunk, whole.data = whole.data, None
                if chunk:
                    return chunk
                self._closed = True
            return None
        while self._source is not None and not self._closed:
            try:
                chunk = await anext(self._source)
            except StopAsyncIteration:
                self._closed = True
                break
            if chunk:
                return bytes(chunk)
        return None

    async def _cancel(self) -> None:
        self._disturbed = True
        self._closed = True
        source, self._source = self._source, None
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()

    async def _read_all(self) -> bytes:
        parts = []
        while (chunk := await self._pull()) is not None:
            parts.append(chunk)
        return b"".join(parts)

    async def __aiter__(self) -> AsyncIterator[Uint8Array]:
        # `async for chunk in stream` (Pyodide iterates a stream's chunks this way).
        reader = self.getReader()
        try:
            while not (result := await reader.read()).done:
                assert result.value is not None
                yield result.value
        finally:
            reader.releaseLock()


class ReadableStreamDefaultReader(JsProxy):
    """``stream.getReader()``: ``await read()``, ``await cancel()``, ``releaseLock()``."""

    js_name = "ReadableStreamDefaultReader"

    def __init__(self, stream: ReadableStream) -> None:
        self._stream: ReadableStream | None = stream

    def _locked_stream(self) -> ReadableStream:
        if self._stream is None:
            raise JsException("TypeError", "This ReadableStream reader has been released.")
        return self._stream

    async def read(self) -> ReadResult:
        chunk = await self._locked_stream()._pull()
        if chunk is None:
            return ReadResult(True, None)
        return ReadResult(False, Uint8Array(chunk))

    async def cancel(self, reason: Any = None) -> None:
        await self._locked_stream()._cancel()

    def releaseLock(self) -> None:
        if self._stream is not None:
            self._stream._reader = None
            self._stream = None


# -- helpers shared by Request and FetchResponse bodies ------------------------------------


def _utf8_decode(data: bytes) -> str:
    # The Fetch "UTF-8 decode": a leading BOM is dropped, bad sequences become U+FFFD.
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


def _tee(stream: ReadableStream) -> tuple[ReadableStream, ReadableStream]:
    """Two streams over one source; a chunk is pulled once and kept until both saw it."""
    buffers: list[list[bytes]] = [[], []]
    state = {"done": False}

    async def branch(i: int) -> AsyncIterator[bytes]:
        while True:
            if buffers[i]:
                yield buffers[i].pop(0)
                continue
            if state["done"]:
                return
            chunk = await stream._pull()
            if chunk is None:
                state["done"] = True
                return
            buffers[1 - i].append(chunk)
            yield chunk

    return ReadableStream(branch(0)), ReadableStream(branch(1))
