"""Clocks: the one notion of "now" shared by KV expiry, rate limits and the Worker."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Protocol, runtime_checkable

SECONDS_PER_DAY = 86_400


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the time in epoch seconds."""

    def now(self) -> float: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> float:
        return _original_time()


class ManualClock:
    """A clock that only moves when told to (tests jump days in a microsecond).

    A Worker's own wait moves it too: ``await asyncio.sleep(d)`` inside a request advances the
    clock by ``d`` and returns at once (virtual time, as fake timers do), so a Worker that waits
    out a platform window (KV's one write per second per key) is tested without real waiting.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = float(start) if start is not None else _original_time()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float = 0, *, days: float = 0) -> float:
        """Move forward by ``seconds`` plus ``days``; returns the new time."""
        delta = float(seconds) + float(days) * SECONDS_PER_DAY
        if delta < 0:
            raise ValueError("a ManualClock only moves forward; use set() to go back")
        self._now += delta
        return self._now

    def set(self, ts: float) -> None:
        """Jump to an absolute epoch time (either direction)."""
        self._now = float(ts)

    def __repr__(self) -> str:
        return f"ManualClock({self._now!r})"


# time.time is replaced once, process-wide, by a dispatcher that consults a context
# variable: concurrent requests in one event loop each see their own clock (asyncio tasks
# copy the context), and code outside any request keeps the real time.
_original_time: Callable[[], float] = time.time
_active_clock: contextvars.ContextVar[Clock | None] = contextvars.ContextVar(
    "workers_emulator_clock", default=None
)
_patch_lock = threading.Lock()
_patch_depth = 0
# What time.time was when the patch went in (someone else's patch is kept underneath).
_underlying_time: Callable[[], float] = _original_time


# What asyncio.sleep was when the patch went in; a ManualClock's sleeps only advance it.
_underlying_sleep: Callable[..., Coroutine[Any, Any, Any]] = asyncio.sleep


async def _patched_sleep(delay: float, result: Any = None) -> Any:
    clock = _active_clock.get()
    if isinstance(clock, ManualClock) and delay > 0:
        clock.advance(delay)
        delay = 0
    return await _underlying_sleep(delay, result)


def _patched_time() -> float:
    clock = _active_clock.get()
    if clock is None:
        return _underlying_time()
    return float(clock.now())


@contextlib.contextmanager
def patched_time(clock: Clock) -> Iterator[Clock]:
    """Make ``time.time()`` return ``clock.now()`` in this context while the block runs (and,
    for a :class:`ManualClock`, ``asyncio.sleep`` advance it instead of waiting).

    Safe to nest and to use from concurrent tasks: the patch is installed on first entry
    and removed on last exit; which clock answers is per context.
    """
    global _patch_depth, _underlying_time, _underlying_sleep
    with _patch_lock:
        if _patch_depth == 0:
            _underlying_time = time.time
            time.time = _patched_time
            _underlying_sleep = asyncio.sleep
            asyncio.sleep = _patched_sleep
        _patch_depth += 1
    token = _active_clock.set(clock)
    try:
        yield clock
    finally:
        _active_clock.reset(token)
        with _patch_lock:
            _patch_depth -= 1
            # Only undo our own patch: someone may have patched time.time on top of it.
            if _patch_depth == 0 and time.time is _patched_time:
                time.time = _underlying_time
            if _patch_depth == 0 and asyncio.sleep is _patched_sleep:
                asyncio.sleep = _underlying_sleep
