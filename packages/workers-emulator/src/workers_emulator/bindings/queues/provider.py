"""How the emulator builds the Queues bindings: one broker per emulator, a ``Queue`` on
``env`` per ``queues.producers`` entry; a ``queues.consumers`` entry configures the broker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config import BindingConfig
from .broker import QueueBroker
from .config import queue_compat, queue_consumers, queue_producer
from .producer import Queue

if TYPE_CHECKING:
    from ..providers import BindingHost


def queue_broker(host: BindingHost) -> QueueBroker:
    """The emulator's broker (made on first use), knowing every consumer of the config."""
    broker: QueueBroker = host.shared(
        "queues", "broker", lambda: QueueBroker(host.clock, queue_consumers(host.config))
    )
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
