"""The dev server's HTTP/1.1 connections, bounded as Cloudflare bounds them.

uvicorn's httptools protocol, plus: a client that half-closes after its request gets the
answer before the connection closes; a request head (request line and headers) larger than
Cloudflare's 128 KB is answered ``431`` as workerd answers it, before the head is held in
memory; a head still incomplete ``head_timeout`` seconds after its first byte (or after the
connection opened) closes the connection, as workerd does after 15 s. Request bodies that stall
are bounded in ``asgi.py`` (``HTTPLimits.body_idle_timeout``).
"""

from __future__ import annotations

import asyncio
import dataclasses

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


@dataclasses.dataclass(frozen=True)
class HTTPLimits:
    """The dev server's limits on what a client sends (sizes in bytes, times in seconds)."""

    # Cloudflare: "Request header size 128 KB (total)"; workerd answers 431 above it.
    max_head_bytes: int = 128 * 1024
    # workerd closes a connection whose request head is not complete within 15 s.
    head_timeout: float = 15.0
    # No byte of a request body for this long: the Worker's read fails, the connection closes.
    body_idle_timeout: float = 15.0


HTTP_LIMITS = HTTPLimits()

# workerd's answer to an oversized request head, word for word.
HEAD_TOO_LARGE_BODY = b"ERROR: header too large."


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a refused request."""


def protocol_with_limits(limits: HTTPLimits) -> type[HttpToolsProtocol]:
    """An uvicorn ``http=`` protocol class enforcing ``limits``."""

    class Protocol(LimitedHttpToolsProtocol):
        pass

    Protocol.limits = limits
    return Protocol


# How long a refused connection's remaining request bytes are drained before it is closed.
REFUSED_LINGER_SECONDS = 2.0


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` with a cap on the request head and a deadline for it."""

    limits: HTTPLimits = HTTP_LIMITS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0
        self._in_head = True
        self._refused = False
        self._close_after_response = False
        self._head_size = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.limits.head_timeout, self._head_timed_out)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head:
            self._head_bytes += len(data)
        # A _Refused raised by a callback reaches uvicorn as a parser error: its 400 is skipped.
        super().data_received(data)
        if self._in_head and self._head_bytes > self.limits.max_head_bytes:
            # Still in the head after more than the cap: refuse before holding any more of it.
            self._refuse_head()

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio allows True
        if self._refused:  # the client read the refusal and closed: close our side too
            return None
        # A client that half-closes after a complete request still gets its answer: keep the
        # transport writable, close once the response is out. (Closing at once raced the
        # Worker's answer: uvloop refuses writes to a closed transport.)
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.more_body:
            self._close_after_response = True
            return True
        return None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._close_after_response and not self.pipeline and not self.transport.is_closing():
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        if self._refused:  # the parser stopped because we refused: already answered
            return
        super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_size = 0
        self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._head_size += len(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._head_size += len(name) + len(value) + 4  # ": " and CRLF

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        # The request line's method and version, and the blank line: ~16 bytes more.
        if self._head_size + 16 > self.limits.max_head_bytes:
            self._refuse_head()
            raise _Refused
        super().on_headers_complete()

    def _refuse_head(self) -> None:
        self._refused = True
        self._in_head = False
        head = (
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: text/plain;charset=UTF-8\r\n"
            b"content-length: " + str(len(HEAD_TOO_LARGE_BODY)).encode() + b"\r\n"
            b"connection: close\r\n\r\n"
        )
        if not self.transport.is_closing():
            self.transport.write(head + HEAD_TOO_LARGE_BODY)
            # Closing with request bytes unread makes the kernel reset the connection, which can
            # destroy the 431 before the client reads it: half-close, drain, then close.
            if self.transport.can_write_eof():
                self.transport.write_eof()
                self.loop.call_later(REFUSED_LINGER_SECONDS, self._close)
            else:
                self.transport.close()

    def _close(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()
