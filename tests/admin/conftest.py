"""The Worker on the emulator, with a fake clock, for admin-API tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from workers_emulator import Emulator, KVEntry

from license_server import storage
from tests.support.kv import everything_naming
from tests.support.worker import ADMIN, START, create_license, make_emulator

__all__ = [
    "ADMIN",
    "PLATFORM_OPS_LIMIT",
    "START",
    "create_license",
    "everything_naming",
    "heartbeat",
    "left_after_erasure",
    "pages",
    "seed",
    "sweep_after_grace",
    "total_ops",
]

PLATFORM_OPS_LIMIT = 1000


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = make_emulator()
    try:
        yield emulator
    finally:
        emulator.close()


def total_ops(response: Any) -> int:
    """Every KV operation the request made, over all bindings."""
    return sum(counts.total for counts in response.kv_ops.values())


def heartbeat(emu: Emulator, key: str, stats: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"license_key": key, "version": "2.4.1"}
    if stats is not None:
        body["stats"] = stats
    response = emu.test_client().post("/v1/validate", json=body)
    assert response.status_code == 200, response.text
    emu.clock.advance(seconds=2)
    return response.json()


def left_after_erasure(emu: Emulator, license_id: str) -> list[str]:
    """What names an erased license besides its erasure marker (which the sweep removes:
    :func:`sweep_after_grace`, and tests/server/test_erasure_marker.py)."""
    marker = storage.erasure_marker_name(license_id)
    return [key for key in everything_naming(emu, license_id) if key != marker]


def sweep_after_grace(emu: Emulator) -> None:
    """Move past the sweep's grace and run the Worker's Cron Trigger once, as deployed."""
    emu.clock.advance(seconds=storage.SWEEP_GRACE_SECONDS + 1)
    result = asyncio.run(emu.scheduled("*/15 * * * *"))
    assert result.outcome == "ok", emu.log_lines[-5:]


def seed(emu: Emulator, entries: list[KVEntry]) -> None:
    """Write straight into the store behind the binding (no operation is counted)."""
    store = emu.kv("LICENSE_KV").store
    for entry in sorted(entries, key=lambda e: e.key):  # sorted: appends to the key index
        store.put(entry)


def pages(client: Any, path: str) -> Iterator[Any]:
    """Each page's response of a cursor-paged admin GET, first to last.

    The caller checks each response before the next page is asked for (its cursor is read
    only when the caller moves on).
    """
    cursor = None
    while True:
        params = {"cursor": cursor} if cursor else {}
        response = client.get(path, params=params, headers=ADMIN)
        yield response
        cursor = response.json()["cursor"]
        if cursor is None:
            return


async def heartbeat_paused_after_its_license_read(
    emu: Emulator, key: str, license_id: str, run_while_paused: Any, stats: Any = None
) -> tuple[Any, Any]:
    """A heartbeat with stats that reads its license record, then waits (a hook on the KV
    binding) while ``run_while_paused`` runs to the end, then goes on to write."""
    kv = emu.kv("LICENSE_KV")
    read_the_record, go_on = asyncio.Event(), asyncio.Event()
    plain_get = kv.get
    record_key = storage.license_key_name(license_id)

    async def get(key_name: Any, *args: Any, **options: Any) -> Any:
        value = await plain_get(key_name, *args, **options)
        # A single get of the record, or the bulk get that reads it with the stats entry.
        reads_record = key_name == record_key or (
            isinstance(key_name, list) and record_key in key_name
        )
        if reads_record and not read_the_record.is_set():
            read_the_record.set()
            await go_on.wait()
        return value

    kv.get = get  # type: ignore[method-assign]
    stats = {"secrets_total": 3} if stats is None else stats
    body = json.dumps({"license_key": key, "version": "2.4.1", "stats": stats})
    beat = asyncio.ensure_future(
        emu.fetch(
            "POST", "/v1/validate", headers={"content-type": "application/json"}, body=body.encode()
        )
    )
    await read_the_record.wait()
    meanwhile = await run_while_paused()
    go_on.set()
    try:
        return await beat, meanwhile
    finally:
        kv.get = plain_get  # type: ignore[method-assign]
