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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.inprocess import KV, LEASE_SIGNING_KEY, SRC, Fetcher, make_emulator, set_up

TWIN = Path(__file__).resolve().parent / "twin"
SEED_BATCH = 500


def unavailable() -> str | None:
    """Why the twin cannot run here, or ``None``."""
    from tests.support.devserver import wrangler_unavailable

    return wrangler_unavailable()


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
    from tests.support.devserver import js_twin_group

    lease = f"LEASE_JWK:{lease_jwk()}"
    with js_twin_group(TWIN, folder, args=["--var", lease], health_path="/healthz") as served:
        yield served
