"""Fault injection (deterministic, never a half write) and the Rate Limiting binding."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from workers_emulator.bindings.kv import KVNamespace, MemoryKVStore
from workers_emulator.bindings.ratelimit import RateLimiter
from workers_emulator.clock import ManualClock
from workers_emulator.errors import JsException
from workers_emulator.faults import FaultInjector
from workers_emulator.invocation import TOO_MANY_OPERATIONS_MESSAGE, Invocation, OpCounts

NOW = 1_800_000_000


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def outcomes(seed: int) -> list[str]:
    kv = KVNamespace(
        "KV",
        MemoryKVStore(),
        clock=ManualClock(NOW),
        faults=FaultInjector(0.3, seed),
        enforce_write_rate=False,
    )

    async def body() -> list[str]:
        out = []
        for i in range(40):
            try:
                await kv.put(f"k{i}", "v")
                out.append("ok")
            except JsException as exc:
                out.append(str(exc))
        return out

    return run(body())


def test_faults_are_deterministic_per_seed() -> None:
    first = outcomes(7)
    assert first == outcomes(7)
    assert first != outcomes(8)
    failures = [o for o in first if o != "ok"]
    assert 3 <= len(failures) <= 25
    assert set(failures) == {"Error: KV PUT failed: 500 Internal Server Error"}


def test_a_failed_put_stores_nothing() -> None:
    kv = KVNamespace("KV", MemoryKVStore(), clock=ManualClock(NOW), enforce_write_rate=False)

    async def body() -> None:
        await kv.put("k", "old", metadata={"v": 1})
        kv.faults = FaultInjector(1.0, 0, ops=("write",))
        with pytest.raises(JsException, match="KV PUT failed: 500"):
            await kv.put("k", "new", metadata={"v": 2})
        kv.faults = None

    run(body())
    assert [(e.value, e.metadata) for e in kv.entries()] == [(b"old", {"v": 1})]


@pytest.mark.parametrize(
    ("kind", "call", "wire"),
    [
        ("read", lambda kv: kv.get("k"), "GET"),
        ("read", lambda kv: kv.get(["k"]), "GET_BULK"),
        ("delete", lambda kv: kv.delete("k"), "DELETE"),
        ("list", lambda kv: kv.list(), "GET"),
    ],
)
def test_faults_only_hit_the_chosen_kinds(kind: str, call: Any, wire: str) -> None:
    kv = KVNamespace(
        "KV", MemoryKVStore(), clock=ManualClock(NOW), faults=FaultInjector(1.0, 0, ops=(kind,))
    )
    with pytest.raises(JsException) as info:
        run(call(kv))
    assert str(info.value) == f"Error: KV {wire} failed: 500 Internal Server Error"
    run(kv.put("other", "v"))  # writes are not targeted
    assert kv.faults is not None and kv.faults.injected == 1


def test_fault_injector_validates_arguments() -> None:
    with pytest.raises(ValueError):
        FaultInjector(1.5, 0)
    with pytest.raises(ValueError):
        FaultInjector(0.5, 0, ops=("reads",))  # type: ignore[arg-type]


# -- rate limiter -----------------------------------------------------------------------------


def test_rate_limiter_allows_limit_calls_per_window_per_key() -> None:
    clock = ManualClock(NOW)  # NOW is a multiple of 60: a window starts here
    limiter = RateLimiter("LIMITER", 3, 60, clock=clock)

    async def calls(key: str, n: int) -> list[bool]:
        return [(await limiter.limit(key=key))["success"] for _ in range(n)]

    assert run(calls("a", 5)) == [True, True, True, False, False]
    assert run(calls("b", 1)) == [True]  # keys are independent
    clock.advance(59.9)
    assert run(calls("a", 1)) == [False]
    clock.advance(0.1)  # a new fixed window
    assert run(calls("a", 4)) == [True, True, True, False]


def test_rate_limiter_result_is_a_jsdict() -> None:
    limiter = RateLimiter("LIMITER", 1, 10, clock=ManualClock(NOW))
    result = run(limiter.limit(key="k"))
    assert result == {"success": True}
    assert result.success is True
    assert run(limiter.limit({"key": "k"})).success is False  # JS-style options object


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda rl: rl.limit(), "Error: invalid rate limit options"),
        (lambda rl: rl.limit(key=5), "Error: invalid key: 5"),
        (lambda rl: rl.limit(key=None), "Error: invalid key: null"),
    ],
)
def test_rate_limiter_argument_errors(call: Any, message: str) -> None:
    limiter = RateLimiter("LIMITER", 1, 10, clock=ManualClock(NOW))
    with pytest.raises(JsException) as info:
        run(call(limiter))
    assert str(info.value) == message
    assert limiter.counters == OpCounts()  # refused in the isolate: no operation left it


def test_every_limit_call_is_one_write_refused_or_not() -> None:
    limiter = RateLimiter("LIMITER", 1, 10, clock=ManualClock(NOW))
    invocation = Invocation()

    async def calls() -> list[bool]:
        with invocation.activate():
            return [(await limiter.limit(key="k"))["success"] for _ in range(3)]

    assert run(calls()) == [True, False, False]
    assert invocation.counts("LIMITER") == limiter.counters == OpCounts(writes=3)


def test_limit_calls_count_against_the_per_invocation_cap() -> None:
    limiter = RateLimiter("LIMITER", 10, 10, clock=ManualClock(NOW))
    invocation = Invocation(max_operations=1)

    async def calls() -> None:
        with invocation.activate():
            await limiter.limit(key="k")
            await limiter.limit(key="k")

    with pytest.raises(JsException, match=TOO_MANY_OPERATIONS_MESSAGE):
        run(calls())
    assert limiter.counters == OpCounts(writes=1)  # the refused call never left the isolate


def test_an_injected_fault_fails_limit_and_spends_no_budget() -> None:
    limiter = RateLimiter("LIMITER", 1, 10, clock=ManualClock(NOW))
    limiter.faults = FaultInjector(1.0, 0)
    with pytest.raises(JsException) as info:
        run(limiter.limit(key="k"))
    assert str(info.value) == "Error: Network connection lost."
    limiter.faults = None
    assert run(limiter.limit(key="k"))["success"] is True


@pytest.mark.parametrize(("limit", "period"), [(1, 30), (1, 0), (0, 60), (-1, 10), ("2", 10)])
def test_rate_limiter_config_is_validated(limit: Any, period: Any) -> None:
    with pytest.raises(ValueError, match="must be"):
        RateLimiter("LIMITER", limit, period, clock=ManualClock(NOW))


def test_rate_limiter_accepts_a_fractional_limit_like_wrangler() -> None:
    limiter = RateLimiter("LIMITER", 1.5, 10, clock=ManualClock(NOW))
    assert [limiter.hit("k") for _ in range(3)] == [True, True, False]
