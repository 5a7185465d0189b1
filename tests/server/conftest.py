"""Fixtures for the Worker's tests: an emulated isolate with a fake clock and known secrets."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from workers_emulator import Emulator, ManualClock

from license_server import storage
from license_server.clock import format_iso
from license_server.models import LicenseRecord

ROOT = Path(__file__).resolve().parents[2]
WRANGLER_TOML = ROOT / "wrangler.toml"
START = 1_798_761_600  # 2027-01-01T00:00:00Z
ADMIN_TOKEN = "test-admin-token-0123456789abcdef"
LEASE_SEED = base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=").decode()
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}
DAY = 86400


def make_emulator(**overrides: Any) -> Emulator:
    options: dict[str, Any] = {
        "clock": ManualClock(start=float(START)),
        "secrets": {"ADMIN_TOKEN": ADMIN_TOKEN, "LEASE_SIGNING_KEY": LEASE_SEED},
    }
    options.update(overrides)
    return Emulator(WRANGLER_TOML, **options)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = make_emulator()
    yield emulator
    emulator.close()


@pytest.fixture
def client(emu: Emulator) -> Iterator[Any]:
    with emu.test_client() as test_client:
        yield test_client


def create_license(
    client: Any, expires_at: str | None = "2028-01-01T00:00:00Z", **extra: Any
) -> tuple[str, dict[str, Any]]:
    """Create a license through the admin API; returns (plaintext key, license view)."""
    body = {"customer": "Contoso Ltd", "plan": "enterprise", "expires_at": expires_at, **extra}
    response = client.post("/v1/admin/licenses", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return response.json()["license_key"], response.json()["license"]


def set_status(emu: Emulator, license_view: dict[str, Any], status: str) -> None:
    """Change a record's status directly in KV (the PATCH route belongs to the admin tests).

    Advances the clock by one second first.
    """
    emu.clock.advance(seconds=1)  # KV allows one write per key per second
    record = LicenseRecord.model_validate({**license_view, "status": status})
    asyncio.run(storage.write_license(emu.kv("LICENSE_KV"), record))


def kv_text(emu: Emulator) -> str:
    """Every KV key, value and metadata, as one string to scan for things never stored."""
    parts = []
    for entry in emu.kv_entries("LICENSE_KV"):
        parts.append(entry.key)
        parts.append(entry.value.decode("utf-8", "replace"))
        parts.append(repr(entry.metadata))
    return "\n".join(parts)


def iso(epoch: int) -> str:
    return format_iso(epoch)
