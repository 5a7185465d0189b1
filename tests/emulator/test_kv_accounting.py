"""Operation counting: per invocation (with the 1000-operation cap) and cumulative."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from workers_emulator.bindings.kv import KVNamespace, MemoryKVStore
from workers_emulator.clock import ManualClock
from workers_emulator.errors import JsException
from workers_emulator.invocation import Invocation, OpCounts

NOW = 1_800_000_000


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def make_kv(name: str = "KV") -> KVNamespace:
    return KVNamespace(name, MemoryKVStore(), clock=ManualClock(NOW), enforce_write_rate=False)


def test_each_kind_is_counted_on_the_invocation_and_cumulatively() -> None:
    kv = make_kv()
    invocation = Invocation()

    async def body() -> None:
        with invocation.activate():
            await kv.put("a", "1")
            await kv.get("a")
            await kv.getWithMetadata("a")
            await kv.get(["a", "b", "c"])  # bulk: one read
            await kv.list()
            await kv.delete("a")

    run(body())
    expected = OpCounts(reads=3, writes=1, deletes=1, lists=1)
    assert invocation.counts("KV") == expected
    assert invocation.total == 6
    assert kv.counters == expected
    assert kv.counters.total == 6


def test_operations_outside_a_request_are_counted_but_not_capped() -> None:
    kv = make_kv()
    assert Invocation.current() is None

    async def body() -> None:
        for i in range(1100):
            await kv.get(f"k{i}")

    run(body())
    assert kv.counters.reads == 1100
    kv.reset_counters()
    assert kv.counters == OpCounts()


def test_the_1001st_operation_of_an_invocation_fails() -> None:
    kv, other = make_kv("KV"), make_kv("OTHER")
    invocation = Invocation()
    errors: list[JsException] = []

    async def body() -> None:
        with invocation.activate():
            for i in range(999):
                await kv.get(f"k{i}")
            await other.put("x", "1")  # the cap is shared by every binding
            try:
                await kv.get("one-too-many")
            except JsException as exc:
                errors.append(exc)
            with pytest.raises(JsException):
                await other.list()

    run(body())
    assert invocation.total == 1000
    assert [str(e) for e in errors] == ["Error: Too many API requests by single worker invocation."]
    assert kv.counters.reads == 999  # refused operations never left the isolate
    assert invocation.counts("OTHER") == OpCounts(writes=1)


def test_type_errors_spend_no_operation_but_service_errors_do() -> None:
    kv = make_kv()
    invocation = Invocation()

    async def body() -> None:
        with invocation.activate():
            with pytest.raises(JsException):
                await kv.get("")
            with pytest.raises(JsException):
                await kv.put("k" * 513, "v")

    run(body())
    assert invocation.counts("KV") == OpCounts(writes=1)


def test_concurrent_requests_have_separate_invocations() -> None:
    kv = make_kv()
    first, second = Invocation(), Invocation()

    async def request(invocation: Invocation, n: int) -> None:
        with invocation.activate():
            for i in range(n):
                await kv.get(f"k{i}")  # each get yields, so the two interleave

    async def body() -> None:
        await asyncio.gather(request(first, 5), request(second, 7))

    run(body())
    assert first.counts("KV").reads == 5
    assert second.counts("KV").reads == 7
    assert kv.counters.reads == 12


def test_opcounts_arithmetic() -> None:
    a = OpCounts(reads=1, writes=2)
    b = OpCounts(deletes=3, lists=4)
    assert (a + b).total == 10
    c = a.copy()
    c.add("read")
    assert a.reads == 1 and c.reads == 2
