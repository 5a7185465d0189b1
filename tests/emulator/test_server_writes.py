"""The dev server's transport: a response's head and body leave in one system call."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn
from uvicorn.server import ServerState
from workers_emulator.server import HeldWriteTransport, OneWritePerResponseProtocol


def in_event_loop(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    @functools.wraps(test)
    def run() -> None:
        asyncio.run(test())

    return run


class RecordingTransport:
    """What uvicorn's writes reach, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def writelines(self, list_of_data: Any) -> None:
        self.calls.append(("writelines", tuple(list_of_data)))

    def write_eof(self) -> None:
        self.calls.append(("write_eof", None))

    def close(self) -> None:
        self.closing = True
        self.calls.append(("close", None))

    def abort(self) -> None:
        self.closing = True
        self.calls.append(("abort", None))

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5555)}.get(name, default)

    def pause_reading(self) -> None:
        self.calls.append(("pause_reading", None))

    def resume_reading(self) -> None:
        self.calls.append(("resume_reading", None))

    def get_protocol(self) -> Any:
        return "the protocol"


@in_event_loop
async def test_head_and_body_leave_together() -> None:
    real = RecordingTransport()
    transport = HeldWriteTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    transport.write(b"ok")
    assert real.calls == [("writelines", (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n", b"ok"))]
    await asyncio.sleep(0)  # the held write's turn comes: nothing is left to send
    assert len(real.calls) == 1


@in_event_loop
async def test_a_lone_write_leaves_at_the_loops_next_turn() -> None:
    real = RecordingTransport()
    transport = HeldWriteTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert real.calls == []
    await asyncio.sleep(0)
    assert real.calls == [("write", b"HTTP/1.1 100 Continue\r\n\r\n")]


@in_event_loop
async def test_streamed_chunks_keep_their_order_and_at_most_one_is_held() -> None:
    real = RecordingTransport()
    transport = HeldWriteTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    for chunk in (b"head", b"one", b"two", b"three"):
        transport.write(chunk)
    transport.write(b"four")
    assert real.calls == [("writelines", (b"head", b"one")), ("writelines", (b"two", b"three"))]
    await asyncio.sleep(0)
    assert real.calls[-1] == ("write", b"four")
    sent = b"".join(b"".join(data) if kind == "writelines" else data for kind, data in real.calls)
    assert sent == b"headonetwothreefour"


@in_event_loop
async def test_close_sends_a_held_write_first() -> None:
    real = RecordingTransport()
    transport = HeldWriteTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    transport.close()
    assert real.calls == [("write", b"HTTP/1.1 400 Bad Request\r\n\r\n"), ("close", None)]
    await asyncio.sleep(0)
    assert len(real.calls) == 2


@in_event_loop
async def test_writelines_and_write_eof_send_a_held_write_first() -> None:
    real = RecordingTransport()
    transport = HeldWriteTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"a")
    transport.writelines([b"b", b"c"])
    transport.write(b"d")
    transport.write_eof()
    assert real.calls == [
        ("write", b"a"),
        ("writelines", (b"b", b"c")),
        ("write", b"d"),
        ("write_eof", None),
    ]


@in_event_loop
async def test_a_held_write_is_dropped_once_the_connection_is_gone() -> None:
    real = RecordingTransport()
    transport = HeldWriteTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"late")
    real.closing = True  # the peer went away before the loop's next turn
    await asyncio.sleep(0)
    assert real.calls == []
    transport.write(b"x")
    transport.abort()
    await asyncio.sleep(0)
    assert real.calls == [("abort", None)]


@in_event_loop
async def test_the_rest_is_the_real_transports() -> None:
    real = RecordingTransport()
    transport = HeldWriteTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    assert transport.get_extra_info("peername") == ("127.0.0.1", 5555)
    assert transport.is_closing() is False
    transport.pause_reading()
    transport.resume_reading()
    assert transport.get_protocol() == "the protocol"
    assert real.calls == [("pause_reading", None), ("resume_reading", None)]


@in_event_loop
async def test_the_protocol_writes_through_a_held_write_transport() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]}
        )
        await send({"type": "http.response.body", "body": b"hello"})

    config = uvicorn.Config(app, lifespan="off", log_level="warning")
    protocol = OneWritePerResponseProtocol(
        config, ServerState(), {}, _loop=asyncio.get_running_loop()
    )
    real = RecordingTransport()
    protocol.connection_made(real)  # type: ignore[arg-type]
    assert isinstance(protocol.transport, HeldWriteTransport)
    protocol.data_received(b"GET / HTTP/1.1\r\nhost: example.com\r\n\r\n")
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(real.calls) == 1
    kind, (head, body) = real.calls[0]
    assert kind == "writelines"
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert body == b"hello"
    protocol.connection_lost(None)
