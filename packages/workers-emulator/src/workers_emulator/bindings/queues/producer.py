"""``Queue``: the producer binding a Python Worker finds on ``self.env``, workerd's ``Queue``
seen through Pyodide: ``await env.Q.send(body, contentType=..., delaySeconds=...)`` and
``await env.Q.sendBatch(messages, delaySeconds=...)``.

Each call is one operation (a write) of the request, as KV's are; a fault injector makes a
share of them fail as the broker's 500 would.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from ...errors import JsException
from ...faults import FaultInjector
from ...runtime.jsproxy import JsArray, JsObject, option, with_options
from ..accounting import CountedBinding
from . import validation as v
from .broker import QueueBroker, QueuedMessage, new_message_id
from .config import DEFAULT_COMPAT, QueueCompat


def _field(item: Any, name: str) -> Any:
    """``item[name]`` as JavaScript reads it: a plain Python dict crosses as a PyProxy, whose
    properties are its attributes, so its keys read as ``undefined``."""
    if isinstance(item, JsObject):
        return item._props.get(name)
    return None if isinstance(item, dict) else getattr(item, name, None)


class Queue(CountedBinding):
    """One producer binding, sending to ``queue`` through ``broker``."""

    # workerd's class name for it: the SDK decides by it what to wrap.
    js_name: ClassVar[str] = "WorkerQueue"

    def __init__(
        self,
        binding_name: str,
        queue: str,
        broker: QueueBroker,
        *,
        delivery_delay: int | None = None,
        compat: QueueCompat = DEFAULT_COMPAT,
        faults: FaultInjector | None = None,
    ) -> None:
        super().__init__(binding_name, faults)
        self.queue = queue
        self.broker = broker
        self.delivery_delay = delivery_delay
        self.compat = compat
        self._default_type: v.ContentType = "json" if compat.json_messages else "v8"

    def _send(self, operation: str) -> None:
        if self._count("write"):
            raise self._failed(operation, "Internal Server Error")

    def _failed(self, operation: str, status_text: str) -> JsException:
        return v.send_failed(operation, status_text, self.compat.expose_error_codes)

    def _serialize(self, body: Any, kind: Any) -> v.SerializedBody:
        return v.serialize(body, self._default_type if kind is None else v.content_type(kind))

    async def send(self, body: Any = None, *args: Any, **kwargs: Any) -> None:
        """Send one message (``contentType``: json (default), text, bytes or v8)."""
        options = with_options(args, kwargs)
        opts = options[0] if options else None
        if body is None:
            raise JsException("TypeError", "Message body cannot be undefined")
        kind = option(opts, "contentType")
        serialized = self._serialize(body, kind)
        self._send("send")
        await asyncio.sleep(0)
        if not self.broker.consumes(self.queue):
            return  # no consumer: the local broker drops it, and send() succeeds
        refusal = v.message_too_large(serialized.size)
        if refusal is not None:
            raise self._failed("send", refusal)
        expose = self.compat.expose_error_codes
        delay = v.check_delay(option(opts, "delaySeconds"), "send", expose)
        message = QueuedMessage(new_message_id(), _now_ms(self.broker), serialized)
        self.broker.enqueue(self.queue, [message], _first(delay, self.delivery_delay))

    async def sendBatch(self, messages: Any = None, *args: Any, **kwargs: Any) -> None:
        """Send several messages at once: ``[{body, contentType?, delaySeconds?}, ...]``."""
        options = with_options(args, kwargs)
        opts = options[0] if options else None
        items = list(messages) if isinstance(messages, list | tuple | JsArray) else None
        if items is None:
            raise JsException(
                "TypeError",
                "Failed to execute 'sendBatch' on 'WorkerQueue': parameter 1 is not of type "
                "'Sequence'.",
            )
        if not items:
            raise JsException("TypeError", "sendBatch() requires at least one message")
        prepared: list[tuple[v.SerializedBody, Any]] = []
        for item in items:
            body = _field(item, "body")
            if body is None:
                raise JsException("TypeError", "Message body cannot be undefined")
            kind = _field(item, "contentType")
            serialized = self._serialize(body, kind)
            prepared.append((serialized, _field(item, "delaySeconds")))
        self._send("sendBatch")
        await asyncio.sleep(0)
        if not self.broker.consumes(self.queue):
            return
        refusal = v.batch_too_large([s.size for s, _ in prepared])
        if refusal is not None:
            raise self._failed("sendBatch", refusal)
        expose = self.compat.expose_error_codes
        batch_delay = v.check_delay(option(opts, "delaySeconds"), "sendBatch", expose)
        delays = [v.check_delay(d, "sendBatch", expose) for _, d in prepared]
        now_ms = _now_ms(self.broker)
        for (serialized, _), delay in zip(prepared, delays, strict=True):
            message = QueuedMessage(new_message_id(), now_ms, serialized)
            self.broker.enqueue(
                self.queue, [message], _first(delay, batch_delay, self.delivery_delay)
            )

    def __repr__(self) -> str:
        return f"<Queue {self.queue!r} as env.{self.binding_name}>"


def _first(*delays: int | None) -> int | None:
    return next((d for d in delays if d is not None), None)


def _now_ms(broker: QueueBroker) -> float:
    return float(int(broker.clock.now() * 1000))
