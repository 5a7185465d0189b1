"""Every non-200 heartbeat answer: its status and code, and that KV is left untouched."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from license_server import keys

from .conftest import create_license, make_emulator


def ops(response: Any) -> tuple[int, int, int, int]:
    counts = response.kv_ops["LICENSE_KV"]
    return counts.reads, counts.writes, counts.deletes, counts.lists


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in response.text
    return body


def unknown_but_well_formed_key() -> str:
    return keys.generate_key()


def broken_check_code_key() -> str:
    key = keys.generate_key()
    last = key[-1]
    return key[:-1] + ("0" if last != "0" else "1")


INVALID_JSON_BODIES = [
    b"",
    b"not json",
    b"{",
    b'{"license_key": "CC-1"',
    b"\xff\xfe\x00{",
    b'{"license_key": "\xc3\x28"}',
    b'{"license_key": NaN}',
    b'{"license_key": "x", "stats": {"a": Infinity}}',
    b'{"license_key": "a", "license_key": "b"}',
    b"[" * 5000 + b"]" * 5000,
    b'{"stats": ' + b"[" * 8000 + b"]" * 8000 + b"}",
    b'{"license_key": "x", "stats": {"a": 1e400}, "stats": {}}',
    b'{"stats": ' + b"[" * 1000 + b"]" * 1000 + b"}",
]

INVALID_REQUEST_BODIES: list[Any] = [
    [],
    "CC-XXXX",
    42,
    None,
    {},
    {"license_key": None},
    {"license_key": 12345},
    {"license_key": ["CC-"]},
    {"license_key": {"k": 1}},
    {"license_key": "CC-X", "version": 2},
    {"license_key": "CC-X", "version": "2.4"},
    {"license_key": "CC-X", "version": "v2.4.1"},
    {"license_key": "CC-X", "version": "2.4.1-"},
    {"license_key": "CC-X", "version": "1.0." + "1" * 61},
]


@pytest.mark.parametrize("body", INVALID_JSON_BODIES)
def test_invalid_json_is_400_with_no_kv_operation(client: Any, body: bytes) -> None:
    response = client.post(
        "/v1/validate", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "invalid_json")
    assert ops(response) == (0, 0, 0, 0)


@pytest.mark.parametrize("body", INVALID_REQUEST_BODIES)
def test_invalid_request_is_400_with_no_kv_operation(client: Any, body: Any) -> None:
    response = client.post(
        "/v1/validate",
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    assert_error(response, 400, "invalid_request")
    assert ops(response) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "license_key",
    ["", "hello", "CC-", "CC-0000", "x" * 5000, broken_check_code_key(), "CC-" + "U" * 28],
)
def test_malformed_key_is_404_with_zero_kv_operations(client: Any, license_key: str) -> None:
    response = client.post("/v1/validate", json={"license_key": license_key})
    assert_error(response, 404, "license_not_found")
    assert ops(response) == (0, 0, 0, 0)


def test_unknown_key_is_404_after_one_read_and_no_write(client: Any) -> None:
    response = client.post(
        "/v1/validate", json={"license_key": unknown_but_well_formed_key(), "stats": {"a": 1}}
    )
    assert_error(response, 404, "license_not_found")
    assert ops(response) == (1, 0, 0, 0)


def test_declared_oversize_body_is_413_before_reading(emu: Any) -> None:
    pulled: list[int] = []

    async def body() -> Any:
        for _ in range(64):
            pulled.append(1)
            yield b"x" * 1024

    response = asyncio.run(
        emu.fetch(
            "POST",
            "/v1/validate",
            headers={"content-type": "application/json", "content-length": str(64 * 1024)},
            body=body(),
        )
    )
    assert_error(response, 413, "request_too_large")
    assert pulled == []
    assert ops(response) == (0, 0, 0, 0)


def test_actual_oversize_body_is_413_after_at_most_cap_plus_one_chunk(emu: Any) -> None:
    pulled: list[int] = []

    async def body() -> Any:
        for _ in range(1000):
            pulled.append(1)
            yield b"x" * 1000

    response = asyncio.run(
        emu.fetch("POST", "/v1/validate", headers={"content-type": "application/json"}, body=body())
    )
    assert_error(response, 413, "request_too_large")
    assert len(pulled) == 17  # 16 chunks = 16000 bytes fit; the 17th crosses 16384
    assert ops(response) == (0, 0, 0, 0)


def test_a_body_of_exactly_16_kib_is_read(client: Any) -> None:
    key, _ = create_license(client)
    prefix = json.dumps({"license_key": key, "pad": ""})[:-2]
    body = (prefix + "x" * (16 * 1024 - len(prefix) - 2) + '"}').encode()
    assert len(body) == 16 * 1024
    assert client.post("/v1/validate", content=body).status_code == 200
    assert_error(client.post("/v1/validate", content=body + b" "), 413, "request_too_large")


def test_per_license_rate_limit_is_429_with_retry_after_and_no_kv(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    emu.clock.set(float((int(emu.clock.now()) // 60 + 1) * 60))  # start of a fresh window
    statuses = [
        client.post("/v1/validate", json={"license_key": key}).status_code for _ in range(30)
    ]
    assert statuses == [200] * 30
    response = client.post("/v1/validate", json={"license_key": key})
    assert_error(response, 429, "rate_limited")
    assert response.headers["retry-after"] == "60"
    assert ops(response) == (0, 0, 0, 0)
    emu.clock.advance(seconds=60)
    assert client.post("/v1/validate", json={"license_key": key}).status_code == 200


def test_per_client_rate_limit_for_unknown_and_malformed_keys(emu: Any) -> None:
    emu.clock.set(float(1_798_761_600))
    with (
        emu.test_client(client_ip="198.51.100.7") as noisy,
        emu.test_client(client_ip="198.51.100.8") as quiet,
    ):
        answers = []
        for i in range(60):
            key = unknown_but_well_formed_key() if i % 2 else "garbage"
            answers.append(noisy.post("/v1/validate", json={"license_key": key}).status_code)
        assert answers == [404] * 60
        limited = noisy.post("/v1/validate", json={"license_key": "garbage"})
        assert_error(limited, 429, "rate_limited")
        assert limited.headers["retry-after"] == "60"
        assert ops(limited) == (0, 0, 0, 0)
        limited = noisy.post("/v1/validate", json={"license_key": unknown_but_well_formed_key()})
        assert_error(limited, 429, "rate_limited")
        # The spent budget was seen by the malformed key: no read for minted keys any more.
        assert ops(limited) == (0, 0, 0, 0)
        assert quiet.post("/v1/validate", json={"license_key": "garbage"}).status_code == 404
    # The limiter saw an opaque bucket, never the address.
    buckets = " ".join(emu.ratelimiter("CLIENT_RATE_LIMITER")._windows)
    assert "198.51.100" not in buckets


def test_known_keys_are_not_limited_per_client(emu: Any) -> None:
    with emu.test_client(client_ip="198.51.100.9") as client:
        for _ in range(70):
            key, _ = create_license(client)
            response = client.post("/v1/validate", json={"license_key": key})
            assert response.status_code == 200


def test_license_read_failure_is_503_with_retry_after_and_no_write(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    emu.inject_kv_faults(rate=1.0, ops=("read",))
    response = client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
    assert_error(response, 503, "storage_unavailable")
    assert int(response.headers["retry-after"]) > 0
    assert response.kv_ops["LICENSE_KV"].writes == 0


def test_failed_writes_are_retried_once_and_the_answer_stays_200(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    emu.inject_kv_faults(rate=1.0, ops=("write",))
    response = client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}})
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert body["warnings"] == ["validation_not_recorded"]
    assert body["stats"]["accepted"] is False
    assert body["stats"]["reason"] == "storage_unavailable"
    assert response.kv_ops["LICENSE_KV"].writes == 4  # two writes, each tried twice
    assert [e for e in emu.kv_entries("LICENSE_KV") if not e.key.startswith("license:")] == []


def test_one_failed_write_attempt_is_recovered_by_the_retry(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    injector = emu.inject_kv_faults(rate=0.5, seed=3, ops=("write",))
    for _ in range(20):
        emu.clock.advance(seconds=1)
        body = client.post("/v1/validate", json={"license_key": key, "stats": {"a": 1}}).json()
        assert body["valid"] is True
    assert injector.injected > 0


def test_release_read_failure_does_not_fail_the_heartbeat(
    emu: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, _ = create_license(client)
    kv = emu.kv("LICENSE_KV")
    real_get = kv.get

    async def get_failing_release(name: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "release":
            raise RuntimeError("Error: KV GET failed: 500 Internal Server Error")
        return await real_get(name, *args, **kwargs)

    monkeypatch.setattr(kv, "get", get_failing_release)
    response = client.post("/v1/validate", json={"license_key": key, "version": "1.0.0"})
    assert response.status_code == 200
    assert response.json()["valid"] is True
    assert response.json()["update"]["latest_version"] is None
    assert response.json()["warnings"] == ["update_check_unavailable"]
    response = client.get("/v1/update-check", params={"version": "1.0.0"})
    assert_error(response, 503, "storage_unavailable")


def test_heavy_fault_injection_never_yields_500() -> None:
    emu = make_emulator()
    with emu.test_client() as client:
        key, _ = create_license(client)
        emu.inject_kv_faults(rate=0.5, seed=11)
        for i in range(60):
            emu.clock.advance(seconds=1)
            response = client.post(
                "/v1/validate",
                json={"license_key": key, "version": "1.2.3", "stats": {"a": i}},
            )
            assert response.status_code in (200, 429, 503)
            response = client.get("/v1/update-check", params={"version": "1.0.0"})
            assert response.status_code in (200, 503)
    assert not any('"internal_error"' in line for line in emu.log_lines)
