"""The operator's path to the sweep (README, "Running the Cron Trigger locally"): the repo's
Worker under `workers-emulator dev`, its Cron Trigger fired over HTTP, erases what a late
heartbeat left after an erasure.

The grace is five minutes of the server's real clock, so the erasure is staged in the past: the
license is created and erased through the admin API, and the marker and a late timestamp are
then moved back in time in the dev server's SQLite store, through a second Emulator on the
same folder (as tests/licensectl does to seed a long log).
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from workers_emulator import Emulator, KVEntry

from license_server import storage
from license_server.clock import format_iso
from tests.support.devserver import DevServer
from tests.support.kv import everything_naming
from tests.support.worker import ADMIN, ADMIN_TOKEN

CRON = "*/15 * * * *"


def test_firing_the_cron_trigger_over_http_erases_a_late_timestamp(tmp_path: Path) -> None:
    with DevServer(tmp_path / "dev", {"ADMIN_TOKEN": ADMIN_TOKEN}) as server:
        created = httpx.post(
            f"{server.url}/v1/admin/licenses",
            json={"customer": "Contoso", "plan": "pro", "expires_at": None},
            headers=ADMIN,
        )
        assert created.status_code == 201, created.text
        license_id = created.json()["license"]["id"]
        assert (
            httpx.delete(f"{server.url}/v1/admin/licenses/{license_id}", headers=ADMIN).status_code
            == 204
        )
        with Emulator(str(server.config), persist_to=server.persist_to) as side:
            marker = storage.erasure_marker_name(license_id)
            assert everything_naming(side, license_id) == [marker]
            # Ten minutes ago: the erasure, then a heartbeat that had read the record in time.
            erased_at = int(time.time()) - 600
            store = side.kv("LICENSE_KV").store
            iso = format_iso(erased_at)
            store.put(
                KVEntry(
                    marker, iso.encode(), erased_at + storage.ERASURE_MARKER_TTL, {"erased_at": iso}
                )
            )
            late = storage.validation_key_name(license_id, erased_at + 1, "0a0b")
            store.put(KVEntry(late, b"t", erased_at + storage.VALIDATION_LOG_TTL))
            assert sorted(everything_naming(side, license_id)) == sorted([marker, late])

            fired = httpx.get(
                f"{server.url}/cdn-cgi/handler/scheduled", params={"cron": CRON}, timeout=30
            )
            assert (fired.status_code, fired.text) == (200, "ok")
            assert everything_naming(side, license_id) == []
        # The run's own log line says what it erased, by id only (the dev server writes its
        # log lines out a moment later, in batches).
        deadline = time.monotonic() + 10
        while True:
            erased_lines = [
                line for line in server.output().splitlines() if "erasure_leftover_erased" in line
            ]
            if erased_lines or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(erased_lines) == 1 and license_id in erased_lines[0]
        assert "Contoso" not in server.output()
