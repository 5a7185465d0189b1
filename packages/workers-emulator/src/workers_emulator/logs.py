"""Capture what a Worker prints, per request, without touching output outside requests.

``sys.stdout``/``sys.stderr`` are swapped for proxies only while requests run; a proxy
sends a write to the sink of the current context (a context variable, so concurrent
requests in one event loop keep their lines apart) or, outside any request, to the
stream it replaced.
"""

from __future__ import annotations

import contextvars
import io
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

Sink = Callable[[str, str], None]  # (stream name, text)

_sink: contextvars.ContextVar[Sink | None] = contextvars.ContextVar(
    "workers_emulator_log_sink", default=None
)
_lock = threading.Lock()
_depth = 0
# The streams the proxies replaced, while requests run (_depth > 0).
_saved_stdout: TextIO | None = None
_saved_stderr: TextIO | None = None


class _StreamProxy(io.TextIOBase):
    """A text stream that routes writes by context."""

    def __init__(self, name: str, underlying: TextIO) -> None:
        self._name = name
        self._underlying = underlying
        self._closed_by_caller = False

    def close(self) -> None:
        # Noted here for _proxies_for: reading `self.closed` costs ~2-3 µs on an open proxy
        # (io.IOBase looks for a flag attribute that only close() creates; the miss goes
        # through __getattr__ to the underlying stream and raises AttributeError there).
        self._closed_by_caller = True
        super().close()

    def __del__(self) -> None:
        # The proxy owns no stream: collecting it (late, at shutdown) must not flush one.
        pass

    def write(self, text: str) -> int:
        sink = _sink.get()
        if sink is None:
            return self._underlying.write(text)
        sink(self._name, text)
        return len(text)

    def flush(self) -> None:
        if _sink.get() is None:
            self._underlying.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._underlying, name)


# The proxies last made: building an io.TextIOBase costs more than the rest of a capture,
# and every request starts one. A proxy is reused only around the same stream.
_proxies: tuple[_StreamProxy, _StreamProxy] | None = None


def _proxies_for(stdout: TextIO, stderr: TextIO) -> tuple[_StreamProxy, _StreamProxy]:
    global _proxies
    proxies = _proxies
    if proxies is None:
        proxies = _proxies = (_StreamProxy("stdout", stdout), _StreamProxy("stderr", stderr))
        return proxies
    out, err = proxies
    if out._underlying is not stdout or out._closed_by_caller:
        out = _StreamProxy("stdout", stdout)
    if err._underlying is not stderr or err._closed_by_caller:
        err = _StreamProxy("stderr", stderr)
    if out is not proxies[0] or err is not proxies[1]:
        proxies = _proxies = (out, err)
    return proxies


class captured_output:
    """Send this context's writes to stdout/stderr to ``sink`` while the block runs.

    A plain context manager class (not ``@contextmanager``): every request enters one.
    """

    __slots__ = ("_sink", "_token")

    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    def __enter__(self) -> None:
        global _depth, _saved_stdout, _saved_stderr
        with _lock:
            if _depth == 0:
                _saved_stdout, _saved_stderr = sys.stdout, sys.stderr
                sys.stdout, sys.stderr = _proxies_for(_saved_stdout, _saved_stderr)
            _depth += 1
        self._token = _sink.set(self._sink)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        global _depth, _saved_stdout, _saved_stderr
        _sink.reset(self._token)
        with _lock:
            _depth -= 1
            if _depth == 0:
                # Put back what we replaced, unless someone swapped the streams meanwhile.
                # (`type(...) is`, not isinstance: io classes are ABCs, whose isinstance check
                # costs ~0.8 µs; nothing subclasses _StreamProxy.)
                if type(sys.stdout) is _StreamProxy:
                    sys.stdout = _saved_stdout
                if type(sys.stderr) is _StreamProxy:
                    sys.stderr = _saved_stderr
                _saved_stdout = _saved_stderr = None


class LineCollector:
    """Turns the text one request writes into whole lines, per stream."""

    __slots__ = ("_emit", "_partial")  # one per request

    def __init__(self, emit: Callable[[str, str], None]) -> None:
        self._emit = emit
        self._partial: dict[str, str] = {}

    def __call__(self, stream: str, text: str) -> None:
        # Each request's log line comes through here: the last piece is popped rather than
        # star-unpacked (which copies the other pieces into another list).
        lines = (self._partial.get(stream, "") + text).split("\n")
        rest = lines.pop()
        for line in lines:
            self._emit(stream, line)
        self._partial[stream] = rest

    def close(self) -> None:
        """Emit unterminated lines (a print without newline still reaches the log)."""
        for stream, rest in self._partial.items():
            if rest:
                self._emit(stream, rest)
        self._partial.clear()
