"""Fixtures of the client tests (the fake server lives in client_fakes.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from certifyclouds_license import LicenseClient
from client_fakes import LICENSE_KEY, Clock, FakeServer, Sleeps


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> FakeServer:
    return FakeServer(clock)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(tmp_path, server: FakeServer, clock: Clock, sleeps: Sleeps):
    clients: list[LicenseClient] = []

    def make(**kwargs: Any) -> LicenseClient:
        options: dict[str, Any] = {
            "cache_dir": tmp_path / "cache",
            "grace_period": timedelta(days=3),
            "clock": clock,
            "transport": httpx.MockTransport(server.handle),
            "sleep": sleeps,
        }
        options.update(kwargs)
        key = options.pop("license_key", LICENSE_KEY)
        client = LicenseClient("https://license.example.test", key, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client) -> LicenseClient:
    return make_client()
