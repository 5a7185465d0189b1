"""How the emulator builds the Queues bindings: one broker per dev session, a ``Queue`` on
``env`` per ``queues.producers`` entry; a ``queues.consumers`` entry configures the broker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config import BindingConfig
from .broker import QueueBroker
from .config import queue_compat, queue_producer
from .producer import Queue

if TYPE_CHECKING:
    from ..providers import BindingHost


def queue_broker(host: BindingHost) -> QueueBroker:
    """The dev session's broker (made on first use, on that Worker's clock): each Worker of
    the session registers the queues it consumes with it (``QueueBroker.add_consumers``)."""
    broker: QueueBroker = host.session_shared("queues", "broker", lambda: QueueBroker(host.clock))
    return broker


def provide_queue_producer(binding: BindingConfig, host: BindingHost) -> Queue:
    producer = queue_producer(host.config, binding)
    return Queue(
        binding.name,
        producer.queue,
        queue_broker(host),
        delivery_delay=producer.delivery_delay,
        compat=queue_compat(host.config),
    )


def provide_queue_consumer(binding: BindingConfig, host: BindingHost) -> QueueBroker:
    """Nothing on ``env``: the consumer's settings live in the broker."""
    return queue_broker(host)
