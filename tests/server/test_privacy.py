"""docs/PRIVACY.md's table, row by row, proven on KV contents, metadata and log lines."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import jwt

from license_server import keys, storage
from license_server.models import LicenseRecord

from .conftest import ADMIN, DAY, START, create_license, iso, kv_text

PROBE_IP = "203.0.113.77"
PROBE_IPV6 = "2001:db8::beef:77"
PROBE_AGENT = "CertifyCloudsProbe/9.8.7 (tenant contoso-probe)"
PROBE_VERSION = "7.7.7-privacyprobe.42+build.9"


def key_spellings(key: str) -> list[str]:
    compact = key.replace("-", "")
    symbols = compact[2:]
    return [key, key.lower(), compact, compact.lower(), symbols, symbols.lower(), symbols[:12]]


def everything_kept(emu: Any) -> str:
    return kv_text(emu) + "\n" + "\n".join(emu.log_lines)


def test_row1_a_reference_and_one_timestamp_per_validation_never_the_key(
    emu: Any, client: Any
) -> None:
    key, view = create_license(client)
    for _ in range(3):
        emu.clock.advance(seconds=5)
        assert client.post("/v1/validate", json={"license_key": key}).status_code == 200
    validations = [e for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("validation:")]
    assert [e.value.decode() for e in validations] == [
        iso(START + 15),
        iso(START + 10),
        iso(START + 5),
    ]  # newest first, one timestamp each
    assert all(e.key.startswith(f"validation:{view['id']}:") for e in validations)
    kept = everything_kept(emu)
    for spelling in key_spellings(key):
        assert spelling not in kept


def test_row2_validation_timestamps_expire_after_90_days(emu: Any, client: Any) -> None:
    key, _ = create_license(client, expires_at=None)
    client.post("/v1/validate", json={"license_key": key})
    (entry,) = [e for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("validation:")]
    assert entry.expiration == START + 7776000
    emu.clock.advance(days=90, seconds=-1)
    assert any(e.key.startswith("validation:") for e in emu.kv_entries("LICENSE_KV"))
    emu.clock.advance(seconds=1)
    assert not any(e.key.startswith("validation:") for e in emu.kv_entries("LICENSE_KV"))
    assert any(e.key.startswith("license:") for e in emu.kv_entries("LICENSE_KV"))


def test_row3_record_kept_for_the_license_duration_plus_one_year(emu: Any, client: Any) -> None:
    expires = START + 30 * DAY
    key, view = create_license(client, expires_at=iso(expires))
    client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
    by_key = {e.key: e for e in emu.kv_entries("LICENSE_KV")}
    assert by_key[f"license:{view['id']}"].expiration == expires + 365 * DAY
    assert by_key[f"stats:{view['id']}"].expiration == expires + 365 * DAY
    emu.clock.set(float(expires))
    assert client.post("/v1/validate", json={"license_key": key}).json()["code"] == "EXPIRED"
    emu.clock.set(float(expires + 365 * DAY - 1))
    assert {e.key.split(":")[0] for e in emu.kv_entries("LICENSE_KV")} == {"license", "stats"}
    emu.clock.set(float(expires + 365 * DAY))
    assert emu.kv_entries("LICENSE_KV") == []  # record, stats and every timestamp are gone
    response = client.post("/v1/validate", json={"license_key": key})
    assert response.status_code == 404


def test_row3_perpetual_licenses_have_no_expiration(emu: Any, client: Any) -> None:
    key, view = create_license(client, expires_at=None)
    client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
    by_key = {e.key: e for e in emu.kv_entries("LICENSE_KV")}
    assert by_key[f"license:{view['id']}"].expiration is None
    assert by_key[f"stats:{view['id']}"].expiration is None


def test_row3_moving_expires_at_moves_record_and_stats_expiration(emu: Any, client: Any) -> None:
    key, view = create_license(client, expires_at=iso(START + 30 * DAY))
    client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
    emu.clock.advance(seconds=1)
    moved = LicenseRecord.model_validate({**view, "expires_at": iso(START + 400 * DAY)})
    asyncio.run(storage.move_license_expiry(emu.kv("LICENSE_KV"), moved))
    by_key = {e.key: e for e in emu.kv_entries("LICENSE_KV")}
    assert by_key[f"license:{view['id']}"].expiration == START + 765 * DAY
    assert by_key[f"stats:{view['id']}"].expiration == START + 765 * DAY
    assert json.loads(by_key[f"stats:{view['id']}"].value)["stats"] == {"a": 1}
    emu.clock.advance(seconds=1)
    perpetual = LicenseRecord.model_validate({**view, "expires_at": None})
    asyncio.run(storage.move_license_expiry(emu.kv("LICENSE_KV"), perpetual))
    by_key = {e.key: e for e in emu.kv_entries("LICENSE_KV")}
    assert by_key[f"license:{view['id']}"].expiration is None
    assert by_key[f"stats:{view['id']}"].expiration is None


def test_row4_the_version_is_used_then_dropped(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    client.put("/v1/admin/release", json={"latest_version": "8.0.0"}, headers=ADMIN)
    body = client.post(
        "/v1/validate", json={"license_key": key, "version": PROBE_VERSION, "stats": {"a": 1}}
    ).json()
    assert body["update"]["update_available"] is True
    answer = client.get("/v1/update-check", params={"version": PROBE_VERSION}).json()
    assert answer["update_available"] is True
    kept = everything_kept(emu)
    for fragment in (PROBE_VERSION, "7.7.7", "privacyprobe"):
        assert fragment not in kept


def test_row5_only_aggregate_integer_counts_are_accepted(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    per_asset = {"assets": {"kv-prod-01": 1, "kv-prod-02": "expired"}}
    nested = {"assets": {"kv-prod-01": {"certs": 3}}}
    for stats in (per_asset, nested, {"owners": ["alice@contoso.com"]}, {"n": 1.5}):
        emu.clock.advance(seconds=1)
        body = client.post("/v1/validate", json={"license_key": key, "stats": stats}).json()
        assert body["stats"]["accepted"] is False
    assert not any(e.key.startswith("stats:") for e in emu.kv_entries("LICENSE_KV"))
    assert "alice@contoso.com" not in everything_kept(emu)


def test_row6_one_stats_entry_per_license_never_outliving_the_record(emu: Any, client: Any) -> None:
    first, first_view = create_license(client, expires_at=iso(START + 10 * DAY))
    second, _ = create_license(client, expires_at=None)
    for count in range(3):
        emu.clock.advance(seconds=1)
        client.post("/v1/validate", json={"license_key": first, "stats": {"a": count}})
        client.post("/v1/validate", json={"license_key": second, "stats": {"b": count}})
    stats = [e for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("stats:")]
    assert len(stats) == 2
    record = next(e for e in emu.kv_entries("LICENSE_KV") if e.key == f"license:{first_view['id']}")
    first_stats = next(e for e in stats if e.key == f"stats:{first_view['id']}")
    assert first_stats.expiration == record.expiration


def test_row7_a_refused_payload_is_never_written(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    secret_shape = {"host": "dc01.contoso.local", "n": 1}
    response = client.post("/v1/validate", json={"license_key": key, "stats": secret_shape})
    assert response.json()["stats"]["reason"] == "stats_invalid"
    assert response.kv_ops["LICENSE_KV"].writes == 1
    assert "dc01.contoso.local" not in everything_kept(emu)


def test_row8_validation_works_without_stats(client: Any) -> None:
    key, _ = create_license(client)
    for body in ({"license_key": key}, {"license_key": key, "stats": None}):
        answer = client.post("/v1/validate", json=body).json()
        assert answer["valid"] is True and answer["stats"] is None


def test_row9_a_valid_heartbeat_returns_an_offline_verifiable_lease(client: Any) -> None:
    key, view = create_license(client)
    lease = client.post("/v1/validate", json={"license_key": key}).json()["lease"]
    jwk = client.get("/.well-known/jwks.json").json()["keys"][0]
    claims = jwt.decode(
        lease,
        jwt.PyJWK(jwk).key,
        algorithms=["EdDSA"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["sub"] == view["id"] and claims["code"] == "VALID"


def test_row10_no_address_user_agent_version_or_extra_stats_key_is_kept(emu: Any) -> None:
    with emu.test_client(
        client_ip=PROBE_IP, headers={"user-agent": PROBE_AGENT, "x-forwarded-for": PROBE_IPV6}
    ) as client:
        key, _ = create_license(client)
        client.post(
            "/v1/validate",
            json={
                "license_key": key,
                "version": PROBE_VERSION,
                "stats": {"secrets_total": 3},
                "hostname": "probe-host-name",
            },
        )
        client.post("/v1/validate", json={"license_key": keys.generate_key()})  # unknown key
        client.post("/v1/validate", json={"license_key": "not-a-key-" + key})  # malformed
        client.get("/v1/update-check", params={"version": PROBE_VERSION})
        client.get("/v1/admin/release", headers={"authorization": "Bearer " + key})
    kept = everything_kept(emu)
    for secret in (PROBE_IP, "203.0.113", PROBE_IPV6, "CertifyCloudsProbe", "contoso-probe"):
        assert secret not in kept
    for secret in (PROBE_VERSION, "privacyprobe", "probe-host-name", *key_spellings(key)):
        assert secret not in kept
    (stats,) = [e for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("stats:")]
    assert json.loads(stats.value)["stats"] == {"secrets_total": 3}


def test_log_lines_are_json_with_allowlisted_fields_only(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    client.post("/v1/validate", json={"license_key": key, "version": "1.0.0", "stats": [1]})
    client.post("/v1/validate", json={"license_key": "nope"})
    client.get("/nowhere/" + key)
    allowed = {
        "event",
        "attempt",
        "code",
        "duration_ms",
        "error",
        "license_id",
        "method",
        "operation",
        "reason",
        "route",
        "stats_accepted",
        "status",
        "limiter",
    }
    assert emu.log_lines
    for line in emu.log_lines:
        record = json.loads(line)
        assert set(record) <= allowed, record
    assert not any(s in everything_kept(emu) for s in key_spellings(key))
