"""The queue broker: messages waiting per queue, batches formed and handed to the consuming
Worker's ``queue`` handler, retries, the dead-letter queue, as `wrangler dev`'s local broker
(miniflare's ``QueueBrokerObject``) does it, on the emulator's clock.

Nothing runs by itself: ``deliver_due()`` hands over every batch that is due at the clock's
now (full, or its ``max_batch_timeout`` passed); the dev server calls it on a timer, tests
call it after moving a fake clock.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Awaitable, Callable

from ...clock import Clock
from ...config import ConfigError
from .batch import BatchAnswer, Message, MessageBatch, delivered_body
from .config import QueueConsumerConfig
from .validation import SerializedBody


@dataclasses.dataclass
class QueuedMessage:
    """A message the broker holds: its body stays serialized until each delivery."""

    id: str
    timestamp_ms: float
    body: SerializedBody
    failed_attempts: int = 0


@dataclasses.dataclass
class QueueDelivery:
    """One batch handed to the consumer and what became of its messages (by id)."""

    queue: str
    message_ids: list[str]
    outcome: str  # "ok", or "exception" when the handler raised (the whole batch retries)
    acked: list[str]
    retried: list[str]
    dead_lettered: list[str]
    dropped: list[str]


# Runs the Worker's queue handler on a batch; True when it returned, False when it raised.
Dispatch = Callable[[MessageBatch], Awaitable[bool]]
Log = Callable[[str], None]


@dataclasses.dataclass
class _Queue:
    # Waiting to become visible (a delay), as (visible at, arrival number, message).
    delayed: list[tuple[float, int, QueuedMessage]] = dataclasses.field(default_factory=list)
    ready: list[QueuedMessage] = dataclasses.field(default_factory=list)
    flush_at: float | None = None  # when the ready messages go even if the batch is not full


def new_message_id() -> str:
    """32 hex digits, as the local broker makes them."""
    return os.urandom(16).hex()


def _print_line(line: str) -> None:
    print(line, file=sys.stderr)


@dataclasses.dataclass(frozen=True)
class _Consumer:
    worker: str  # the consuming Worker's name
    dispatch: Dispatch
    log: Log  # the broker's own lines about this queue, as wrangler dev prints them


class QueueBroker:
    """Every queue the dev session's Workers produce to or consume, by name, as wrangler
    dev's one broker for all of them: a queue produced to in one Worker is delivered to the
    Worker of the session that consumes it."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.consumers: dict[str, QueueConsumerConfig] = {}
        self._consumer: dict[str, _Consumer] = {}
        self._queues: dict[str, _Queue] = {}
        self._arrivals = 0

    def add_consumers(
        self,
        worker: str,
        consumers: dict[str, QueueConsumerConfig],
        dispatch: Dispatch,
        log: Log = _print_line,
    ) -> None:
        """Make the Worker named ``worker`` the consumer of ``consumers``' queues: their
        batches go to ``dispatch``. A queue has one consumer in a session (as in miniflare):
        a second is a ConfigError."""
        for queue in consumers:
            taken = self._consumer.get(queue)
            if taken is not None:
                raise ConfigError(
                    f'Multiple consumers defined for queue "{queue}": "{taken.worker}" and '
                    f'"{worker}"'
                )
        for queue, settings in consumers.items():
            self.consumers[queue] = settings
            self._consumer[queue] = _Consumer(worker, dispatch, log)

    def consumes(self, queue: str) -> bool:
        return queue in self.consumers

    def enqueue(self, queue: str, messages: list[QueuedMessage], delay: int | None) -> None:
        """Accept messages for ``queue``; each is visible after ``delay`` seconds."""
        now = self.clock.now()
        for message in messages:
            self._arrive(queue, message, now + (delay or 0))

    def _arrive(self, queue: str, message: QueuedMessage, visible_at: float) -> None:
        self._arrivals += 1
        state = self._queues.setdefault(queue, _Queue())
        state.delayed.append((visible_at, self._arrivals, message))

    def backlog(self, queue: str) -> list[QueuedMessage]:
        """Messages waiting on ``queue`` (delayed ones included), oldest arrival first."""
        state = self._queues.get(queue)
        if state is None:
            return []
        return [*state.ready, *(m for _, _, m in sorted(state.delayed, key=lambda d: d[:2]))]

    def _promote(self, queue: str, state: _Queue, now: float) -> None:
        """Make the messages whose delay has passed ready, in the order they became due."""
        due = sorted((d for d in state.delayed if d[0] <= now), key=lambda d: d[:2])
        if not due:
            return
        state.delayed = [d for d in state.delayed if d[0] > now]
        for visible_at, _, message in due:
            state.ready.append(message)
            if state.flush_at is None:
                state.flush_at = visible_at + self.consumers[queue].max_batch_timeout

    def _due_queue(self, now: float) -> str | None:
        for name, state in self._queues.items():
            consumer = self.consumers.get(name)
            if consumer is None:
                continue
            self._promote(name, state, now)
            if not state.ready:
                continue
            full = len(state.ready) >= consumer.max_batch_size
            if full or (state.flush_at is not None and state.flush_at <= now):
                return name
        return None

    async def deliver_due(self) -> list[QueueDelivery]:
        """Hand every batch due now to the consumer, one after another, until none is due
        (a retry without delay is due at once and goes in a later batch)."""
        done: list[QueueDelivery] = []
        while (name := self._due_queue(self.clock.now())) is not None:
            done.append(await self._flush(name))
        return done

    async def _flush(self, name: str) -> QueueDelivery:
        consumer = self.consumers[name]
        state = self._queues[name]
        batch, state.ready = (
            state.ready[: consumer.max_batch_size],
            state.ready[consumer.max_batch_size :],
        )
        answer = BatchAnswer()
        messages = [
            Message(m.id, m.timestamp_ms, delivered_body(m.body), m.failed_attempts + 1, answer)
            for m in batch
        ]
        handler = self._consumer[name]
        ok = await handler.dispatch(MessageBatch(name, messages, answer))
        now = self.clock.now()
        # Every message is retried when the handler raised or called retryAll().
        retry_all = answer.retry_all or not ok
        batch_delay = answer.retry_all_delay
        if batch_delay is None:
            batch_delay = consumer.retry_delay or 0
        max_attempts = consumer.max_retries + 1
        plural = "" if max_attempts == 1 else "s"
        outcome = "ok" if ok else "exception"
        delivery = QueueDelivery(name, [m.id for m in batch], outcome, [], [], [], [])
        to_dead_letter: list[QueuedMessage] = []
        for message in batch:
            if not (retry_all or message.id in answer.retries):
                delivery.acked.append(message.id)
                continue
            message.failed_attempts += 1
            if message.failed_attempts < max_attempts:
                delivery.retried.append(message.id)
                delay = answer.retries.get(message.id)
                self._arrive(name, message, now + (batch_delay if delay is None else delay))
            elif consumer.dead_letter_queue is not None:
                delivery.dead_lettered.append(message.id)
                handler.log(
                    f'Moving message "{message.id}" on queue "{name}" to dead letter queue '
                    f'"{consumer.dead_letter_queue}" after {max_attempts} failed attempt{plural}...'
                )
                to_dead_letter.append(message)
            else:
                delivery.dropped.append(message.id)
                handler.log(
                    f'Dropped message "{message.id}" on queue "{name}" after {max_attempts} '
                    f"failed attempt{plural}!"
                )
        handler.log(f"QUEUE {name} {len(delivery.acked)}/{len(batch)}")
        state.flush_at = None
        if state.ready:
            full = len(state.ready) >= consumer.max_batch_size
            state.flush_at = now if full else now + consumer.max_batch_timeout
        if to_dead_letter and consumer.dead_letter_queue is not None:
            # The dead-letter queue gets them with their id and timestamp, attempts anew.
            fresh = [QueuedMessage(m.id, m.timestamp_ms, m.body) for m in to_dead_letter]
            if self.consumes(consumer.dead_letter_queue):
                self.enqueue(consumer.dead_letter_queue, fresh, None)
        return delivery
