"""Queues under the Emulator: a producer's ``send``/``sendBatch`` (content types, delays), the
consumer's batches (``max_batch_size``, ``max_batch_timeout``), ``ack``/``retry``, retries up
to ``max_retries`` and then the dead-letter queue, on the emulator's clock."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from workers_emulator import Emulator, ManualClock, OpCounts
from workers_emulator.server import banner
from workers_emulator.testclient import TestClient

WORKER = Path(__file__).parent / "workers" / "queues" / "wrangler.toml"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_700_000_000.0)


@pytest.fixture
def client(clock: ManualClock) -> TestClient:
    warnings.simplefilter("ignore")
    return Emulator(WORKER, clock=clock, secrets={}).test_client()


def batches(client: TestClient) -> list[Any]:
    return json.loads(client.get("/log").text)


def test_a_full_batch_is_delivered_at_once(client: TestClient) -> None:
    client.get("/batch?bodies=1,2,3,4")
    assert client.run_due_queues() == 1
    assert batches(client) == [["jobs", [["1", 1], ["2", 1], ["3", 1]]]]


def test_a_partial_batch_waits_for_max_batch_timeout(
    client: TestClient, clock: ManualClock
) -> None:
    client.get("/send?body=a")
    clock.advance(1.999)
    assert client.run_due_queues() == 0
    clock.advance(0.001)
    assert client.run_due_queues() == 1
    assert batches(client) == [["jobs", [["a", 1]]]]


def test_content_types_carry_their_bodies(client: TestClient, clock: ManualClock) -> None:
    client.get("/send?type=text&body=plain")
    client.get("/send?type=json&body=" + '{"k":[1,true]}')
    client.get("/send?body=v8-string")
    clock.advance(2)
    client.run_due_queues()
    assert batches(client) == [["jobs", [["plain", 1], [{"k": [1, True]}, 1], ["v8-string", 1]]]]


def test_a_bad_content_type_is_refused_and_nothing_is_sent(client: TestClient) -> None:
    answer = client.get("/send?type=yaml&body=x", headers={"accept": "text/plain"})
    assert answer.status_code == 500
    assert answer.text == "TypeError: Unsupported queue message content type: yaml"
    assert answer.kv_ops["JOBS"] == OpCounts()
    assert client.emulator.queue("JOBS").broker.pending("jobs") == 0


def test_a_delayed_message_waits_for_its_delay(client: TestClient, clock: ManualClock) -> None:
    client.get("/send?body=later&delay=10")
    clock.advance(9)
    assert client.run_due_queues() == 0
    clock.advance(1)
    clock.advance(2)  # then the batch timeout
    assert client.run_due_queues() == 1
    assert batches(client) == [["jobs", [["later", 1]]]]


def test_retried_messages_go_to_the_dead_letter_queue(
    client: TestClient, clock: ManualClock
) -> None:
    client.get("/send?body=retry")
    client.get("/send?body=ok")
    for _ in range(3):
        clock.advance(2)
        client.run_due_queues()
    assert batches(client) == [
        ["jobs", [["retry", 1], ["ok", 1]]],
        ["jobs", [["retry", 2]]],  # max_retries = 1: the second failure is the last
        ["jobs-dlq", [["retry", 1]]],
    ]
    assert any(
        'to dead letter queue "jobs-dlq" after 2 failed attempts' in line
        for line in client.emulator.log_lines
    )


def test_a_consumer_that_raises_gets_the_whole_batch_again(
    client: TestClient, clock: ManualClock
) -> None:
    client.get("/batch?bodies=ok,throw")
    clock.advance(2)
    client.run_due_queues()
    clock.advance(2)
    client.run_due_queues()
    assert batches(client)[:2] == [
        ["jobs", [["ok", 1], ["throw", 1]]],
        ["jobs", [["ok", 2], ["throw", 2]]],
    ]
    assert any("consumer failed on purpose" in line for line in client.emulator.log_lines)


def test_messages_neither_acked_nor_retried_count_as_acked(
    client: TestClient, clock: ManualClock
) -> None:
    client.get("/send?body=implicit")
    clock.advance(2)
    client.run_due_queues()
    clock.advance(60)
    assert client.run_due_queues() == 0
    assert batches(client) == [["jobs", [["implicit", 1]]]]


def test_sends_are_counted_and_take_part_in_fault_injection(client: TestClient) -> None:
    assert client.get("/send?body=a").kv_ops["JOBS"] == OpCounts(writes=1)
    assert client.get("/batch?bodies=a,b").kv_ops["JOBS"] == OpCounts(writes=1)
    client.emulator.inject_faults(1.0, ops=["write"])
    answer = client.get("/send?body=b", headers={"accept": "text/plain"})
    assert answer.text == "Error: Queue send failed: Internal Server Error"
    assert client.emulator.queue("JOBS").broker.pending("jobs") == 3


def test_the_consumer_is_not_on_env_and_the_producer_shows_in_the_banner(
    client: TestClient,
) -> None:
    emulator = client.emulator
    assert not hasattr(emulator.env, "jobs")
    rows = [line.split() for line in banner(emulator) if line.startswith("env.")]
    assert ["env.JOBS", "(jobs)", "Queue", "local"] in rows


def test_a_real_clock_delivers_batches_without_being_asked() -> None:
    warnings.simplefilter("ignore")
    emulator = Emulator(WORKER, secrets={})
    client = emulator.test_client()
    client.get("/batch?bodies=1,2,3")
    deadline = time.monotonic() + 5
    while not batches(client) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert batches(client) == [["jobs", [["1", 1], ["2", 1], ["3", 1]]]]
    client.close()
    emulator.close()
