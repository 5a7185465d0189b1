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
_saved: dict[str, TextIO] = {}


class _StreamProxy(io.TextIOBase):
    """A text stream that routes writes by context."""

    def __init__(self, name: str, underlying: TextIO) -> None:
        self._name = name
        self._underlying = underlying
        self._closed_by_caller = False

    def close(self) -> None:
        # Noted here for _proxy: reading `self.closed` costs ~3 µs on a proxy that is open
        # (io.IOBase looks for a flag attribute that only close() creates; the miss goes
        # through __getattr__ to the underlying stream and raises AttributeError there).
        self._closed_by_caller = True
        super().close()

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


# The proxy last made for each stream: building an io.TextIOBase costs more than the rest of
# a capture, and every request starts one. A proxy is reused only around the same stream.
_proxies: dict[str, _StreamProxy] = {}


def _proxy(name: str, underlying: TextIO) -> _StreamProxy:
    proxy = _proxies.get(name)
    if proxy is None or proxy._underlying is not underlying or proxy._closed_by_caller:
        proxy = _proxies[name] = _StreamProxy(name, underlying)
    return proxy


class captured_output:
    """Send this context's writes to stdout/stderr to ``sink`` while the block runs.

    A plain context manager class (not ``@contextmanager``): every request enters one.
    """

    __slots__ = ("_sink", "_token")

    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    def __enter__(self) -> None:
        global _depth
        with _lock:
            if _depth == 0:
                _saved["stdout"], _saved["stderr"] = sys.stdout, sys.stderr
                sys.stdout = _proxy("stdout", sys.stdout)
                sys.stderr = _proxy("stderr", sys.stderr)
            _depth += 1
        self._token = _sink.set(self._sink)

    def __exit__(self, *exc_info: object) -> None:
        global _depth
        _sink.reset(self._token)
        with _lock:
            _depth -= 1
            if _depth == 0:
                # Put back what we replaced, unless someone swapped the streams meanwhile.
                # (`type(...) is`, not isinstance: io classes are ABCs, whose isinstance check
                # costs ~0.8 µs; nothing subclasses _StreamProxy.)
                if type(sys.stdout) is _StreamProxy:
                    sys.stdout = _saved["stdout"]
                if type(sys.stderr) is _StreamProxy:
                    sys.stderr = _saved["stderr"]
                _saved.clear()


class LineCollector:
    """Turns the text one request writes into whole lines, per stream."""

    def __init__(self, emit: Callable[[str, str], None]) -> None:
        self._emit = emit
        self._partial: dict[str, str] = {}

    def __call__(self, stream: str, text: str) -> None:
        buffered = self._partial.get(stream, "") + text
        *lines, rest = buffered.split("\n")
        for line in lines:
            self._emit(stream, line)
        self._partial[stream] = rest

    def close(self) -> None:
        """Emit unterminated lines (a print without newline still reaches the log)."""
        for stream, rest in self._partial.items():
            if rest:
                self._emit(stream, rest)
        self._partial.clear()
