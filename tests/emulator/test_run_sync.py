"""``pyodide.ffi.run_sync`` blocks on an awaitable inside a request, as JSPI lets it on the
platform (django_cf's D1 backend runs every query so), without stalling the isolate's other
requests; outside a request it raises Pyodide's error."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from workers_emulator.runtime.pyodide import ffi

from tests.support.worker_files import worker_emulator

WORKER = """
import asyncio

from pyodide.ffi import can_run_sync, run_sync
from workers import Response, WorkerEntrypoint

AT_TOP_LEVEL = can_run_sync()


async def slow_value(seconds):
    await asyncio.sleep(seconds)
    return f"waited {seconds}"


async def failing():
    await asyncio.sleep(0)
    raise ValueError("from the awaitable")


def sync_code(seconds):
    # A library's synchronous function, as django_cf's cursor.execute is.
    return run_sync(slow_value(seconds))


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = request.url.rsplit("/", 1)[1]
        if path == "state":
            return Response(f"{AT_TOP_LEVEL} {can_run_sync()}")
        if path == "raises":
            try:
                run_sync(failing())
            except ValueError as exc:
                return Response(f"caught {exc}")
        if path == "d1":
            row = run_sync(self.env.DB.prepare("SELECT 40 + 2 AS n").first())
            return Response(str(row.n))
        return Response(sync_code(float(path)))
"""

D1 = '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "db"\ndatabase_id = "db-id"\n'


def test_run_sync_inside_a_request_returns_what_the_awaitable_gives(tmp_path: Path) -> None:
    emu = worker_emulator(tmp_path, WORKER, D1)
    with emu.test_client() as client:
        assert client.get("/0.01").text == "waited 0.01"
        assert client.get("/d1").text == "42"
        assert client.get("/raises").text == "caught from the awaitable"
        # Only inside a request: the top level cannot be suspended.
        assert client.get("/state").text == "False True"


def test_a_request_blocked_in_run_sync_does_not_stall_another(tmp_path: Path) -> None:
    emu = worker_emulator(tmp_path, WORKER, D1)

    async def go() -> tuple[float, float, str, str]:
        started = time.monotonic()
        slow = asyncio.ensure_future(emu.fetch("GET", "/1.5"))
        await asyncio.sleep(0.2)  # the slow request is blocked in run_sync by now
        quick = await emu.fetch("GET", "/0")
        quick_done = time.monotonic() - started
        answer = await slow
        return quick_done, time.monotonic() - started, quick.text, answer.text

    quick_done, slow_done, quick, slow = asyncio.run(go())
    assert (quick, slow) == ("waited 0.0", "waited 1.5")
    assert quick_done < 1.0 < 1.4 < slow_done


def test_run_sync_outside_a_request_raises_pyodides_error() -> None:
    async def value() -> int:
        return 1

    awaitable = value()
    assert not ffi.can_run_sync()
    with pytest.raises(RuntimeError, match=r"^Cannot stack switch because the Python entrypoint"):
        ffi.run_sync(awaitable)
    awaitable.close()
