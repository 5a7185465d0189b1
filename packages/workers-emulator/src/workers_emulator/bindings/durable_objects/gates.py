"""A Durable Object's input gate: events enter one at a time, in the order they arrived, and
none enters while the gate is closed (a ``transaction()``, ``blockConcurrencyWhile``)."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class InputGate:
    def __init__(self) -> None:
        self._closed = False
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    def try_close(self) -> bool:
        """Close the gate at once if it is open and nobody waits; False otherwise."""
        if self._closed or self._waiters:
            return False
        self._closed = True
        return True

    async def close(self) -> None:
        """Wait for the gate (first come, first served), then hold it closed."""
        if self.try_close():
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.open()  # handed over just as we gave up: pass it on
            raise

    def open(self) -> None:
        """Hand the gate to the next waiter, or leave it open."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._closed = False

    async def enter(self) -> None:
        """An event's way in: wait its turn, then let the next one follow."""
        await self.close()
        self.open()

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        await self.close()
        try:
            yield
        finally:
            self.open()
