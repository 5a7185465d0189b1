"""POST /v1/validate through the emulated runtime: answers, codes, updates, leases, KV budget."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from license_server import keys

from .conftest import ADMIN, DAY, START, create_license, iso, make_emulator, set_status
from .payloads import stats_of_size, stats_of_size_non_ascii


def ops(response: Any) -> tuple[int, int, int, int]:
    counts = response.kv_ops["LICENSE_KV"]
    return counts.reads, counts.writes, counts.deletes, counts.lists


def stats_entries(emu: Any) -> list[Any]:
    return [e for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("stats:")]


def validation_entries(emu: Any) -> list[Any]:
    return [e for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("validation:")]


def test_valid_heartbeat_answer(client: Any) -> None:
    key, view = create_license(client)
    client.put("/v1/admin/release", json={"latest_version": "2.5.0"}, headers=ADMIN)
    response = client.post(
        "/v1/validate",
        json={"license_key": key, "version": "2.4.1", "stats": {"secrets_total": 120}},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["valid"] is True
    assert body["code"] == "VALID"
    assert body["license"] == {
        "id": view["id"],
        "status": "active",
        "plan": "enterprise",
        "expires_at": "2028-01-01T00:00:00Z",
    }
    assert body["checked_at"] == iso(START)
    assert body["update"] == {
        "current_version": "2.4.1",
        "latest_version": "2.5.0",
        "update_available": True,
    }
    assert body["stats"] == {"accepted": True}
    assert "warnings" not in body
    assert isinstance(body["lease"], str)


def test_lease_verifies_against_jwks_and_has_exactly_the_claims(client: Any) -> None:
    key, view = create_license(client)
    lease = client.post("/v1/validate", json={"license_key": key}).json()["lease"]
    document = client.get("/.well-known/jwks.json").json()
    header = jwt.get_unverified_header(lease)
    assert header["alg"] == "EdDSA"
    (jwk,) = [k for k in document["keys"] if k["kid"] == header["kid"]]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    public_key = jwt.PyJWK(jwk).key
    claims = jwt.decode(
        lease, public_key, algorithms=["EdDSA"], options={"verify_exp": False, "verify_iat": False}
    )
    assert claims == {"sub": view["id"], "code": "VALID", "iat": START, "exp": START + 604800}
    assert key not in lease and keys.parse(key) not in lease


def test_lease_never_outlives_the_license(client: Any) -> None:
    key, _ = create_license(client, expires_at=iso(START + 3 * DAY))
    lease = client.post("/v1/validate", json={"license_key": key}).json()["lease"]
    claims = jwt.decode(lease, options={"verify_signature": False})
    assert claims["exp"] == START + 3 * DAY


def test_lease_ttl_var_is_honoured() -> None:
    emu = make_emulator(vars={"LEASE_TTL_SECONDS": "3600"})
    with emu.test_client() as client:
        key, _ = create_license(client)
        lease = client.post("/v1/validate", json={"license_key": key}).json()["lease"]
    assert jwt.decode(lease, options={"verify_signature": False})["exp"] == START + 3600


def test_without_signing_key_validation_works_and_lease_is_null() -> None:
    from .conftest import ADMIN_TOKEN

    emu = make_emulator(secrets={"ADMIN_TOKEN": ADMIN_TOKEN})
    with emu.test_client() as client:
        key, _ = create_license(client)
        response = client.post("/v1/validate", json={"license_key": key})
        jwks = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json()["valid"] is True
    assert response.json()["lease"] is None
    assert any('"event":"lease_key_missing"' in line for line in emu.log_lines)
    assert jwks.json() == {"keys": []}


@pytest.mark.parametrize(
    ("status", "expires_in", "code"),
    [
        ("active", DAY, "VALID"),
        ("active", 1, "VALID"),
        ("active", 0, "EXPIRED"),
        ("active", -DAY, "EXPIRED"),
        ("suspended", DAY, "SUSPENDED"),
        ("suspended", -DAY, "SUSPENDED"),
        ("revoked", DAY, "REVOKED"),
        ("revoked", -DAY, "REVOKED"),
    ],
)
def test_codes_in_precedence_order(
    emu: Any, client: Any, status: str, expires_in: int, code: str
) -> None:
    key, view = create_license(client, expires_at=iso(START + 1 + expires_in))
    set_status(emu, view, status)  # now START + 1
    body = client.post("/v1/validate", json={"license_key": key}).json()
    assert body["code"] == code
    assert body["valid"] is (code == "VALID")
    assert body["license"]["status"] == status
    assert ("lease" in body) is (code == "VALID")


def test_perpetual_license_is_valid_and_lease_uses_ttl(client: Any) -> None:
    key, _ = create_license(client, expires_at=None)
    body = client.post("/v1/validate", json={"license_key": key}).json()
    assert body["code"] == "VALID" and body["license"]["expires_at"] is None
    assert jwt.decode(body["lease"], options={"verify_signature": False})["exp"] == START + 604800


@pytest.mark.parametrize(
    ("current", "latest", "available"),
    [
        ("2.4.1", "2.5.0", True),
        ("2.5.0", "2.5.0", False),
        ("2.6.0", "2.5.0", False),
        ("2.5.0-rc.1", "2.5.0", True),
        ("2.5.0", "2.5.0-rc.1", False),
        ("2.5.0+build.7", "2.5.0", False),
        ("1.10.0", "1.9.0", False),
    ],
)
def test_update_answer_follows_semver(
    client: Any, current: str, latest: str, available: bool
) -> None:
    key, _ = create_license(client)
    client.put("/v1/admin/release", json={"latest_version": latest}, headers=ADMIN)
    body = client.post("/v1/validate", json={"license_key": key, "version": current}).json()
    assert body["update"] == {
        "current_version": current,
        "latest_version": latest,
        "update_available": available,
    }


def test_update_is_null_without_version_and_latest_null_without_release(client: Any) -> None:
    key, _ = create_license(client)
    assert client.post("/v1/validate", json={"license_key": key}).json()["update"] is None
    body = client.post("/v1/validate", json={"license_key": key, "version": "1.0.0"}).json()
    assert body["update"] == {
        "current_version": "1.0.0",
        "latest_version": None,
        "update_available": False,
    }


# --- KV budget ---------------------------------------------------------------------------------


def test_budget_without_stats_one_read_one_write(client: Any) -> None:
    key, _ = create_license(client)
    response = client.post("/v1/validate", json={"license_key": key})
    assert ops(response) == (1, 1, 0, 0)


def test_budget_with_version_and_stats_two_reads_two_writes(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    response = client.post(
        "/v1/validate", json={"license_key": key, "version": "1.0.0", "stats": {"a": 1}}
    )
    assert ops(response) == (2, 2, 0, 0)
    # The release is cached by the isolate: the next heartbeat reads the license only.
    emu.clock.advance(seconds=1)  # KV allows one write per key per second
    response = client.post(
        "/v1/validate", json={"license_key": key, "version": "1.0.0", "stats": {"a": 2}}
    )
    assert ops(response) == (1, 2, 0, 0)


def test_release_cache_expires_after_release_cache_seconds(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    heartbeat = {"license_key": key, "version": "1.0.0"}
    assert ops(client.post("/v1/validate", json=heartbeat))[0] == 2
    emu.clock.advance(seconds=59)
    assert ops(client.post("/v1/validate", json=heartbeat))[0] == 1
    emu.clock.advance(seconds=1)
    assert ops(client.post("/v1/validate", json=heartbeat))[0] == 2


def test_heartbeat_never_rewrites_the_license_record(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    before = [e for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("license:")]
    for _ in range(3):
        client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
    after = [e for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("license:")]
    assert before == after
    assert len(validation_entries(emu)) == 3


# --- stats ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stats", [None, "absent"])
def test_absent_or_null_stats(emu: Any, client: Any, stats: object) -> None:
    key, _ = create_license(client)
    body: dict[str, Any] = {"license_key": key}
    if stats != "absent":
        body["stats"] = stats
    response = client.post("/v1/validate", json=body)
    assert response.json()["stats"] is None
    assert ops(response) == (1, 1, 0, 0)
    assert stats_entries(emu) == []


def test_stats_of_exactly_4096_bytes_are_accepted_and_stored(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    stats = stats_of_size(4096)
    response = client.post("/v1/validate", json={"license_key": key, "stats": stats})
    assert response.json()["stats"] == {"accepted": True}
    (entry,) = stats_entries(emu)
    import json

    assert json.loads(entry.value)["stats"] == stats


@pytest.mark.parametrize(
    ("stats", "reason"),
    [
        (stats_of_size(4097), "stats_too_large"),
        (stats_of_size_non_ascii(4097), "stats_too_large"),
        (stats_of_size_non_ascii(4096), "stats_invalid"),
        ([1, 2, 3], "stats_not_object"),
        ("secrets_total=120", "stats_not_object"),
        (120, "stats_not_object"),
        (1.5, "stats_not_object"),
        (True, "stats_not_object"),
        (False, "stats_not_object"),
        ({"hosts": ["server01"]}, "stats_invalid"),
        ({"total": -1}, "stats_invalid"),
        ({"total": 1.0}, "stats_invalid"),
        ({"total": True}, "stats_invalid"),
        ({"total": 2**53}, "stats_invalid"),
        ({"vault-01.contoso.local": 1, "0bad": 1}, "stats_invalid"),
        ({"by": {"deep": {"er": 1}}}, "stats_invalid"),
    ],
)
def test_refused_stats_are_never_written_but_validation_is_answered_and_recorded(
    emu: Any, client: Any, stats: object, reason: str
) -> None:
    key, _ = create_license(client)
    response = client.post("/v1/validate", json={"license_key": key, "stats": stats})
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["code"] == "VALID"
    assert body["stats"]["accepted"] is False
    assert body["stats"]["reason"] == reason
    assert body["stats"]["message"]
    assert ops(response) == (1, 1, 0, 0)  # the validation timestamp only
    assert stats_entries(emu) == []
    assert len(validation_entries(emu)) == 1


def test_refused_stats_leave_the_last_accepted_value(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
    (before,) = stats_entries(emu)
    client.post("/v1/validate", json={"license_key": key, "stats": {"a": -1}})
    assert stats_entries(emu) == [before]


def test_stats_overwritten_each_heartbeat_one_entry_per_license(emu: Any, client: Any) -> None:
    import json

    key, _ = create_license(client)
    for count in range(3):
        emu.clock.advance(seconds=10)
        client.post("/v1/validate", json={"license_key": key, "stats": {"a": count}})
    (entry,) = stats_entries(emu)
    assert json.loads(entry.value) == {
        "stats": {"a": 2},
        "received_at": iso(START + 30),
        "expires_at": "2028-01-01T00:00:00Z",  # the record's, which the entry expires with
    }
    assert entry.metadata == {"received_at": iso(START + 30)}


def test_unknown_fields_are_ignored_and_never_stored(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    response = client.post(
        "/v1/validate",
        json={"license_key": key, "hostname": "vault-prod-01", "tenant": "contoso-tenant-id"},
    )
    assert response.status_code == 200
    everything = "\n".join(
        f"{e.key} {e.value!r} {e.metadata!r}" for e in emu.kv_entries("LICENSE_KV")
    )
    assert "vault-prod-01" not in everything and "contoso-tenant-id" not in everything


def test_normalised_key_spellings_reach_the_same_license(client: Any) -> None:
    key, view = create_license(client)
    spelled = key.lower().replace("-", " ")
    body = client.post("/v1/validate", json={"license_key": spelled}).json()
    assert body["license"]["id"] == view["id"]
