"""A Durable Object's input gate: events are delivered in the order they were made, and none
runs inside another's storage transaction or ``blockConcurrencyWhile``."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from workers_emulator import Emulator
from workers_emulator.bindings.durable_objects.gates import InputGate

from tests.support.durable_objects import WORKER, start


@pytest.fixture
def emulator() -> Emulator:
    warnings.simplefilter("ignore")
    return start(WORKER / "wrangler.jsonc")


def events(emulator: Emulator, name: str) -> list[str]:
    return list(emulator.isolate.module.EVENTS.get(name, []))


def test_no_other_event_runs_inside_a_transaction(emulator: Emulator) -> None:
    rooms = emulator.durable_objects("ROOMS")
    stub: Any = rooms.get(rooms.idFromName("t"))

    async def scenario() -> None:
        await asyncio.gather(stub.log_in_transaction("t", "A", 5), stub.log("t", "B", 0))

    asyncio.run(scenario())
    assert events(emulator, "t") == ["A:start", "A:end", "B:start", "B:end"]


def test_outside_transactions_events_interleave_at_awaits(emulator: Emulator) -> None:
    rooms = emulator.durable_objects("ROOMS")
    stub: Any = rooms.get(rooms.idFromName("i"))

    async def scenario() -> None:
        await asyncio.gather(stub.log("i", "A", 5), stub.log("i", "B", 0))

    asyncio.run(scenario())
    assert events(emulator, "i") == ["A:start", "B:start", "B:end", "A:end"]


def test_events_held_at_the_gate_are_delivered_in_order(emulator: Emulator) -> None:
    rooms = emulator.durable_objects("ROOMS")
    stub: Any = rooms.get(rooms.idFromName("o"))

    async def scenario() -> None:
        await asyncio.gather(
            stub.log_in_transaction("o", "A", 3),
            *(stub.log("o", label, 0) for label in "BCDE"),
        )

    asyncio.run(scenario())
    starts = [e for e in events(emulator, "o") if e.endswith(":start")]
    assert starts == ["A:start", "B:start", "C:start", "D:start", "E:start"]


def test_other_objects_are_not_held_by_a_transaction(emulator: Emulator) -> None:
    rooms = emulator.durable_objects("ROOMS")
    one: Any = rooms.get(rooms.idFromName("x1"))
    two: Any = rooms.get(rooms.idFromName("x2"))

    async def scenario() -> None:
        await asyncio.gather(one.log_in_transaction("x", "A", 5), two.log("x", "B", 0))

    asyncio.run(scenario())
    assert events(emulator, "x") == ["A:start", "B:start", "B:end", "A:end"]


def test_a_failed_transaction_writes_nothing(emulator: Emulator) -> None:
    rooms = emulator.durable_objects("ROOMS")
    state = rooms.get(rooms.idFromName("f"))._state

    async def scenario() -> Any:
        async def body(txn: Any) -> None:
            await txn.put("k", "v")
            raise RuntimeError("no")

        with pytest.raises(RuntimeError):
            await state.storage.transaction(body)
        return await state.storage.get("k")

    assert asyncio.run(scenario()) is None


def test_block_concurrency_while_holds_events_back() -> None:
    gate = InputGate()
    order: list[str] = []

    async def scenario() -> None:
        assert gate.try_close()

        async def event() -> None:
            await gate.enter()
            order.append("event")

        waiting = asyncio.ensure_future(event())
        await asyncio.sleep(0)
        order.append("constructor done")
        gate.open()
        await waiting

    asyncio.run(scenario())
    assert order == ["constructor done", "event"]
