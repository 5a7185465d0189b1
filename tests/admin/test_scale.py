"""Listing and fleet pages at 100,000 licenses stay under 1000 KV operations per invocation."""

from __future__ import annotations

import json
import time

import pytest
from workers_emulator import Emulator, KVEntry

from license_server import storage
from license_server.clock import format_iso
from tests.admin.conftest import PLATFORM_OPS_LIMIT, pages, seed, total_ops

LICENSES = 100_000


def _seed_fleet(emu: Emulator) -> set[str]:
    """100,000 licenses, each with a record (metadata = record) and a stats entry."""
    now = int(emu.clock.now())
    received_at = format_iso(now)
    expiration = now + 2 * 365 * 86400
    ids = {f"{i:032x}" for i in range(1, LICENSES + 1)}
    entries = []
    for license_id in ids:
        record = {
            "id": license_id,
            "status": "active",
            "customer": f"Customer {license_id[-6:]}",
            "plan": "enterprise",
            "created_at": received_at,
            "expires_at": format_iso(expiration - 365 * 86400),
        }
        entries.append(
            KVEntry(
                storage.license_key_name(license_id),
                json.dumps(record).encode(),
                expiration,
                record,
            )
        )
        stats = {"stats": {"nodes": int(license_id, 16) % 50}, "received_at": received_at}
        entries.append(
            KVEntry(
                storage.stats_key_name(license_id),
                json.dumps(stats).encode(),
                expiration,
                {"received_at": received_at},
            )
        )
    seed(emu, entries)
    return ids


@pytest.mark.slow
def test_listing_and_fleet_at_100k_licenses(emu: Emulator) -> None:
    ids = _seed_fleet(emu)
    client = emu.test_client()

    started = time.monotonic()
    listed: list[str] = []
    worst = 0
    for response in pages(client, "/v1/admin/licenses"):
        assert response.status_code == 200, response.text
        worst = max(worst, total_ops(response))
        page = response.json()
        listed.extend(item["id"] for item in page["licenses"])
        assert all(item["status"] == "active" for item in page["licenses"])
    assert len(listed) == LICENSES and set(listed) == ids
    assert worst == 1  # one list per page: the records ride in the metadata
    assert worst < PLATFORM_OPS_LIMIT

    fleet: dict[str, int] = {}
    fleet_pages = 0
    worst = 0
    for response in pages(client, "/v1/admin/fleet"):
        assert response.status_code == 200, response.text
        worst = max(worst, total_ops(response))
        page = response.json()
        assert len(page["items"]) <= storage.FLEET_PAGE_SIZE
        for item in page["items"]:
            fleet[item["license_id"]] = item["stats"]["nodes"]
            assert item["received_at"] is not None
        fleet_pages += 1
    assert set(fleet) == ids
    assert all(fleet[i] == int(i, 16) % 50 for i in ids)
    assert fleet_pages == LICENSES // storage.FLEET_PAGE_SIZE
    assert worst == 2  # one list and one bulk get per page
    assert time.monotonic() - started < 240
