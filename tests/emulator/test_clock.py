"""Clocks, and patching time.time per context."""

from __future__ import annotations

import asyncio
import contextvars
import time

import pytest
from workers_emulator.clock import ManualClock, SystemClock, patched_time


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(start=1000.0)
    assert clock.now() == 1000.0
    assert clock.advance(5) == 1005.0
    clock.advance(days=1)
    assert clock.now() == 1005.0 + 86_400
    clock.set(10.0)
    assert clock.now() == 10.0
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_system_clock_is_real_time() -> None:
    assert abs(SystemClock().now() - time.time()) < 5


def test_patched_time_nests_and_restores() -> None:
    original = time.time
    outer, inner = ManualClock(100.0), ManualClock(200.0)
    with patched_time(outer):
        assert time.time() == 100.0
        with patched_time(inner):
            assert time.time() == 200.0
        assert time.time() == 100.0
        outer.advance(1)
        assert time.time() == 101.0
    assert time.time is original
    assert abs(time.time() - SystemClock().now()) < 5


def test_patched_time_is_per_task() -> None:
    seen: dict[str, list[float]] = {"a": [], "b": [], "none": []}

    async def task(name: str, clock: ManualClock | None) -> None:
        if clock is None:
            for _ in range(3):
                seen[name].append(time.time())
                await asyncio.sleep(0)
            return
        with patched_time(clock):
            for _ in range(3):
                seen[name].append(time.time())
                await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(
            task("a", ManualClock(1.0)), task("b", ManualClock(2.0)), task("none", None)
        )

    asyncio.run(main())
    assert seen["a"] == [1.0] * 3
    assert seen["b"] == [2.0] * 3
    assert all(t > 1_000_000 for t in seen["none"])  # outside any request: real time
    assert time.time() > 1_000_000


def test_patched_time_keeps_an_earlier_patch_underneath(monkeypatch: pytest.MonkeyPatch) -> None:
    def frozen() -> float:
        return 42.0

    monkeypatch.setattr(time, "time", frozen)
    with patched_time(ManualClock(7.0)):
        assert time.time() == 7.0
    assert time.time is frozen


def test_a_sleep_under_a_manual_clock_advances_it_at_once() -> None:
    clock = ManualClock(1000.0)
    original = asyncio.sleep

    async def main() -> tuple[float, float, float]:
        started = SystemClock().now()
        with patched_time(clock):
            await asyncio.sleep(1.5)
            await asyncio.sleep(0)
            seen = time.time()
        return seen, clock.now(), SystemClock().now() - started

    seen, now, waited = asyncio.run(main())
    assert (seen, now) == (1001.5, 1001.5)
    assert waited < 0.5  # virtual time: no real waiting
    assert asyncio.sleep is original


def test_a_sleep_outside_a_manual_clocks_context_really_waits() -> None:
    clock = ManualClock(1000.0)

    async def other_task() -> float:
        started = SystemClock().now()
        await asyncio.sleep(0.05)
        return SystemClock().now() - started

    async def main() -> float:
        with patched_time(clock):
            # Another task (not in this context) keeps real time, and the clock stays put.
            return await asyncio.create_task(other_task(), context=contextvars.Context())

    assert asyncio.run(main()) >= 0.04
    assert clock.now() == 1000.0
