"""KV namespace behaviour the fast paths must keep: write-rate table pruning, value-only gets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from workers_emulator.bindings.kv import KVNamespace, MemoryKVStore
from workers_emulator.clock import ManualClock
from workers_emulator.errors import JsException

NOW = 1_800_000_000


def test_the_write_rate_holds_across_a_burst_of_many_keys() -> None:
    clock = ManualClock(NOW)
    kv = KVNamespace("KV", MemoryKVStore(), clock=clock)

    async def burst() -> None:
        for i in range(25_000):
            await kv.put(f"k{i}", "v")
            if i % 1000 == 0:
                clock.advance(0.01)  # 25,000 writes within 0.25 s: nothing may be forgotten
        for i in (0, 5_000, 24_999):
            with pytest.raises(JsException, match="KV PUT failed: 429 Too Many Requests"):
                await kv.put(f"k{i}", "again")
        clock.advance(1)
        await kv.put("k0", "later")  # a second later the key may be written again

    asyncio.run(burst())
    assert kv.counters.writes == 25_004
    assert len(kv.entries()) == 25_000


def test_get_and_get_with_metadata_read_the_same_entry() -> None:
    kv = KVNamespace("KV", MemoryKVStore(), clock=ManualClock(NOW))

    async def body() -> Any:
        await kv.put("k", '{"a": 1}', metadata={"m": [1, "x", None]}, expirationTtl=60)
        return (
            await kv.get("k"),
            await kv.get("k", "json"),
            await kv.getWithMetadata("k", type="json"),
            await kv.get("missing"),
        )

    text, parsed, with_metadata, missing = asyncio.run(body())
    assert text == '{"a": 1}'
    assert parsed == {"a": 1}
    assert with_metadata == {
        "value": {"a": 1},
        "metadata": {"m": [1, "x", None]},
        "cacheStatus": None,
    }
    assert missing is None
    assert kv.counters.reads == 4


def test_binding_calls_yield_so_concurrent_requests_interleave() -> None:
    """A real KV or rate-limiter call is I/O: other requests run while it is in flight. The
    emulator keeps that (one event-loop turn per call), so a read-modify-write race between two
    requests shows here as it would on the platform: both read 0, both write 1."""
    from workers_emulator.bindings.ratelimit import RateLimiter

    clock = ManualClock(NOW)
    kv = KVNamespace("KV", MemoryKVStore(), clock=clock, enforce_write_rate=False)
    limiter = RateLimiter("LIMITER", 10, 60, clock=clock)
    steps: list[str] = []

    async def request(name: str) -> None:
        await limiter.limit(key="k")
        steps.append(f"{name} limited")
        count = int(await kv.get("counter") or 0)
        steps.append(f"{name} read {count}")
        await kv.put("counter", str(count + 1))
        steps.append(f"{name} wrote {count + 1}")

    async def both() -> None:
        await kv.put("counter", "0")
        await asyncio.gather(request("A"), request("B"))

    asyncio.run(both())
    assert steps == [
        "A limited",
        "B limited",
        "A read 0",
        "B read 0",
        "A wrote 1",
        "B wrote 1",
    ]
    assert kv.entries()[0].value == b"1"
