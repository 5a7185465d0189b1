"""Queue consumers under the emulator: batches go when full or when ``max_batch_timeout``
passes on the emulator's clock, ack/retry/ackAll/retryAll as workerd records them, retries up
to ``max_retries`` then the dead-letter queue (or dropped), a throwing handler retries its
whole batch. Delivery is driven by ``Emulator.deliver_queues()``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from workers_emulator import Emulator
from workers_emulator.bindings.queues import QueueDelivery

from tests.support.queue_workers import QUEUE_WORKER, START, queue_emulator, seen


def send(emu: Emulator, *texts: str) -> None:
    for text in texts:
        response = asyncio.run(emu.fetch("POST", "/", body=text))
        assert response.status_code == 200, response.text


def deliver(emu: Emulator) -> list[tuple[str, list[str]]]:
    """Deliver what is due; (queue, bodies) per batch."""
    deliveries = asyncio.run(emu.deliver_queues())
    by_id = {m_id: body for _, m_id, body, _ in seen(emu)}
    return [(d.queue, [by_id[i] for i in d.message_ids]) for d in deliveries]


def run_for(emu: Emulator, seconds: int) -> list[QueueDelivery]:
    """Deliver what falls due while the clock moves ``seconds``, a second at a time."""
    deliveries = asyncio.run(emu.deliver_queues())
    for _ in range(seconds):
        emu.clock.advance(1)
        deliveries += asyncio.run(emu.deliver_queues())
    return deliveries


def test_a_full_batch_goes_at_once_and_the_rest_waits_for_the_timeout(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "a", "b", "c", "d")
    assert deliver(emu) == [("jobs", ["a", "b", "c"])]  # max_batch_size = 3
    emu.clock.advance(1.9)
    assert deliver(emu) == []
    emu.clock.advance(0.1)  # max_batch_timeout = 2 s after the batch went
    assert deliver(emu) == [("jobs", ["d"])]
    assert deliver(emu) == []


def test_a_partial_batch_waits_max_batch_timeout_from_its_first_message(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "a")
    emu.clock.advance(1.5)
    send(emu, "b")
    assert deliver(emu) == []
    emu.clock.advance(0.5)
    assert deliver(emu) == [("jobs", ["a", "b"])]


def test_message_carries_id_timestamp_body_and_attempts(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "a")
    emu.clock.advance(2)
    deliver(emu)
    ((queue, message_id, body, attempts),) = seen(emu)
    assert (queue, body, attempts) == ("jobs", "a", 1)
    assert len(message_id) == 32 and int(message_id, 16) >= 0
    assert asyncio.run(emu.deliver_queues()) == []


def test_retry_redelivers_with_more_attempts_then_dead_letters(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "retry")
    deliveries = run_for(emu, 4)
    # max_retries = 1: the retry waits for a batch again, fails again, and moves to
    # jobs-dlq, whose consumer (batches of 1) gets it at once with attempts counted anew.
    assert [d.queue for d in deliveries][:3] == ["jobs", "jobs", "jobs-dlq"]
    assert deliveries[0].retried == deliveries[1].dead_lettered == deliveries[0].message_ids
    attempts = [(q, b, a) for q, _, b, a in seen(emu)]
    assert attempts[:2] == [("jobs", "retry", 1), ("jobs", "retry", 2)]
    assert attempts[2] == ("jobs-dlq", "retry", 1)
    assert len({m_id for _, m_id, _, _ in seen(emu)}) == 1  # the same message throughout
    assert any(
        line.startswith('Moving message "')
        and line.endswith(
            '" on queue "jobs" to dead letter queue "jobs-dlq" after 2 failed attempts...'
        )
        for line in emu.log_lines
    )


def test_without_a_dead_letter_queue_a_failing_message_is_dropped(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "retry")
    run_for(emu, 10)  # jobs twice, then into jobs-dlq
    # jobs-dlq's consumer has the defaults: 2 retries, so 3 attempts, no dead-letter queue.
    assert [(q, a) for q, _, _, a in seen(emu)] == [
        ("jobs", 1),
        ("jobs", 2),
        ("jobs-dlq", 1),
        ("jobs-dlq", 2),
        ("jobs-dlq", 3),
    ]
    assert any(
        line.startswith('Dropped message "')
        and line.endswith('" on queue "jobs-dlq" after 3 failed attempts!')
        for line in emu.log_lines
    )
    assert emu.queue_broker.backlog("jobs-dlq") == []


def test_retry_delay_holds_the_message_back_on_the_clock(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "retry-later")
    emu.clock.advance(2)
    assert deliver(emu) == [("jobs", ["retry-later"])]
    emu.clock.advance(29)
    assert deliver(emu) == []
    emu.clock.advance(1 + 2)  # visible after 30 s, then the batch timeout
    # The second attempt fails too (max_retries = 1): on to jobs-dlq, a batch of one.
    assert deliver(emu) == [("jobs", ["retry-later"]), ("jobs-dlq", ["retry-later"])]


def test_retry_all_retries_every_message_with_its_delay(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "retryAll", "x")
    emu.clock.advance(2)
    (delivery,) = asyncio.run(emu.deliver_queues())
    assert len(delivery.retried) == 2 and delivery.acked == []
    emu.clock.advance(9)
    assert deliver(emu) == []
    emu.clock.advance(1 + 2)
    assert deliver(emu)[0] == ("jobs", ["retryAll", "x"])


def test_ack_all_acks_every_message_and_retry_after_it_is_ignored(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "ackAll", "retry")
    emu.clock.advance(2)
    (delivery,) = asyncio.run(emu.deliver_queues())
    assert len(delivery.acked) == 2 and delivery.retried == []
    assert any(
        "after ackAll() was already called. Calling retry() on a message after calling "
        "ackAll() has no effect." in line
        for line in emu.log_lines
    )


def test_ack_after_retry_has_no_effect_and_says_so(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "retry-then-ack")
    emu.clock.advance(2)
    (delivery,) = asyncio.run(emu.deliver_queues())[:1]
    assert len(delivery.retried) == 1
    assert any(
        "after retry() was already called. Calling ack() on a message after calling retry() "
        "has no effect." in line
        for line in emu.log_lines
    )


def test_a_handler_that_throws_retries_its_whole_batch(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "ok", "throw")
    deliveries = run_for(emu, 4)
    assert deliveries[0].outcome == "exception"
    assert sorted(deliveries[0].retried) == sorted(deliveries[0].message_ids)
    assert [(b, a) for _, _, b, a in seen(emu)][:4] == [
        ("ok", 1),
        ("throw", 1),
        ("ok", 2),
        ("throw", 2),
    ]
    assert any("ValueError: cannot handle this batch" in line for line in emu.log_lines)


def test_a_message_left_alone_counts_as_acked(tmp_path: Path) -> None:
    emu = queue_emulator(tmp_path)
    send(emu, "leave")
    emu.clock.advance(2)
    (delivery,) = asyncio.run(emu.deliver_queues())
    assert delivery.acked == delivery.message_ids
    assert emu.queue_broker.backlog("jobs") == []


def test_a_worker_without_a_queue_handler_fails_each_delivery(tmp_path: Path) -> None:
    source = """
