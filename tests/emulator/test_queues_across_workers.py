"""A queue produced to in one Worker and consumed in another of the same dev session
(``workers-emulator dev -c producer -c consumer``): the session's Workers share one broker,
as under wrangler dev, whichever of them is served on the port."""

from __future__ import annotations

import asyncio
import json
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from workers_emulator import Emulator, ManualClock
from workers_emulator.config import ConfigError

from tests.support.devserver import emulator_dev

PRODUCER = """
from urllib.parse import urlsplit

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlsplit(request.url).path
        if path == "/health":
            return Response("ok")
        if path == "/seen":
            return Response.json(await self.env.CONSUMER.seen())
        await self.env.JOBS.send(await request.text(), contentType="text")
        return Response("sent")
"""

CONSUMER = """
from workers import WorkerEntrypoint

SEEN = []


class Default(WorkerEntrypoint):
    async def queue(self, batch, env, ctx):
        for message in batch.messages:
            SEEN.append([batch.queue, message.body, message.attempts])
            message.ack()

    async def seen(self):
        return SEEN
"""

CONSUMES_JOBS = {"consumers": [{"queue": "jobs", "max_batch_timeout": 1}]}


def write(folder: Path, name: str, source: str, **config: Any) -> Path:
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "src" / "entry.py").write_text(textwrap.dedent(source), encoding="utf-8")
    settings = {
        "name": name,
        "main": "src/entry.py",
        "compatibility_date": "2025-06-01",
        "compatibility_flags": ["python_workers"],
        **config,
    }
    path = folder / "wrangler.jsonc"
    path.write_text(json.dumps(settings), encoding="utf-8")
    return path


@pytest.fixture
def configs(tmp_path: Path) -> tuple[Path, Path]:
    producer = write(
        tmp_path / "producer",
        "producer",
        PRODUCER,
        queues={"producers": [{"binding": "JOBS", "queue": "jobs"}]},
        services=[{"binding": "CONSUMER", "service": "consumer"}],
    )
    consumer = write(tmp_path / "consumer", "consumer", CONSUMER, queues=CONSUMES_JOBS)
    return producer, consumer


@pytest.fixture
def session(configs: tuple[Path, Path]) -> Iterator[tuple[Emulator, Emulator]]:
    workers: dict[str, Emulator] = {}
    producer = Emulator(configs[0], workers=workers, clock=ManualClock(start=1_800_000_000.0))
    consumer = Emulator(configs[1], workers=workers)
    try:
        yield producer, consumer
    finally:
        producer.close()
        consumer.close()


def test_the_consumer_worker_gets_what_the_producer_worker_sent(
    session: tuple[Emulator, Emulator],
) -> None:
    producer, consumer = session
    assert producer.queue_broker is consumer.queue_broker
    assert asyncio.run(producer.fetch("POST", "/", body="hello")).text == "sent"
    assert asyncio.run(producer.deliver_queues()) == []  # max_batch_timeout has not passed
    producer.clock.advance(1)  # the broker runs on the clock of the Worker that made it
    (delivery,) = asyncio.run(producer.deliver_queues())
    assert (delivery.queue, delivery.outcome, len(delivery.acked)) == ("jobs", "ok", 1)
    assert consumer.isolate.module.SEEN == [["jobs", "hello", 1]]
    # The broker's line is the consumer's, as wrangler dev prints it for the consumer.
    assert "QUEUE jobs 1/1" in consumer.log_lines
    assert "QUEUE jobs 1/1" not in producer.log_lines


def test_two_workers_consuming_one_queue_are_refused_as_miniflare_refuses_them(
    tmp_path: Path,
) -> None:
    first = write(tmp_path / "one", "one", CONSUMER, queues=CONSUMES_JOBS)
    second = write(tmp_path / "two", "two", CONSUMER, queues=CONSUMES_JOBS)
    workers: dict[str, Emulator] = {}
    refusal = r'^Multiple consumers defined for queue "jobs": "one" and "two"$'
    try:
        Emulator(first, workers=workers)
        with pytest.raises(ConfigError, match=refusal):
            Emulator(second, workers=workers)
    finally:
        for worker in workers.values():
            worker.close()


@pytest.mark.slow
def test_dev_delivers_to_a_consumer_that_is_not_the_served_worker(
    configs: tuple[Path, Path], tmp_path: Path
) -> None:
    producer, consumer = configs
    folder = tmp_path / "dev"
    folder.mkdir()
    with emulator_dev(producer, folder=folder, health_path="/health", beside=[consumer]) as url:
        assert httpx.post(url, content=b"over http").text == "sent"
        deadline = time.monotonic() + 15
        seen = httpx.get(f"{url}/seen").json()
        while not seen and time.monotonic() < deadline:
            time.sleep(0.2)
            seen = httpx.get(f"{url}/seen").json()
    assert seen == [["jobs", "over http", 1]]
    assert "QUEUE jobs 1/1" in (folder / "workers-emulator.log").read_text(encoding="utf-8")
