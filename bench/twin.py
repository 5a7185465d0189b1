"""The heartbeat's JavaScript twin (``bench/twin/worker.js``) under ``wrangler dev`` (workerd).

The HTTP phase drives it with the same load as ``workers-emulator dev``, so the Python dev
server's throughput, latency and CPU per request come out as ratios to real workerd measured
in the same run, not as absolutes that belong to one machine. Its KV starts from the very
entries the Python Worker wrote for the same licenses (copied from an in-memory emulator).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.inprocess import KV, LEASE_SIGNING_KEY, SRC, Fetcher, make_emulator, set_up

ROOT = Path(__file__).resolve().parent.parent
TWIN = Path(__file__).resolve().parent / "twin"
WRANGLER = ROOT / "node_modules" / ".bin" / "wrangler"
STARTUP_SECONDS = 90
SEED_BATCH = 500


def unavailable() -> str | None:
    """Why the twin cannot run here, or ``None``."""
    if shutil.which("node") is None:
        return "node is not installed (wrangler runs on it)"
    if not WRANGLER.exists():
        return "node_modules/.bin/wrangler is missing: run `npm ci`"
    return None


def lease_jwk() -> str:
    """The bench's lease key as the twin imports it: the seed (``d``), public ``x`` and ``kid``
    exactly as the Python Worker publishes them in its JWKS."""
    import sys

    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    from license_server.lease import LeaseSigner

    signer = LeaseSigner.from_secret(LEASE_SIGNING_KEY)
    assert signer is not None
    public = signer.jwks()["keys"][0]
    seed = base64.urlsafe_b64decode(LEASE_SIGNING_KEY + "=" * (-len(LEASE_SIGNING_KEY) % 4))
    d = base64.urlsafe_b64encode(seed).decode().rstrip("=")
    return json.dumps({"d": d, "x": public["x"], "kid": public["kid"]})


def python_worker(licenses: int) -> tuple[Any, list[str]]:
    """An in-memory emulator of the Python Worker holding the release and ``licenses`` licenses
    created through its admin API, and their keys."""

    async def build() -> tuple[Any, list[str]]:
        emu = make_emulator()
        keys, _ = await set_up(Fetcher(emu), licenses, 0)
        return emu, keys

    return asyncio.run(build())


def kv_entries(emu: Any) -> list[dict[str, Any]]:
    """Every live entry of the emulator's KV, as the twin's seed route takes them."""
    return [
        {
            "key": e.key,
            "value": e.value.decode("utf-8"),
            "expiration": e.expiration,
            "metadata": e.metadata,
        }
        for e in emu.kv_entries(KV)
    ]


def seed(url: str, entries: list[dict[str, Any]]) -> None:
    with httpx.Client(timeout=60) as client:
        for start in range(0, len(entries), SEED_BATCH):
            batch = entries[start : start + SEED_BATCH]
            response = client.post(f"{url}/__bench/seed", json=batch)
            if response.status_code != 200 or response.json() != {"written": len(batch)}:
                raise RuntimeError(f"seeding the twin: {response.status_code} {response.text}")


@contextlib.contextmanager
def twin_server(folder: Path) -> Iterator[tuple[str, int]]:
    """``wrangler dev`` serving the twin on a free loopback port; yields its URL and its process
    group id (wrangler and workerd: their CPU together is the twin's)."""
    from tests.support.devserver import (
        free_port,
        spawn_wrangler,
        stop_process_group,
        wait_until_healthy,
    )

    port = free_port()
    log = folder / "wrangler.log"
    command = [
        str(WRANGLER),
        "dev",
        "--local",
        "--config",
        str(TWIN / "wrangler.toml"),
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--inspector-port",
        str(free_port()),
        "--show-interactive-dev-session=false",
        "--persist-to",
        str(folder / "state"),
        "--var",
        f"LEASE_JWK:{lease_jwk()}",
    ]
    process = spawn_wrangler(command, TWIN, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(
            f"{url}/healthz",
            process,
            lambda: log.read_text(errors="replace"),
            name="wrangler dev (twin)",
            timeout=STARTUP_SECONDS,
            interval=0.3,
            request_timeout=2,
        )
        yield url, process.pid
    finally:
        stop_process_group(process)
