"""Durable Object alarms on the emulator's clock: set, read and fired when due, ``alarm()``
retried after a failure with workerd's backoff (2 s, 4 s, ...; at most 6 retries)."""

from __future__ import annotations

import asyncio
import json
import time
import warnings
from pathlib import Path

import pytest
from workers_emulator import Emulator, ManualClock
from workers_emulator.testclient import TestClient

from tests.support.durable_objects import WORKER, start
from tests.support.worker_files import worker_emulator

START = 1_700_000_000.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def client(clock: ManualClock) -> TestClient:
    warnings.simplefilter("ignore")
    return start(WORKER / "wrangler.jsonc", clock=clock).test_client()


def log(client: TestClient) -> list[list[object]]:
    return json.loads(client.get("/a/alarm-log").text)


def test_an_alarm_fires_once_its_time_has_come(client: TestClient, clock: ManualClock) -> None:
    assert client.get("/a/alarm/10000/0").text == str(int(START * 1000) + 10_000)
    assert client.run_due_alarms() == 0
    clock.advance(9.999)
    assert client.run_due_alarms() == 0
    clock.advance(0.001)
    assert client.run_due_alarms() == 1
    assert log(client) == [[0, False]]
    clock.advance(60)
    assert client.run_due_alarms() == 0


def test_a_failed_alarm_is_retried_with_backoff(client: TestClient, clock: ManualClock) -> None:
    client.get("/a/alarm/0/2")
    assert client.run_due_alarms() == 1  # fails
    clock.advance(1.9)
    assert client.run_due_alarms() == 0
    clock.advance(0.1)  # 2 s after the failure
    assert client.run_due_alarms() == 1  # fails again
    clock.advance(3.9)
    assert client.run_due_alarms() == 0
    clock.advance(0.1)  # 4 s after it
    assert client.run_due_alarms() == 1
    assert log(client) == [[0, False], [1, True], [2, True]]
    assert any("alarm failed on purpose" in line for line in client.emulator.log_lines)


def test_an_alarm_failing_every_time_is_dropped_after_six_retries(
    client: TestClient, clock: ManualClock
) -> None:
    client.get("/a/alarm/0/100")
    for _ in range(7):
        assert client.run_due_alarms() == 1
        clock.advance(3600)
    assert client.run_due_alarms() == 0
    assert [entry[0] for entry in log(client)] == [0, 1, 2, 3, 4, 5, 6]


def test_a_real_clock_fires_alarms_without_being_asked() -> None:
    warnings.simplefilter("ignore")
    emulator: Emulator = start(WORKER / "wrangler.jsonc")
    client = emulator.test_client()
    client.get("/rt/alarm/50/0")
    deadline = time.monotonic() + 5
    while not log_of(client) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log_of(client) == [[0, False]]
    client.close()
    emulator.close()


def log_of(client: TestClient) -> list[list[object]]:
    return json.loads(client.get("/rt/alarm-log").text)


def test_a_persisted_alarm_fires_after_a_restart(clock: ManualClock, tmp_path: Path) -> None:
    warnings.simplefilter("ignore")
    state = tmp_path / "state"
    with start(WORKER / "wrangler.jsonc", clock=clock, persist_to=state) as emulator:
        emulator.test_client().get("/p/alarm/5000/0")
    clock.advance(5)
    with start(WORKER / "wrangler.jsonc", clock=clock, persist_to=state) as emulator:
        client = emulator.test_client()
        assert client.run_due_alarms() == 1
        assert json.loads(client.get("/p/alarm-log").text) == [[0, False]]


def test_the_dev_server_resumes_polling_for_persisted_alarms(tmp_path: Path) -> None:
    warnings.simplefilter("ignore")
    state = tmp_path / "state"
    with start(WORKER / "wrangler.jsonc", persist_to=state) as emulator:
        client = emulator.test_client()
        client.get("/p/alarm/400/0")
        client.close()
    time.sleep(0.5)
    with start(WORKER / "wrangler.jsonc", persist_to=state) as emulator:
        rooms = emulator.durable_objects("ROOMS")

        async def wait_for_alarm() -> list[object]:
            emulator.start_background_work()
            instance = rooms.get(rooms.idFromName("p"))._state.ensure_instance()
            for _ in range(100):
                if instance.alarms:
                    break
                await asyncio.sleep(0.05)
            return list(instance.alarms)

        assert asyncio.run(wait_for_alarm()) == [[0, False]]


def test_an_alarm_is_the_workers_event_and_reads_workers_env(
    clock: ManualClock, tmp_path: Path
) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        from workers import DurableObject, Response, WorkerEntrypoint

        class Box(DurableObject):
            async def arm(self):
                import time

                await self.ctx.storage.setAlarm(time.time() * 1000)

            async def seen(self):
                return await self.ctx.storage.get("seen")

            async def alarm(self):
                from workers import env  # the event's env, as in a request

                await self.ctx.storage.put("seen", env.GREETING)

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                box = self.env.BOX.getByName("one")
                if request.url.endswith("/arm"):
                    await box.arm()
                return Response(str(await box.seen()))
        """,
        """
        [vars]
        GREETING = "hello"

        [durable_objects]
        bindings = [{ name = "BOX", class_name = "Box" }]

        [[migrations]]
        tag = "v1"
        new_sqlite_classes = ["Box"]
        """,
        clock=clock,
    )
    with emu.test_client() as client:
        assert client.get("/arm").text == "None"
        assert client.run_due_alarms() == 1
        assert client.get("/").text == "hello", "\n".join(emu.log_lines)
