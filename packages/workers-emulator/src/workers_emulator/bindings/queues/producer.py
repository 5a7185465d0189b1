"""``env.QUEUE``: a queue producer, ``send(body, contentType=, delaySeconds=)`` and
``sendBatch(messages, delaySeconds=)``. Each call is one write operation (counted, and open
to the shared fault injection)."""

from __future__ import annotations

from typing import Any

from ...errors import JsException
from ...faults import FaultInjector
from ...invocation import Invocation, OpCounts
from ...runtime.jsproxy import JsArray, option
from . import validation as v
from .broker import QueueBroker
from .limits import QUEUE_LIMITS

FAULT_MESSAGE = "Queue send failed: Internal Server Error"


class Queue:
    def __init__(
        self, binding_name: str, queue: str, broker: QueueBroker, delivery_delay: float = 0.0
    ) -> None:
        self.binding_name = binding_name
        self.queue = queue
        self.broker = broker
        self.delivery_delay = delivery_delay
        self.faults: FaultInjector | None = None
        self._counters = OpCounts()

    def __repr__(self) -> str:
        return f"<Queue {self.binding_name} ({self.queue})>"

    @property
    def counters(self) -> OpCounts:
        return self._counters.copy()

    def reset_counters(self) -> None:
        self._counters = OpCounts()

    def _send_op(self) -> None:
        invocation = Invocation.current()
        if invocation is not None:
            invocation.record(self.binding_name, "write")
        self._counters.add("write")
        if self.faults is not None and self.faults.should_fail("write"):
            raise JsException("Error", FAULT_MESSAGE)

    def _delay(self, value: Any) -> float:
        return self.delivery_delay if value is None else v.delay(value)

    async def send(self, body: Any, options: Any = None, **kwargs: Any) -> None:
        opts = kwargs or options
        kind = v.content_type(option(opts, "contentType"))
        data = v.encode(body, kind)
        delay = self._delay(option(opts, "delaySeconds"))
        self._send_op()
        self.broker.enqueue(self.queue, kind, data, delay)

    async def sendBatch(self, messages: Any, options: Any = None, **kwargs: Any) -> None:
        items = list(messages) if isinstance(messages, list | tuple | JsArray) else None
        if items is None:
            v.type_error("sendBatch() requires an iterable of messages")
        if not items:
            v.type_error("sendBatch() requires at least one message")
        if len(items) > QUEUE_LIMITS.max_batch_messages:
            raise JsException(
                "Error",
                f"Queue sendBatch failed: batch message count of {len(items)} exceeds limit of "
                f"{QUEUE_LIMITS.max_batch_messages}",
            )
        batch_delay = option(kwargs or options, "delaySeconds")
        prepared = []
        for item in items:
            kind = v.content_type(option(item, "contentType"))
            delay = option(item, "delaySeconds", batch_delay)
            prepared.append((kind, v.encode(option(item, "body"), kind), self._delay(delay)))
        total = sum(len(data) for _, data, _ in prepared)
        if total > QUEUE_LIMITS.max_batch_bytes:
            raise JsException(
                "Error",
                f"Queue sendBatch failed: batch size of {total} bytes exceeds limit of "
                f"{QUEUE_LIMITS.max_batch_bytes}",
            )
        self._send_op()
        for kind, data, delay in prepared:
            self.broker.enqueue(self.queue, kind, data, delay)
