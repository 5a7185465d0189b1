"""The queues of one emulator: messages waiting, batches handed to the consumer, retries and
the dead-letter queue, on the emulator's clock, as miniflare's broker runs them locally.

A batch is delivered once ``max_batch_size`` messages are ready, or ``max_batch_timeout``
seconds after the first of them was. After the consumer's ``queue()`` returns, messages it
neither acked nor retried count as acked; if it raises, every message not acked is retried.
A retried message comes back after its delay; after ``max_retries + 1`` failed attempts it
moves to the dead-letter queue, or is dropped.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from ...clock import Clock, ManualClock
from ...runtime.js.buffers import ArrayBuffer
from ...runtime.js.objects import Date
from ..durable_objects.values import deserialize
from .limits import QUEUE_LIMITS


@dataclasses.dataclass
class ConsumerConfig:
    queue: str
    max_batch_size: int = QUEUE_LIMITS.default_batch_size
    max_batch_timeout: float = QUEUE_LIMITS.default_batch_timeout_seconds
    max_retries: int = QUEUE_LIMITS.default_max_retries
    dead_letter_queue: str | None = None
    retry_delay: float = 0.0


@dataclasses.dataclass
class StoredMessage:
    id: str
    timestamp_ms: float
    content_type: str
    data: bytes
    visible_at: float
    failed_attempts: int = 0

    def body(self) -> Any:
        if self.content_type == "text":
            return self.data.decode()
        if self.content_type == "bytes":
            return ArrayBuffer(self.data)
        return deserialize(self.data)


class Message:
    """One message of a batch: ``id``, ``timestamp``, ``body``, ``attempts``, ``ack()``,
    ``retry(delaySeconds=)``."""

    def __init__(self, stored: StoredMessage, batch: MessageBatch) -> None:
        self._stored = stored
        self._batch = batch
        self.id = stored.id
        self.timestamp = Date(stored.timestamp_ms)
        self.body = stored.body()
        self.attempts = stored.failed_attempts + 1

    def ack(self) -> None:
        self._batch._acked.add(self.id)

    def retry(self, options: Any = None, **kwargs: Any) -> None:
        delay = kwargs.get("delaySeconds", getattr(options, "delaySeconds", None))
        self._batch._retried[self.id] = None if delay is None else float(delay)


class MessageBatch:
    """What ``queue(batch)`` gets: ``queue``, ``messages``, ``ackAll()``, ``retryAll()``."""

    def __init__(self, queue: str, stored: list[StoredMessage]) -> None:
        self.queue = queue
        self._acked: set[str] = set()
        self._retried: dict[str, float | None] = {}
        self._ack_all = False
        self._retry_all: tuple[bool, float | None] = (False, None)
        self.messages = [Message(m, self) for m in stored]

    def ackAll(self) -> None:
        self._ack_all = True

    def retryAll(self, options: Any = None, **kwargs: Any) -> None:
        delay = kwargs.get("delaySeconds", getattr(options, "delaySeconds", None))
        self._retry_all = (True, None if delay is None else float(delay))


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


# Runs the consumer on a batch; True if queue() returned, False if it raised.
Deliver = Callable[[MessageBatch], Awaitable[bool]]
Log = Callable[[str], None]


class QueueBroker:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._waiting: dict[str, list[StoredMessage]] = {}
        self._ready_since: dict[str, float] = {}
        self.consumers: dict[str, ConsumerConfig] = {}
        self.deliver: Deliver | None = None
        self.log: Log = lambda _line: None
        self._poller: asyncio.Task[None] | None = None

    def start_polling(self) -> None:
        """Deliver due batches in the background on the running loop (not under a
        ManualClock: there the caller decides, with ``run_due``)."""
        if isinstance(self.clock, ManualClock) or not self.consumers:
            return
        if self._poller is not None and not self._poller.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._poller = loop.create_task(self._poll(), context=contextvars.Context())

    async def _poll(self) -> None:
        loop = asyncio.get_running_loop()
        while any(self._waiting.get(q) for q in self.consumers):
            pause: asyncio.Future[None] = loop.create_future()
            loop.call_later(0.05, _resolve, pause)
            await pause
            await self.run_due()

    def close(self) -> None:
        poller = self._poller
        # A poller whose loop has stopped (a closed test client) is gone with it.
        if poller is not None and not poller.done() and not poller.get_loop().is_closed():
            poller.get_loop().call_soon_threadsafe(poller.cancel)

    def enqueue(self, queue: str, content_type: str, data: bytes, delay: float) -> None:
        now = self.clock.now()
        message = StoredMessage(
            secrets.token_hex(16), round(now * 1000), content_type, data, now + delay
        )
        self._waiting.setdefault(queue, []).append(message)
        self.start_polling()

    def pending(self, queue: str) -> int:
        return len(self._waiting.get(queue, []))

    async def run_due(self) -> int:
        """Deliver every batch due now; how many were delivered."""
        delivered = 0
        for queue, consumer in list(self.consumers.items()):
            while True:
                batch = self._take_batch(queue, consumer)
                if batch is None:
                    break
                await self._dispatch(consumer, batch)
                delivered += 1
        return delivered

    def _take_batch(self, queue: str, consumer: ConsumerConfig) -> list[StoredMessage] | None:
        now = self.clock.now()
        waiting = self._waiting.get(queue, [])
        ready = [m for m in waiting if m.visible_at <= now]
        if not ready:
            self._ready_since.pop(queue, None)
            return None
        # The batch's timer starts when its first message became ready (or at the last flush).
        since = self._ready_since.setdefault(queue, min(m.visible_at for m in ready))
        full = len(ready) >= consumer.max_batch_size
        if not full and now < since + consumer.max_batch_timeout:
            return None
        batch = ready[: consumer.max_batch_size]
        taken = {id(m) for m in batch}
        self._waiting[queue] = [m for m in waiting if id(m) not in taken]
        if len(ready) > len(batch):
            self._ready_since[queue] = now
        else:
            self._ready_since.pop(queue, None)
        return batch

    async def _dispatch(self, consumer: ConsumerConfig, stored: list[StoredMessage]) -> None:
        assert self.deliver is not None
        batch = MessageBatch(consumer.queue, stored)
        succeeded = await self.deliver(batch)
        retry_all, all_delay = batch._retry_all
        retry_all = retry_all or not succeeded  # an exception retries the whole batch
        max_attempts = consumer.max_retries + 1
        now = self.clock.now()
        dead: list[StoredMessage] = []
        for message in stored:
            if message.id in batch._acked and not retry_all:
                continue
            if not (retry_all or message.id in batch._retried):
                continue
            message.failed_attempts += 1
            if message.failed_attempts < max_attempts:
                delay = batch._retried.get(message.id)
                if delay is None:
                    delay = all_delay if all_delay is not None else consumer.retry_delay
                message.visible_at = now + delay
                self._waiting.setdefault(consumer.queue, []).append(message)
            elif consumer.dead_letter_queue is not None:
                dead.append(message)
            else:
                self.log(
                    f'Dropped message "{message.id}" on queue "{consumer.queue}" after '
                    f"{max_attempts} failed attempt{'' if max_attempts == 1 else 's'}!"
                )
        for message in dead:
            assert consumer.dead_letter_queue is not None
            self.log(
                f'Moving message "{message.id}" on queue "{consumer.queue}" to dead letter '
                f'queue "{consumer.dead_letter_queue}" after {max_attempts} failed attempts...'
            )
            moved = dataclasses.replace(message, failed_attempts=0, visible_at=now)
            self._waiting.setdefault(consumer.dead_letter_queue, []).append(moved)
