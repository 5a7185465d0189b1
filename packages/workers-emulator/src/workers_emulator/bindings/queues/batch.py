"""What a Python Worker's ``queue(self, batch, env, ctx)`` handler receives: workerd's
``MessageBatch`` and ``Message`` seen through Pyodide, and the answer they record."""

from __future__ import annotations

import copy
import dataclasses
import sys
from typing import Any

from ...errors import JsException
from ...jsjson import parse
from ...runtime.js.buffers import ArrayBuffer
from ...runtime.js.objects import Date
from ...runtime.jsproxy import JsArray, JsObject, JsProxy, option, with_options
from ..jsvalues import js_number
from .validation import SerializedBody


@dataclasses.dataclass
class BatchAnswer:
    """What the handler said about its batch (workerd's ``QueueEventResult``)."""

    ack_all: bool = False
    retry_all: bool = False
    retry_all_delay: int | None = None
    explicit_acks: set[str] = dataclasses.field(default_factory=set)
    # Message id to its retry delay (None: the batch's or the consumer's).
    retries: dict[str, int | None] = dataclasses.field(default_factory=dict)


def _warn(text: str) -> None:
    # workerd logs these as warnings on the console; the invocation's log capture takes them.
    print(text, file=sys.stderr)


def _js_value(value: Any) -> Any:
    """A parsed JSON value as Pyodide hands it over: objects and arrays stay JavaScript."""
    if isinstance(value, dict):
        return JsObject({k: _js_value(v) for k, v in value.items()})
    if isinstance(value, list):
        return JsArray([_js_value(v) for v in value])
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return js_number(value)
    return value


def delivered_body(body: SerializedBody) -> Any:
    """A fresh copy of the body for one delivery, as the consumer sees it."""
    if body.content_type == "text":
        return body.value
    if body.content_type == "bytes":
        return ArrayBuffer(bytes(body.value))
    if body.content_type == "json":
        return _js_value(parse(body.value))
    value = copy.deepcopy(body.value)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return js_number(value) if number else value


def _delay_option(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    options = with_options(args, kwargs)
    delay = option(options[0], "delaySeconds") if options else None
    if delay is None:
        return None
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not delay >= 0:
        raise JsException(
            "TypeError",
            f"workers-emulator: delaySeconds must be a number of seconds, got {delay!r}",
        )
    return int(delay)


class Message(JsProxy):
    """One message of a batch: ``id``, ``timestamp`` (a JS ``Date``), ``body``, ``attempts``,
    ``ack()``, ``retry(delaySeconds=...)``."""

    js_name = "Message"

    def __init__(
        self, id: str, timestamp_ms: float, body: Any, attempts: int, answer: BatchAnswer
    ) -> None:
        self.id = id
        self.timestamp = Date(timestamp_ms)
        self.body = body
        self.attempts = attempts
        self._answer = answer

    def ack(self) -> None:
        answer = self._answer
        if answer.ack_all:
            return
        if answer.retry_all:
            _warn(
                f"Received a call to ack() on message {self.id} after retryAll() was already "
                "called. Calling ack() on a message after calling retryAll() has no effect."
            )
            return
        if self.id in answer.retries:
            _warn(
                f"Received a call to ack() on message {self.id} after retry() was already "
                "called. Calling ack() on a message after calling retry() has no effect."
            )
            return
        answer.explicit_acks.add(self.id)

    def retry(self, *args: Any, **kwargs: Any) -> None:
        answer = self._answer
        if answer.ack_all:
            _warn(
                f"Received a call to retry() on message {self.id} after ackAll() was already "
                "called. Calling retry() on a message after calling ackAll() has no effect."
            )
            return
        if self.id in answer.explicit_acks:
            _warn(
                f"Received a call to retry() on message {self.id} after ack() was already "
                "called. Calling retry() on a message after calling ack() has no effect."
            )
            return
        delay = _delay_option(args, kwargs)
        if delay is not None or self.id not in answer.retries:
            answer.retries[self.id] = delay

    def __repr__(self) -> str:
        return f"<Message {self.id} attempts={self.attempts}>"


class MessageBatch(JsProxy):
    """The batch: ``queue`` (its name), ``messages`` (a JS array), ``ackAll()``,
    ``retryAll(delaySeconds=...)``."""

    js_name = "MessageBatch"

    def __init__(self, queue: str, messages: list[Message], answer: BatchAnswer) -> None:
        self.queue = queue
        self.messages = JsArray(messages)
        self._answer = answer

    def ackAll(self) -> None:
        if self._answer.retry_all:
            _warn(
                "Received a call to ackAll() after retryAll() was already called. "
                "Calling ackAll() after calling retryAll() has no effect."
            )
            return
        self._answer.ack_all = True

    def retryAll(self, *args: Any, **kwargs: Any) -> None:
        if self._answer.ack_all:
            _warn(
                "Received a call to retryAll() after ackAll() was already called. "
                "Calling retryAll() after calling ackAll() has no effect."
            )
            return
        self._answer.retry_all = True
        self._answer.retry_all_delay = _delay_option(args, kwargs)

    def __repr__(self) -> str:
        return f"<MessageBatch {self.queue} of {len(self.messages)}>"
