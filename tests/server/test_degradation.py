"""Misconfiguration and partial outages degrade an answer; they never fail a validation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from workers_emulator import OpCounts
from workers_emulator.faults import FaultInjector

from license_server import keys

from .conftest import ADMIN, ADMIN_TOKEN, create_license, make_emulator

LIMITERS = ("LICENSE_RATE_LIMITER", "CLIENT_RATE_LIMITER")


def test_a_malformed_signing_key_gives_no_lease_but_a_valid_answer() -> None:
    emu = make_emulator(secrets={"ADMIN_TOKEN": ADMIN_TOKEN, "LEASE_SIGNING_KEY": "not base64!"})
    with emu.test_client() as client:
        key, _ = create_license(client)
        body = client.post("/v1/validate", json={"license_key": key}).json()
        jwks = client.get("/.well-known/jwks.json")
    assert body["valid"] is True and body["lease"] is None
    assert jwks.status_code == 200 and jwks.json() == {"keys": []}
    assert any('"event":"lease_key_invalid"' in line for line in emu.log_lines)
    # A key that is set but malformed is reported as such, never as missing (JWKS included).
    assert not any('"event":"lease_key_missing"' in line for line in emu.log_lines)
    assert not any("not base64!" in line for line in emu.log_lines)


def test_a_failing_rate_limiter_lets_validations_through(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    heartbeat = {"license_key": key, "stats": {"secrets_total": 3}}
    client.post("/v1/validate", json=heartbeat)  # the first heartbeat: nothing cached yet
    emu.clock.advance(seconds=2)  # KV allows one write per key per second
    healthy = client.post("/v1/validate", json=heartbeat)
    # The emulator's own fault switch, on the limiters alone: every limit() call fails.
    for name in LIMITERS:
        emu.ratelimiter(name).faults = FaultInjector(1.0)
    emu.clock.advance(seconds=2)
    failed = client.post("/v1/validate", json=heartbeat)
    unknown = client.post("/v1/validate", json={"license_key": "nope"})
    assert healthy.json()["valid"] is True
    assert failed.status_code == 200 and failed.json()["valid"] is True
    assert failed.json()["stats"] == {"accepted": True} and "warnings" not in failed.json()
    assert unknown.status_code == 404
    assert failed.kv_ops["LICENSE_RATE_LIMITER"] == OpCounts(writes=1)  # made, and failed
    # Failing open costs the store nothing: the same KV operations as a healthy heartbeat.
    assert failed.kv_ops["LICENSE_KV"] == healthy.kv_ops["LICENSE_KV"]
    events = [line for line in emu.log_lines if '"event":"ratelimit_error"' in line]
    assert len(events) == 2  # one per failed call, naming its limiter
    assert '"limiter":"license"' in events[0] and '"limiter":"client"' in events[1]


def test_a_corrupt_license_record_is_503_not_500(emu: Any, client: Any) -> None:
    key = keys.generate_key()
    kv = emu.kv("LICENSE_KV")
    asyncio.run(kv.put("license:" + keys.license_id(key), '{"id": "x", "status": "weird"}'))
    response = client.post("/v1/validate", json={"license_key": key})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert response.kv_ops["LICENSE_KV"].writes == 0


def test_release_cache_seconds_zero_reads_the_release_every_time() -> None:
    emu = make_emulator(vars={"RELEASE_CACHE_SECONDS": "0"})
    with emu.test_client() as client:
        client.put("/v1/admin/release", json={"latest_version": "1.0.0"}, headers=ADMIN)
        for _ in range(3):
            response = client.get("/v1/update-check", params={"version": "1.0.0"})
            assert response.kv_ops["LICENSE_KV"].reads == 1


@pytest.mark.parametrize("value", ["", "abc", "-5", "1e3"])
def test_malformed_vars_fall_back_to_defaults(value: str) -> None:
    import jwt

    from .conftest import START

    emu = make_emulator(vars={"LEASE_TTL_SECONDS": value, "RELEASE_CACHE_SECONDS": value})
    with emu.test_client() as client:
        key, _ = create_license(client)
        lease = client.post("/v1/validate", json={"license_key": key}).json()["lease"]
    assert jwt.decode(lease, options={"verify_signature": False})["exp"] == START + 604800


def test_rate_limiter_keys_hold_no_key_and_no_address(emu: Any) -> None:
    with emu.test_client(client_ip="192.0.2.55") as client:
        key, _ = create_license(client)
        client.post("/v1/validate", json={"license_key": key})
        client.post("/v1/validate", json={"license_key": "CC-nope"})
    buckets = " ".join(
        [
            *emu.ratelimiter("LICENSE_RATE_LIMITER")._windows,
            *emu.ratelimiter("CLIENT_RATE_LIMITER")._windows,
        ]
    )
    assert buckets
    compact = key.replace("-", "")
    for secret in (key, compact, compact[2:], compact[2:].lower(), "192.0.2.55", "CC-nope"):
        assert secret not in buckets
