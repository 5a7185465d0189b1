"""Sync HTTP clients inside a request (requests, urllib3, httpx.Client, urllib) work, as on the
platform, and never stall the isolate's other requests: while one request waits on a slow
origin, another is answered, and each request's binding operations stay its own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from workers_emulator import Emulator

from tests.support.origin import origin_server
from tests.support.worker_files import worker_emulator

WORKER = """
import time
import urllib.request

import httpx
import requests
import urllib3
from workers import Response, WorkerEntrypoint


def call(client, url):
    if client == "requests":
        r = requests.get(url, timeout=10)
        return r.status_code, r.text
    if client == "urllib3":
        r = urllib3.PoolManager().request("GET", url, timeout=10.0)
        return r.status, r.data.decode()
    if client == "httpx.Client":
        with httpx.Client() as c:
            r = c.get(url, timeout=10.0)
        return r.status_code, r.text
    if client == "urllib":
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    if client == "sleep":
        time.sleep(float(url))
        return 200, "slept"
    raise ValueError(client)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        client = request.headers.get("x-client")
        if client is None:
            await self.env.KV.put("quick", "1")
            return Response("quick")
        status, text = call(client, request.headers.get("x-url"))
        await self.env.KV.put(client, text)
        return Response(f"{status} {text}")
"""

KV = '[[kv_namespaces]]\nbinding = "KV"\nid = "kv"\n'
CLIENTS = ["requests", "urllib3", "httpx.Client", "urllib"]


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with origin_server() as url:
        yield url


@pytest.fixture
def emu(tmp_path: Path) -> Emulator:
    return worker_emulator(tmp_path, WORKER, KV)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_sync_client_inside_a_request_reaches_the_origin(emu, origin, client) -> None:
    with emu.test_client() as http:
        r = http.get("/", headers={"x-client": client, "x-url": f"{origin}/hello"})
    assert (r.status_code, r.text) == (200, "200 hello from the origin")


@pytest.mark.parametrize("client", [*CLIENTS, "sleep"])
def test_a_request_waiting_on_a_sync_call_does_not_stall_another(emu, origin, client) -> None:
    url = "1.5" if client == "sleep" else f"{origin}/slow?seconds=1.5"

    async def go() -> tuple[float, float, object, object]:
        started = time.monotonic()
        slow = asyncio.ensure_future(emu.fetch("GET", "/", {"x-client": client, "x-url": url}))
        await asyncio.sleep(0.2)  # the slow request is inside its sync call by now
        quick = await emu.fetch("GET", "/")
        quick_done = time.monotonic() - started
        answer = await slow
        return quick_done, time.monotonic() - started, quick, answer

    quick_done, slow_done, quick, slow = asyncio.run(go())
    assert quick.text == "quick"  # type: ignore[attr-defined]
    assert quick_done < 1.0 < 1.4 < slow_done  # answered while the other one waited
    assert slow.status_code == 200  # type: ignore[attr-defined]
    # Each request counted its own write, although they interleaved.
    assert quick.kv_ops["KV"].writes == 1  # type: ignore[attr-defined]
    assert slow.kv_ops["KV"].writes == 1  # type: ignore[attr-defined]


def test_sync_calls_outside_requests_are_untouched(origin) -> None:
    import requests

    assert requests.get(f"{origin}/hello", timeout=5).text == "hello from the origin"


def test_a_failing_sync_call_raises_in_the_handler_as_it_would_without_the_emulator(
    tmp_path: Path,
) -> None:
    from tests.support.devserver import free_port

    emu = worker_emulator(
        tmp_path,
        f"""
        import requests
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self):
                try:
                    requests.get("http://127.0.0.1:{free_port()}/", timeout=5)
                except requests.ConnectionError as exc:
                    return Response(type(exc).__name__)
                return Response("reached")
        """,
    )
    with emu.test_client() as http:
        assert http.get("/").text == "ConnectionError"


def test_wait_until_work_sleeping_does_not_stall_the_next_request(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        import time
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                if request.url.endswith("/later"):
                    async def later():
                        time.sleep(1.5)
                    self.ctx.waitUntil(later())
                return Response("answered")
        """,
    )

    async def go() -> tuple[float, str]:
        started = time.monotonic()
        later = asyncio.ensure_future(emu.fetch("GET", "/later"))
        await asyncio.sleep(0.2)  # its waitUntil work is sleeping by now
        quick = await emu.fetch("GET", "/")
        elapsed = time.monotonic() - started
        await later
        return elapsed, quick.text

    elapsed, text = asyncio.run(go())
    assert text == "answered" and elapsed < 1.0


def test_a_cancelled_request_leaves_its_sync_call_and_the_loop_usable(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        import time
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                if request.url.endswith("/slow"):
                    time.sleep(5)
                return Response("fine")
        """,
    )

    async def go() -> str:
        slow = asyncio.ensure_future(emu.fetch("GET", "/slow"))
        await asyncio.sleep(0.2)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        return (await emu.fetch("GET", "/")).text

    assert asyncio.run(go()) == "fine"


def test_sync_clients_over_tls_wait_without_stalling_another_request(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path / "worker",
        """
        import requests
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                target = request.headers.get("x-url")
                if target is None:
                    return Response("quick")
                answer = requests.get(target, verify=request.headers.get("x-ca"), timeout=10)
                return Response(answer.text)
        """,
    )
    with origin_server(tls_folder=tmp_path) as origin:
        assert origin.startswith("https://")
        headers = {"x-url": f"{origin}/slow?seconds=1.5", "x-ca": str(tmp_path / "origin.crt")}

        async def go() -> tuple[float, str, str]:
            started = time.monotonic()
            slow = asyncio.ensure_future(emu.fetch("GET", "/", headers))
            await asyncio.sleep(0.3)  # the slow request is reading its answer by now
            quick = await emu.fetch("GET", "/")
            elapsed = time.monotonic() - started
            return elapsed, quick.text, (await slow).text

        elapsed, quick, slow = asyncio.run(go())
    assert (quick, slow) == ("quick", "slow answer")
    assert elapsed < 1.0
