"""The OpenAPI document: valid OpenAPI 3.1, the same routes as the Worker, docs/API.md's answers."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import jsonschema_rs
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR
from workers_emulator import ManualClock

from license_server.app import ROUTES
from license_server.openapi import ERROR_CODES, openapi_document
from tests.hostile.harness import ADMIN_TOKEN, REPO, Runner

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_document_is_valid_openapi_3_1() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    errors = [str(error) for error in OPENAPI_31_VALIDATOR.iter_errors(document)]
    assert not errors, errors[:5]


def test_every_schema_in_the_document_compiles() -> None:
    # Resolve each response/request schema against the document (refs included).
    document = openapi_document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
            for body in bodies:
                for media in body.get("content", {}).values():
                    schema = {**media["schema"], "components": document["components"]}
                    jsonschema_rs.Draft202012Validator(schema)  # raises on an invalid schema
            assert operation["responses"], (method, path)


def test_routes_and_document_agree_both_ways() -> None:
    """Every route the Worker serves is documented, and nothing else is."""
    served = {(method, route.pattern) for route in ROUTES for method in route.methods}
    documented = _operations(openapi_document())
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


def test_every_documented_error_code_is_one_spec_defines() -> None:
    api = (REPO / "docs" / "API.md").read_text(encoding="utf-8")
    api_codes = set(re.findall(r"^\| \d{3} \| `([a-z_]+)` \|", api, flags=re.M))
    for codes in ERROR_CODES.values():
        for code in codes:
            assert code in api_codes, code


def test_heartbeat_answers_are_documented_as_spec_lists_them() -> None:
    operation = openapi_document()["paths"]["/v1/validate"]["post"]
    assert set(operation["responses"]) == {"200", "400", "404", "413", "429", "503"}
    for status in ("429", "503"):
        assert "Retry-After" in operation["responses"][status]["headers"]
    request = openapi_document()["components"]["schemas"]["ValidateRequest"]
    assert request["required"] == ["license_key"]
    assert request.get("additionalProperties", True) is not False  # unknown fields are ignored


def test_admin_operations_require_bearer_and_document_401() -> None:
    document = openapi_document()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            if path.startswith("/v1/admin/"):
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
                assert "401" in operation["responses"], (method, path)
            else:
                assert operation["security"] == [], (method, path)


def test_document_is_built_lazily_not_at_import() -> None:
    # A fresh interpreter: importing the whole Worker app must not build the document.
    code = (
        "import license_server.app, license_server.openapi as o;"
        "assert o._document is None, 'built at import';"
        "o.openapi_document(); assert o._document is not None; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO / "src")},
        check=False,
    )
    assert result.stdout.strip() == "ok", result.stderr


def _conforms(method: str, path: str, status: int, body: Any) -> None:
    document = openapi_document()
    operation = document["paths"][path][method.lower()]
    response = operation["responses"][str(status)]
    schema = {**response["content"]["application/json"]["schema"]}
    schema["components"] = document["components"]
    errors = [e.message for e in jsonschema_rs.Draft202012Validator(schema).iter_errors(body)]
    assert not errors, (method, path, status, errors[:3], body)


def test_real_answers_conform_to_the_document(runner: Runner, clock: ManualClock) -> None:
    """Answers schemathesis cannot reach without a real key: the heartbeat and the admin reads."""
    admin = [("authorization", f"Bearer {ADMIN_TOKEN}"), ("content-type", "application/json")]
    created = runner.send(
        "POST", "/v1/admin/licenses", admin, b'{"customer":"C","plan":"pro","expires_at":null}'
    )
    _conforms("POST", "/v1/admin/licenses", 201, created.json())
    key, license_id = created.json()["license_key"], created.json()["license"]["id"]
    release = runner.send("PUT", "/v1/admin/release", admin, b'{"latest_version":"2.0.0"}')
    _conforms("PUT", "/v1/admin/release", 200, release.json())
    for stats in ('{"a":1,"g":{"b":2}}', "[1]", '{"a":-1}', "null"):
        body = f'{{"license_key":"{key}","version":"1.0.0","stats":{stats}}}'.encode()
        answer = runner.send("POST", "/v1/validate", admin[1:], body)
        _conforms("POST", "/v1/validate", 200, answer.json())
    answer = runner.send("POST", "/v1/validate", admin[1:], f'{{"license_key":"{key}"}}'.encode())
    _conforms("POST", "/v1/validate", 200, answer.json())
    reads = {
        "/v1/admin/licenses": "/v1/admin/licenses",
        "/v1/admin/licenses/{id}": f"/v1/admin/licenses/{license_id}",
        "/v1/admin/licenses/{id}/validations": f"/v1/admin/licenses/{license_id}/validations",
        "/v1/admin/licenses/{id}/export": f"/v1/admin/licenses/{license_id}/export",
        "/v1/admin/fleet": "/v1/admin/fleet",
        "/v1/admin/release": "/v1/admin/release",
        "/v1/update-check": "/v1/update-check?version=1.0.0",
        "/.well-known/jwks.json": "/.well-known/jwks.json",
        "/healthz": "/healthz",
    }
    for documented, concrete in reads.items():
        answer = runner.send("GET", concrete, admin)
        assert answer.status_code == 200, (concrete, answer.text)
        _conforms("GET", documented, 200, answer.json())
    clock.advance(2)  # KV takes one write per second per key; the record was just written
    patched = runner.send(
        "PATCH", f"/v1/admin/licenses/{license_id}", admin, b'{"status":"suspended"}'
    )
    _conforms("PATCH", "/v1/admin/licenses/{id}", 200, patched.json())
    suspended = runner.send(
        "POST", "/v1/validate", admin[1:], f'{{"license_key":"{key}"}}'.encode()
    )
    _conforms("POST", "/v1/validate", 200, suspended.json())
    assert "lease" not in suspended.json()
    erased = runner.send("DELETE", f"/v1/admin/licenses/{license_id}", admin)
    assert erased.status_code == 204 and erased.content == b""
    for status, answer in (
        (404, runner.send("GET", f"/v1/admin/licenses/{license_id}", admin)),
        (400, runner.send("POST", "/v1/validate", admin[1:], b"{")),
        (401, runner.send("GET", "/v1/admin/fleet")),
    ):
        assert answer.status_code == status
        path = "/v1/validate" if status == 400 else "/v1/admin/licenses/{id}"
        method = "POST" if status == 400 else "GET"
        if status == 401:
            path = "/v1/admin/fleet"
        _conforms(method, path, status, answer.json())


def test_worker_serves_the_document_without_kv(runner: Runner) -> None:
    response = runner.send("GET", "/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == openapi_document()
    assert response.kv_ops["LICENSE_KV"].total == 0