from workers import Response, WorkerEntrypoint

class Default(WorkerEntrypoint):
    async def fetch(self, request):
        await self.env.JOBS.send("x")
        return Response("sent")
"""
    emu = queue_emulator(tmp_path, source)
    send(emu, "")
    deliveries = run_for(emu, 6)
    # Two failed attempts on jobs, then jobs-dlq's three.
    assert [(d.queue, d.outcome) for d in deliveries] == [
        ("jobs", "exception"),
        ("jobs", "exception"),
        ("jobs-dlq", "exception"),
        ("jobs-dlq", "exception"),
        ("jobs-dlq", "exception"),
    ]
    assert any("Handler does not export a queue() function." in line for line in emu.log_lines)


def test_consumer_defaults_are_wrangler_devs(tmp_path: Path) -> None:
    config = """
[[queues.producers]]
binding = "JOBS"
queue = "jobs"

[[queues.consumers]]
queue = "jobs"
"""
    emu = queue_emulator(tmp_path, config=config)
    send(emu, *"abcdef")
    # 5 messages a batch, 1 s timeout (miniflare's defaults, which wrangler dev keeps).
    assert deliver(emu) == [("jobs", list("abcde"))]
    emu.clock.advance(1)
    assert deliver(emu) == [("jobs", ["f"])]
    assert emu.clock.now() > START


def test_module_level_on_queue_is_the_handler_before_no_global_handlers(tmp_path: Path) -> None:
    source = """
SEEN = []

async def on_fetch(request, env):
    from workers import Response
    await env.JOBS.send("m", contentType="text")
    return Response("sent")

async def on_queue(batch, env):
    SEEN.extend((batch.queue, m.id, m.body, m.attempts) for m in batch.messages)
"""
    emu = queue_emulator(tmp_path, source, date="2025-01-01")
    send(emu, "")
    assert [d.acked == d.message_ids for d in run_for(emu, 2)] == [True]
    assert [(q, b) for q, _, b, _ in seen(emu)] == [("jobs", "m")]
    # A consumer configures the Worker: nothing named after its queue appears on env.
    assert not hasattr(emu.env, "jobs")


def test_a_retry_delay_that_is_no_number_fails_the_handler_clearly(tmp_path: Path) -> None:
    source = QUEUE_WORKER.replace(
        "message.retry(delaySeconds=30)", 'message.retry(delaySeconds="x")'
    )
    emu = queue_emulator(tmp_path, source)
    send(emu, "retry-later")
    (delivery, *_) = run_for(emu, 2)
    assert delivery.outcome == "exception"
    assert any(
        "delaySeconds must be a number of seconds, got 'x'" in line for line in emu.log_lines
    )
