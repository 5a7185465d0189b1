"""The client against the real Worker: over HTTP on the dev server, and in-process on the
emulator where a fake clock drives both sides."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from certifyclouds_license import LicenseClient, OfflineGraceExpired
from workers_emulator import Emulator, ManualClock

from license_server.lease import LeaseSigner, generate_signing_key
from tests.support.devserver import EXECUTABLE, DevServer
from tests.support.worker import ADMIN, ADMIN_TOKEN, START, create_license, make_emulator

DAY = 86400.0


def no_sleep(_seconds: float) -> None:
    pass


class Clock:
    """The client's clock: real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


# -- over HTTP: `workers-emulator dev` in a subprocess --------------------------------------


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[DevServer]:
    if not EXECUTABLE.exists():
        pytest.skip("workers-emulator console script not installed")
    secrets = {"ADMIN_TOKEN": ADMIN_TOKEN, "LEASE_SIGNING_KEY": generate_signing_key()}
    with DevServer(tmp_path, secrets) as server:
        yield server


@pytest.mark.slow
def test_http_heartbeat_then_offline_grace_then_expired(dev_server: DevServer, tmp_path: Path):
    url = dev_server.url
    created = httpx.post(
        f"{url}/v1/admin/licenses",
        json={"customer": "Contoso", "plan": "enterprise", "expires_at": None},
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    key = created.json()["license_key"]

    clock = Clock()
    with LicenseClient(
        url,
        key,
        cache_dir=tmp_path / "cache",
        grace_period=timedelta(days=3),
        clock=clock,
        sleep=no_sleep,
        retries=1,
        timeout=5.0,
    ) as client:
        online = client.heartbeat("2.4.1", {"secrets_total": 12, "certs": {"expiring_30d": 1}})
        assert online.valid and online.code == "VALID" and not online.from_cache
        assert online.stats_sent and online.stats_accepted
        assert online.license.id == created.json()["license"]["id"]
        # The lease verified against the keys the server publishes, from LEASE_SIGNING_KEY.
        published = httpx.get(f"{url}/.well-known/jwks.json").json()
        expected = LeaseSigner.from_secret(dev_server.secrets["LEASE_SIGNING_KEY"]).kid
        assert [k["kid"] for k in published["keys"]] == [expected]
        lease_ttl = online.lease_expires_at.timestamp() - clock()
        assert 7 * DAY - 120 < lease_ttl <= 7 * DAY

        dev_server.stop()  # the server goes away: the client is offline from here
        clock.offset = 1 * DAY
        cached = client.heartbeat("2.4.1", {"secrets_total": 12})
        assert cached.valid and cached.from_cache and cached.code == "VALID"
        assert cached.stats_reason == "offline"
        assert cached.checked_at == online.checked_at  # the last time the server answered

        clock.offset = 3 * DAY + 60
        with pytest.raises(OfflineGraceExpired):
            client.heartbeat("2.4.1")


# -- in-process: the emulator's fake clock drives server and client -------------------------


class EmulatorTransport(httpx.BaseTransport):
    """httpx -> the emulator's in-process test client; ``up = False`` refuses connections."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.test_client = emulator.test_client()
        self.up = True
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError("connection refused", request=request)
        self.paths.append(request.url.path)
        answer = self.test_client.request(
            request.method,
            str(request.url),
            content=request.read(),
            headers={k: v for k, v in request.headers.items() if k != "content-length"},
        )
        self.emulator.clock.advance(seconds=2)  # KV takes one write per second per key
        return httpx.Response(
            answer.status_code,
            content=answer.content,
            headers={"content-type": answer.headers.get("content-type", "")},
        )

    def close(self) -> None:
        self.test_client.close()


def emulator_at(persist_to: Path, signing_secret: str, clock: ManualClock) -> Emulator:
    """The Worker persisting to ``persist_to`` and signing with ``signing_secret``."""
    return make_emulator(
        clock,
        persist_to=str(persist_to),
        secrets={"ADMIN_TOKEN": ADMIN_TOKEN, "LEASE_SIGNING_KEY": signing_secret},
    )


def client_for(emulator: Emulator, key: str, cache_dir: Path, **kwargs: Any) -> LicenseClient:
    return LicenseClient(
        "https://license.certifyclouds.test",
        key,
        cache_dir=cache_dir,
        grace_period=kwargs.pop("grace_period", timedelta(days=3)),
        clock=emulator.clock.now,
        sleep=no_sleep,
        retries=1,
        transport=EmulatorTransport(emulator),
        **kwargs,
    )


def test_inprocess_rotation_suspension_and_lease_capped_by_license(tmp_path):
    clock = ManualClock(start=START)
    old, new = generate_signing_key(), generate_signing_key()
    emulator = emulator_at(tmp_path / "state", old, clock)
    try:
        # The license ends in 2 days: the lease must not outlive it.
        key = create_license(emulator, expires_at="2027-01-03T00:00:00Z", then_advance=2).key
        client = client_for(emulator, key, tmp_path / "cache", grace_period=timedelta(days=30))
        first = client.heartbeat("2.4.1")
        assert first.valid
        assert first.lease_expires_at.isoformat() == "2027-01-03T00:00:00+00:00"
        transport = client._http._transport
        assert transport.paths.count("/.well-known/jwks.json") == 1
        client.close()
    finally:
        emulator.close()

    # Rotation: the new key is prepended; the client refreshes the JWKS exactly once.
    emulator = emulator_at(tmp_path / "state", f"{new},{old}", clock)
    try:
        client = client_for(emulator, key, tmp_path / "cache", grace_period=timedelta(days=30))
        rotated = client.heartbeat("2.4.1")
        assert rotated.valid and not rotated.from_cache
        transport = client._http._transport
        assert transport.paths.count("/.well-known/jwks.json") == 1
        client.heartbeat("2.4.1")
        assert transport.paths.count("/.well-known/jwks.json") == 1

        # Offline past the license's end: the capped lease stops answering.
        transport.up = False
        clock.set(START + 1.5 * DAY)
        assert client.heartbeat("2.4.1").from_cache
        clock.set(START + 2 * DAY)
        with pytest.raises(OfflineGraceExpired):
            client.heartbeat("2.4.1")
        client.close()
    finally:
        emulator.close()


def test_inprocess_suspended_license_forgets_the_lease(tmp_path):
    clock = ManualClock(start=START)
    emulator = emulator_at(tmp_path / "state", generate_signing_key(), clock)
    try:
        key = create_license(emulator, expires_at=None, then_advance=2).key
        client = client_for(emulator, key, tmp_path / "cache")
        result = client.heartbeat("2.4.1")
        assert result.valid
        patched = emulator.test_client().patch(
            f"/v1/admin/licenses/{result.license.id}",
            json={"status": "suspended"},
            headers=ADMIN,
        )
        assert patched.status_code == 200, patched.text
        clock.advance(seconds=2)
        suspended = client.heartbeat("2.4.1")
        assert (suspended.valid, suspended.code) == (False, "SUSPENDED")
        assert not os.path.exists(client.cache_path)
        client._http._transport.up = False
        with pytest.raises(OfflineGraceExpired):
            client.heartbeat("2.4.1")
        client.close()
    finally:
        emulator.close()
