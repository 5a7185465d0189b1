"""Routing, the small endpoints, and the promise that no request reaches the 500 catch-all."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from license_server import app
from license_server.context import Bindings
from license_server.http import HttpRequest

from .conftest import ADMIN, create_license


def no_ops(response: Any) -> bool:
    counts = response.kv_ops["LICENSE_KV"]
    return (counts.reads, counts.writes, counts.deletes, counts.lists) == (0, 0, 0, 0)


def test_healthz(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert no_ops(response)


@pytest.mark.parametrize("path", ["/", "/v1", "/v1/validate/", "/v2/validate", "/healthz/x"])
def test_unknown_path_is_404_not_found(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert no_ops(response)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/v1/validate", "POST"),
        ("PUT", "/v1/validate", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
        ("DELETE", "/v1/update-check", "GET, HEAD"),
        ("POST", "/.well-known/jwks.json", "GET, HEAD"),
    ],
)
def test_wrong_method_is_405_with_allow(client: Any, method: str, path: str, allow: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.headers["allow"] == allow
    assert no_ops(response)


def test_admin_405_lists_methods(client: Any) -> None:
    response = client.request("POST", "/v1/admin/release", headers=ADMIN)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, PUT"


def test_update_check(client: Any) -> None:
    response = client.get("/v1/update-check", params={"version": "2.4.1"})
    assert response.json() == {
        "current_version": "2.4.1",
        "latest_version": None,
        "update_available": False,
    }
    assert response.kv_ops["LICENSE_KV"].reads == 1
    assert response.kv_ops["LICENSE_KV"].writes == 0
    client.put("/v1/admin/release", json={"latest_version": "2.5.0"}, headers=ADMIN)
    response = client.get("/v1/update-check", params={"version": "2.4.1"})
    assert response.json()["update_available"] is True
    assert response.kv_ops["LICENSE_KV"].reads <= 1


@pytest.mark.parametrize("query", [None, {"version": ""}, {"version": "2.4"}, {"v": "2.4.1"}])
def test_update_check_needs_a_valid_version(client: Any, query: Any) -> None:
    response = client.get("/v1/update-check", params=query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert no_ops(response)


def test_jwks_lists_the_keys_in_rotation() -> None:
    from license_server.lease import generate_signing_key

    from .conftest import make_emulator

    emu = make_emulator(
        secrets={"LEASE_SIGNING_KEY": f"{generate_signing_key()},{generate_signing_key()}"}
    )
    with emu.test_client() as client:
        response = client.get("/.well-known/jwks.json")
    document = response.json()
    assert len(document["keys"]) == 2
    for key in document["keys"]:
        assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["x"] and key["kid"]
    assert no_ops(response)


def test_errors_are_json_objects_with_code_and_message(client: Any) -> None:
    response = client.post("/v1/validate", content=b"{oops")
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"error": {"code": "invalid_json", "message": mock_message(response)}}


def mock_message(response: Any) -> str:
    return response.json()["error"]["message"]


HOSTILE_BODIES = [
    b"\x00" * 100,
    b'{"license_key": "\\ud800"}',
    b'{"license_key": "CC", "stats": {"\\ud800": 1}}',
    b'{"license_key": "CC", "version": "\\udfff"}',
    b'{"license_key": "' + "\u00e9".encode() * 3000 + b'"}',
    b'{"license_key": "x", "version": null, "stats": null}',
    b'{"license_key": "x", "stats": {"a": {"b": {}}}}',
    b'{"license_key": "x", "stats": {"a": 1e308}}',
    b'{"license_key": "x", "stats": {"a": -0}}',
    b'{"license_key": "x", "stats": {"a": 0.0}}',
    b"[" * 32 + b"]" * 32,
    b'"just a string"',
    b"null",
    b"true",
    b"1e5",
]


def test_hostile_bodies_never_reach_the_catch_all(emu: Any, client: Any) -> None:
    key, _ = create_license(client)
    for body in HOSTILE_BODIES:
        for payload in (body, body.replace(b'"x"', json.dumps(key).encode())):
            emu.clock.advance(seconds=1)
            response = client.post("/v1/validate", content=payload)
            assert response.status_code in (200, 400, 404), (body, response.text)
    assert not any("internal_error" in line for line in emu.log_lines)


SWEEP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "patch", "FOO"]
SWEEP_PATHS = [
    "/v1/validate",
    "/v1/update-check?version=1.0.0",
    "/v1/update-check?version=%FF",
    "/healthz",
    "/.well-known/jwks.json",
    "/v1/admin/release",
    "/v1/admin/licenses",
    "/%2e%2e/etc/passwd",
    "/v1/validate?x=%00",
]


def test_method_and_path_sweep_never_500(emu: Any, client: Any) -> None:
    for method in SWEEP_METHODS:
        for path in SWEEP_PATHS:
            body = b"{}" if method not in ("GET", "HEAD") else None
            for headers in ({}, ADMIN):
                response = client.request(method, path, content=body, headers=headers)
                assert response.status_code < 500, (method, path, response.text)
    assert not any("internal_error" in line for line in emu.log_lines)


def test_the_catch_all_hides_details() -> None:
    async def broken(request: HttpRequest, ctx: Any) -> Any:
        raise RuntimeError("secret detail CC-XXXX")

    route = app.Route("/boom", app._compile("/boom"), {"GET": broken})
    app.ROUTES.append(route)
    try:
        response = asyncio.run(app.handle(HttpRequest("GET", "/boom"), Bindings(), 0))
    finally:
        app.ROUTES.remove(route)
    assert response.status == 500
    assert response.json() == {"error": {"code": "internal_error", "message": "internal error"}}


def test_importing_the_worker_draws_no_randomness() -> None:
    """workerd refuses entropy during the import snapshot: the Worker draws it per request."""
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    script = f"""
import os, sys, types
def refuse(*args, **kwargs):
    raise RuntimeError("entropy at import")
os.urandom = refuse
stub = types.ModuleType("workers")
stub.WorkerEntrypoint = type("WorkerEntrypoint", (), {{}})
stub.Response = type("Response", (), {{}})
sys.modules["workers"] = stub
sys.path.insert(0, {str(src)!r})
import secrets
secrets.token_bytes = secrets.token_hex = secrets.randbelow = refuse
import entry
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "ok", result.stderr[-2000:]
