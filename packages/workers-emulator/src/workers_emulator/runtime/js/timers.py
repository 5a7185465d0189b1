"""Timers (``setTimeout``...), ``queueMicrotask`` and ``AbortController`` on the event loop
of the request that set them."""

from __future__ import annotations

import asyncio
import inspect
import itertools
from typing import Any

from ...errors import JsException
from ..jsproxy import JsProxy

_ids = itertools.count(1)
_timers: dict[int, asyncio.TimerHandle] = {}
# Coroutines a callback started, kept until done (the loop holds tasks only weakly).
_running: set[asyncio.Future[Any]] = set()


def _run(callback: Any, args: tuple[Any, ...]) -> None:
    result = callback(*args)
    if inspect.isawaitable(result):
        task = asyncio.ensure_future(result)
        _running.add(task)
        task.add_done_callback(_running.discard)


def setTimeout(callback: Any, delay: float = 0, *args: Any) -> int:
    timer_id = next(_ids)

    def fire() -> None:
        _timers.pop(timer_id, None)
        _run(callback, args)

    _timers[timer_id] = asyncio.get_running_loop().call_later(max(0, delay or 0) / 1000, fire)
    return timer_id


def setInterval(callback: Any, delay: float = 0, *args: Any) -> int:
    timer_id = next(_ids)
    loop = asyncio.get_running_loop()
    period = max(0, delay or 0) / 1000

    def fire() -> None:
        _timers[timer_id] = loop.call_later(period, fire)
        _run(callback, args)

    _timers[timer_id] = loop.call_later(period, fire)
    return timer_id


def clearTimeout(timer_id: Any = None) -> None:
    handle = _timers.pop(timer_id, None) if isinstance(timer_id, int) else None
    if handle is not None:
        handle.cancel()


clearInterval = clearTimeout


def queueMicrotask(callback: Any) -> None:
    asyncio.get_running_loop().call_soon(_run, callback, ())


class AbortSignal(JsProxy):
    js_name = "AbortSignal"

    def __init__(self) -> None:
        self.aborted = False
        self.reason: Any = None
        self.onabort: Any = None
        self._listeners: list[Any] = []

    def addEventListener(self, kind: str, listener: Any, options: Any = None) -> None:
        if kind == "abort":
            self._listeners.append(listener)

    def removeEventListener(self, kind: str, listener: Any, options: Any = None) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def throwIfAborted(self) -> None:
        if self.aborted:
            raise JsException("AbortError", str(self.reason or "The operation was aborted."))

    def _abort(self, reason: Any) -> None:
        if self.aborted:
            return
        self.aborted = True
        self.reason = reason if reason is not None else "AbortError: The operation was aborted."
        for listener in [self.onabort, *self._listeners]:
            if listener is not None:
                _run(listener, (None,))

    @staticmethod
    def abort(reason: Any = None) -> AbortSignal:
        signal = AbortSignal()
        signal._abort(reason)
        return signal

    @staticmethod
    def timeout(delay: float) -> AbortSignal:
        signal = AbortSignal()
        setTimeout(lambda: signal._abort("TimeoutError: The operation timed out."), delay)
        return signal


class AbortController(JsProxy):
    js_name = "AbortController"

    def __init__(self) -> None:
        self.signal = AbortSignal()

    def abort(self, reason: Any = None) -> None:
        self.signal._abort(reason)
