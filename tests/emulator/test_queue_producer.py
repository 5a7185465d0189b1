"""The Queue producer binding under the emulator: what ``send``/``sendBatch`` accept, how a
refusal reads (and that it enqueues nothing), delays, content types by compatibility date,
operation counts, fault injection, and the config and banner it comes from."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from workers_emulator import ConfigError, Emulator, JsException
from workers_emulator.bindings.queues import QUEUE_LIMITS
from workers_emulator.runtime.js import Object, Uint8Array
from workers_emulator.runtime.jsproxy import to_js
from workers_emulator.server import banner

from tests.support.queue_workers import QUEUE_CONFIG, START, queue_emulator


def js(value: Any) -> Any:
    return to_js(value, dict_converter=Object.fromEntries)


def refusal(call: Callable[[], Awaitable[None]]) -> str:
    with pytest.raises(JsException) as caught:
        asyncio.run(call())
    return str(caught.value)


def backlog(emu: Emulator, queue: str = "jobs") -> list[Any]:
    return [m.body.value for m in emu.queue_broker.backlog(queue)]


@pytest.fixture
def emu(tmp_path: Path) -> Emulator:
    return queue_emulator(tmp_path)


def test_refusals_read_as_workerds_and_enqueue_nothing(emu: Emulator) -> None:
    q = emu.queue("JOBS")
    big = "x" * (QUEUE_LIMITS.max_message_bytes + 1)
    cases = {
        "TypeError: Message body cannot be undefined": lambda: q.send(None),
        "TypeError: Unsupported queue message content type: XML": lambda: q.send(
            "x", contentType="XML"
        ),
        'TypeError: Content Type "text" requires a value of type string, but received: '
        "number": lambda: q.send(5, contentType="text"),
        'TypeError: Content Type "bytes" requires a value of type ArrayBufferView, but '
        "received: string": lambda: q.send("x", contentType="bytes"),
        "TypeError: sendBatch() requires at least one message": lambda: q.sendBatch(js([])),
        "Error: Queue send failed: message length of 128001 bytes exceeds limit of 128000": (
            lambda: q.send(big, contentType="text")
        ),
        "Error: Queue send failed: Internal Server Error": lambda: q.send("x", delaySeconds=-1),
        "Error: Queue sendBatch failed: batch message count of 101 exceeds limit of 100": (
            lambda: q.sendBatch(js([{"body": i} for i in range(101)]))
        ),
        "Error: Queue sendBatch failed: batch size of 300000 bytes exceeds limit of 288000": (
            lambda: q.sendBatch(js([{"body": "y" * 100_000, "contentType": "text"}] * 3))
        ),
    }
    for message, call in cases.items():
        assert refusal(call) == message
    assert backlog(emu) == []


def test_refused_before_leaving_the_isolate_counts_no_operation(emu: Emulator) -> None:
    q = emu.queue("JOBS")
    refusal(lambda: q.send(5, contentType="text"))
    assert q.counters.writes == 0
    refusal(lambda: q.send("x", delaySeconds=1.5))  # the broker refuses: it was sent
    assert q.counters.writes == 1


def test_a_plain_python_dict_is_refused_with_what_to_do(emu: Emulator) -> None:
    q = emu.queue("JOBS")
    assert "to_js(value, dict_converter=js.Object.fromEntries)" in refusal(lambda: q.send({"a": 1}))
    # In a batch, a dict's keys are no properties for JavaScript: its body is undefined.
    assert refusal(lambda: q.sendBatch([{"body": "x"}])) == (
        "TypeError: Message body cannot be undefined"
    )
    assert backlog(emu) == []


def test_bodies_are_kept_serialized_per_content_type(emu: Emulator) -> None:
    q = emu.queue("JOBS")

    async def produce() -> None:
        await q.send(js({"a": [1, 2.5, "b"]}))
        await q.send("t", contentType="TEXT")
        await q.send(Uint8Array([1, 2]), contentType="bytes")
        await q.sendBatch(js([{"body": 3}, {"body": "u", "contentType": "text"}]))

    asyncio.run(produce())
    assert backlog(emu) == ['{"a":[1,2.5,"b"]}', "t", b"\x01\x02", "3", "u"]
    types = [m.body.content_type for m in emu.queue_broker.backlog("jobs")]
    assert types == ["json", "text", "bytes", "json", "text"]


def test_delays_hold_messages_until_the_clock_passes_them(tmp_path: Path) -> None:
    config = QUEUE_CONFIG.replace('queue = "jobs"\n', 'queue = "jobs"\ndelivery_delay = 60\n', 1)
    emu = queue_emulator(tmp_path, config=config)
    q = emu.queue("JOBS")

    async def produce() -> None:
        await q.send("default", contentType="text")  # the producer's delivery_delay
        await q.send("own", contentType="text", delaySeconds=5)
        await q.sendBatch(js([{"body": "batch"}]), delaySeconds=10)

    asyncio.run(produce())
    emu.clock.advance(5 + 2)  # visible after 5 s, delivered after the 2 s batch timeout
    asyncio.run(emu.deliver_queues())
    assert [body for _, _, body, _ in emu.isolate.module.SEEN] == ["own"]
    emu.clock.advance(60)
    asyncio.run(emu.deliver_queues())
    bodies = [body for _, _, body, _ in emu.isolate.module.SEEN]
    assert bodies == ["own", "batch", "default"]


def test_each_send_is_one_operation_of_the_request(emu: Emulator) -> None:
    response = asyncio.run(emu.fetch("POST", "/", body="hello"))
    assert response.kv_ops["JOBS"].writes == 1
    assert emu.queue("JOBS").counters.writes == 1


def test_injected_faults_fail_sends_as_the_broker_would(emu: Emulator) -> None:
    emu.inject_faults(rate=1.0, ops=("write",))
    q = emu.queue("JOBS")
    assert refusal(lambda: q.send("x")) == "Error: Queue send failed: Internal Server Error"
    assert refusal(lambda: q.sendBatch(js([{"body": 1}]))) == (
        "Error: Queue sendBatch failed: Internal Server Error"
    )
    assert backlog(emu) == []


def test_a_queue_without_a_consumer_drops_what_it_is_sent(emu: Emulator) -> None:
    q = emu.queue("LOST")
    asyncio.run(q.send("z" * (QUEUE_LIMITS.max_message_bytes + 10), contentType="text"))
    assert emu.queue_broker.backlog("unconsumed") == []


def test_compatibility_date_picks_default_type_and_error_wording(tmp_path: Path) -> None:
    old = queue_emulator(tmp_path / "old", date="2024-03-17")
    asyncio.run(old.queue("JOBS").send(js({"a": 1})))
    assert [m.body.content_type for m in old.queue_broker.backlog("jobs")] == ["v8"]
    new = queue_emulator(tmp_path / "new", date="2026-03-12")
    assert refusal(lambda: new.queue("JOBS").send("x", delaySeconds=-1)) == (
        "Error: Unknown Internal Error (15000)"
    )


def test_consumer_settings_out_of_range_are_config_errors(tmp_path: Path) -> None:
    config = QUEUE_CONFIG.replace("max_batch_size = 3", "max_batch_size = 101")
    with pytest.raises(ConfigError, match="`max_batch_size` must be a whole number from 0 to 100"):
        queue_emulator(tmp_path, config=config)


def test_dev_banner_lists_the_producers_with_their_queues(emu: Emulator) -> None:
    lines = banner(emu)
    assert any(line.split() == ["env.JOBS", "(jobs)", "Queue", "local"] for line in lines), lines
    assert pytest.approx(emu.clock.now()) == START
