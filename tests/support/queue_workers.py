"""A Python Worker with a Queue producer and consumer for the emulator's Queues tests: the
consumer records each delivery in ``SEEN`` and does what the message's text says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workers_emulator import Emulator, ManualClock

from .worker_files import worker_emulator

START = 1_800_000_000.0

QUEUE_WORKER = """
from workers import Response, WorkerEntrypoint

SEEN = []


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        text = await request.text()
        await self.env.JOBS.send(text, contentType="text")
        return Response("sent")

    async def queue(self, batch, env, ctx):
        for message in batch.messages:
            SEEN.append((batch.queue, message.id, message.body, message.attempts))
        for message in batch.messages:
            order = message.body if isinstance(message.body, str) else ""
            if order == "retry":
                message.retry()
            elif order == "retry-later":
                message.retry(delaySeconds=30)
            elif order == "retry-then-ack":
                message.retry()
                message.ack()
            elif order == "retryAll":
                batch.retryAll(delaySeconds=10)
            elif order == "ackAll":
                batch.ackAll()
            elif order == "throw":
                raise ValueError("cannot handle this batch")
            elif order != "leave":
                message.ack()
"""

QUEUE_CONFIG = """
[[queues.producers]]
binding = "JOBS"
queue = "jobs"

[[queues.producers]]
binding = "LOST"
queue = "unconsumed"

[[queues.consumers]]
queue = "jobs"
max_batch_size = 3
max_batch_timeout = 2
max_retries = 1
dead_letter_queue = "jobs-dlq"

[[queues.consumers]]
queue = "jobs-dlq"
max_batch_size = 1
"""


def queue_emulator(
    folder: Path, source: str = QUEUE_WORKER, config: str = QUEUE_CONFIG, **kwargs: Any
) -> Emulator:
    """The queue Worker under an Emulator on a ManualClock at ``START``."""
    kwargs.setdefault("clock", ManualClock(start=START))
    return worker_emulator(folder, source, config, **kwargs)


def seen(emu: Emulator) -> list[tuple[str, str, Any, int]]:
    """What the consumer recorded: (queue, message id, body, attempts) per delivery."""
    records: list[tuple[str, str, Any, int]] = emu.isolate.module.SEEN
    return records
