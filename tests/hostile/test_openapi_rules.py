"""The OpenAPI document and the server cannot disagree on a rule.

The document's request schemas are the models' own generated schemas, and for every rule a
body states (plan, customer, URL, version, timestamp, status, unknown members) the document
accepts a value exactly when the server does: a 40-character plan is refused by both.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import pytest
from pydantic import ValidationError
from workers_emulator import ManualClock

from license_server.openapi import REF_TEMPLATE, REQUEST_MODELS, openapi_document, request_model
from tests.hostile.harness import ADMIN_TOKEN, Runner

ADMIN = [("authorization", f"Bearer {ADMIN_TOKEN}"), ("content-type", "application/json")]
UNKNOWN_ID = "0" * 32


def _request_schema(method: str, path: str) -> dict[str, Any]:
    document = openapi_document()
    operation = document["paths"][path][method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def _document_accepts(method: str, path: str, body: dict[str, Any]) -> bool:
    return jsonschema_rs.Draft202012Validator(_request_schema(method, path)).is_valid(body)


def _model_accepts(method: str, path: str, body: dict[str, Any]) -> bool:
    try:
        request_model(method, path).model_validate(json.loads(json.dumps(body)))
    except ValidationError:
        return False
    return True


def test_every_request_body_in_the_document_is_its_models_generated_schema() -> None:
    document = openapi_document()
    with_body = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    }
    assert with_body == set(REQUEST_MODELS)
    for method, path in REQUEST_MODELS:
        model = request_model(method, path)
        ref = _request_schema(method, path)["$ref"]
        assert ref == REF_TEMPLATE.format(model=model.__name__)
        generated = model.model_json_schema(ref_template=REF_TEMPLATE)
        assert document["components"]["schemas"][model.__name__] == generated


def _plans() -> list[str]:
    lengths = [1, 2, 31, 32, 33, 40, 63, 64, 65]
    return ["p" * n for n in lengths] + ["Pro", "-pro", "_pro", "pro-2_b", "pro plan", "pro\n", "é"]


CREATE_BODIES = (
    [{"customer": "C", "plan": plan, "expires_at": None} for plan in _plans()]
    + [
        {"customer": customer, "plan": "pro", "expires_at": None}
        for customer in ["", "C" * 200, "C" * 201, "a\tb", "a\x7f", "Ünïcödé 😀", " "]
    ]
    + [
        {"customer": "C", "plan": "pro", "expires_at": expires_at}
        for expires_at in ["2030-01-01T00:00:00Z", "2030-01-01T00:00:00", "2030-01-01", "x"]
    ]
    + [
        {"customer": "C", "plan": "pro"},
        {"customer": "C", "plan": "pro", "expires_at": None, "extra": 1},
        {"customer": 1, "plan": "pro", "expires_at": None},
    ]
)

PATCH_BODIES = (
    [{"plan": plan} for plan in _plans()]
    + [{"status": status} for status in ["active", "suspended", "revoked", "deleted", None]]
    + [{"expires_at": None}, {"expires_at": "2030-01-01T00:00:00Z"}, {"expires_at": "soon"}]
    + [{"plan": None}, {"owner": "x"}]
)

RELEASE_BODIES = (
    [
        {"latest_version": version}
        for version in [
            *["1.2.3", "1.2.3-rc.1+b.5", "01.2.3", "1.2", "1.2.3-", "v1.2.3"],
            *["1.0.0-" + "a" * 58, "1.0.0-" + "a" * 59],
        ]
    ]
    + [
        {"latest_version": "1.0.0", "release_notes_url": url}
        for url in [
            None,
            "https://example.com/notes",
            "https://" + "a" * 2040,
            "https://" + "a" * 2041,
            "http://example.com",
            "https://exa mple.com",
            "https://",
        ]
    ]
    + [{"release_notes_url": "https://example.com"}, {"latest_version": "1.0.0", "x": 1}]
)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/v1/admin/licenses", body) for body in CREATE_BODIES]
    + [("PATCH", "/v1/admin/licenses/{id}", body) for body in PATCH_BODIES]
    + [("PUT", "/v1/admin/release", body) for body in RELEASE_BODIES],
)
def test_the_document_and_the_model_accept_the_same_bodies(
    method: str, path: str, body: dict[str, Any]
) -> None:
    assert _document_accepts(method, path, body) is _model_accepts(method, path, body)


def test_the_cases_cover_both_answers() -> None:
    verdicts = {_document_accepts("POST", "/v1/admin/licenses", body) for body in CREATE_BODIES} | {
        _document_accepts("PUT", "/v1/admin/release", body) for body in RELEASE_BODIES
    }
    assert verdicts == {True, False}


def test_a_40_character_plan_is_refused_by_the_document_and_by_the_server(
    runner: Runner,
) -> None:
    for length in (32, 33, 40):
        body = {"customer": "C", "plan": "p" * length, "expires_at": None}
        documented = _document_accepts("POST", "/v1/admin/licenses", body)
        answer = runner.send("POST", "/v1/admin/licenses", ADMIN, json.dumps(body).encode())
        assert answer.status_code == (201 if documented else 400), (length, answer.text)
        assert documented is (length <= 32)


@pytest.mark.parametrize(
    "body",
    [{"plan": plan} for plan in _plans()] + [{"status": "deleted"}, {"status": "revoked"}],
)
def test_a_patch_the_document_refuses_is_refused_before_any_kv_operation(
    runner: Runner, body: dict[str, Any]
) -> None:
    documented = _document_accepts("PATCH", "/v1/admin/licenses/{id}", body)
    answer = runner.send(
        "PATCH", f"/v1/admin/licenses/{UNKNOWN_ID}", ADMIN, json.dumps(body).encode()
    )
    # A body the document accepts reaches the (absent) license; one it refuses never does.
    assert answer.status_code == (404 if documented else 400), answer.text
    if not documented:
        assert answer.kv_ops["LICENSE_KV"].total == 0


@pytest.mark.parametrize(
    "version",
    [
        "1.2.3",
        "1.2.3-beta.2+exp.sha",
        "1.2",
        "1.2.3.4",
        "01.2.3",
        "1.0.0-" + "a" * 59,
        "\u0661.2.3",
    ],
)
def test_the_heartbeats_version_rule_is_the_documents(runner: Runner, version: str) -> None:
    body = {"license_key": "CC-NOT-A-KEY", "version": version}
    documented = _document_accepts("POST", "/v1/validate", body)
    answer = runner.send("POST", "/v1/validate", ADMIN[1:], json.dumps(body).encode())
    # The version is checked first: a documented one gets as far as the (unknown) key.
    assert answer.status_code == (404 if documented else 400), answer.text


@pytest.mark.parametrize(
    "url", ["https://example.com/n", "https://" + "a" * 2041, "http://example.com"]
)
def test_a_release_the_document_accepts_is_stored(
    runner: Runner, clock: ManualClock, url: str
) -> None:
    body = {"latest_version": "2.0.0", "release_notes_url": url}
    documented = _document_accepts("PUT", "/v1/admin/release", body)
    answer = runner.send("PUT", "/v1/admin/release", ADMIN, json.dumps(body).encode())
    assert answer.status_code == (200 if documented else 400), answer.text
