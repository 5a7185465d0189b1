"""Fixtures for the Worker's tests: an emulated isolate (tests/support/worker.py) and helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from workers_emulator import Emulator

from license_server import storage
from license_server.clock import format_iso
from license_server.models import LicenseRecord
from tests.support.worker import (
    ADMIN,
    ADMIN_TOKEN,
    DAY,
    LEASE_SIGNING_KEY,
    START,
    WRANGLER_TOML,
    create_license,
    make_emulator,
)

__all__ = [
    "ADMIN",
    "ADMIN_TOKEN",
    "DAY",
    "LEASE_SIGNING_KEY",
    "START",
    "WRANGLER_TOML",
    "create_license",
    "iso",
    "kv_text",
    "make_emulator",
    "set_status",
]


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = make_emulator()
    yield emulator
    emulator.close()


@pytest.fixture
def client(emu: Emulator) -> Iterator[Any]:
    with emu.test_client() as test_client:
        yield test_client


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
