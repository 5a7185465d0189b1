"""How the emulator builds ``env.<binding>`` for ``queues.producers`` and reads
``queues.consumers`` into the broker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...config import BindingConfig, ConfigError
from .broker import ConsumerConfig, QueueBroker
from .limits import QUEUE_LIMITS
from .producer import Queue

if TYPE_CHECKING:
    from ..providers import BindingHost


def broker_of(host: BindingHost) -> QueueBroker:
    """The emulator's one broker (every queue of the Worker)."""
    broker: QueueBroker = host.shared("queues", "broker", lambda: QueueBroker(host.clock))
    return broker


def _number(binding: BindingConfig, key: str, default: float) -> float:
    value = binding.options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"queues: `{key}` of {binding.name!r} must be a non-negative number")
    return float(value)


def provide_queue_producer(binding: BindingConfig, host: BindingHost) -> Queue:
    queue = binding.options.get("queue")
    if not isinstance(queue, str) or not queue:
        raise ConfigError(f"queues.producers {binding.name}: `queue` is required")
    delay = _number(binding, "delivery_delay", 0)
    return Queue(binding.name, queue, broker_of(host), delivery_delay=delay)


def provide_queue_consumer(binding: BindingConfig, host: BindingHost) -> Any:
    """Registers the consumer; nothing goes on env."""
    dlq = binding.options.get("dead_letter_queue")
    consumer = ConsumerConfig(
        queue=binding.name,
        max_batch_size=int(_number(binding, "max_batch_size", QUEUE_LIMITS.default_batch_size)),
        max_batch_timeout=_number(
            binding, "max_batch_timeout", QUEUE_LIMITS.default_batch_timeout_seconds
        ),
        max_retries=int(_number(binding, "max_retries", QUEUE_LIMITS.default_max_retries)),
        dead_letter_queue=str(dlq) if dlq else None,
        retry_delay=_number(binding, "retry_delay", 0),
    )
    broker = broker_of(host)
    broker.consumers[consumer.queue] = consumer
    return broker
