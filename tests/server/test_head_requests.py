"""``HEAD`` on every ``GET`` route answers as ``GET`` does, without the body (RFC 9110)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from license_server import app

from .conftest import ADMIN, create_license

GET_PATTERNS = [route.pattern for route in app.ROUTES if "GET" in route.methods]
QUERIES = {"/v1/update-check": "?version=1.0.0", "/v1/admin/licenses/{id}/validations": ""}


def test_every_get_route_is_covered() -> None:
    assert "/v1/update-check" in GET_PATTERNS and "/v1/admin/licenses/{id}" in GET_PATTERNS
    assert len(GET_PATTERNS) >= 9


@pytest.mark.parametrize("pattern", GET_PATTERNS)
def test_head_answers_like_get_without_a_body(client: Any, pattern: str) -> None:
    _, license_view = create_license(client)
    path = re.sub(r"\{id\}", license_view["id"], pattern) + QUERIES.get(pattern, "")
    got = client.get(path, headers=ADMIN)
    head = client.request("HEAD", path, headers=ADMIN)
    assert got.status_code == 200, got.text
    assert got.content
    assert head.status_code == got.status_code
    assert head.content == b""
    assert head.headers.get("content-type") == got.headers.get("content-type")
    assert head.headers.get("cache-control") == got.headers.get("cache-control")


def test_head_on_an_error_answers_the_same_status_without_a_body(client: Any) -> None:
    got = client.get("/v1/update-check?version=nope")
    head = client.request("HEAD", "/v1/update-check?version=nope")
    assert (got.status_code, head.status_code) == (400, 400)
    assert head.content == b""


def test_head_on_admin_routes_needs_the_token_and_costs_no_kv_without_it(client: Any) -> None:
    head = client.request("HEAD", "/v1/admin/licenses")
    assert head.status_code == 401
    assert head.content == b""
    assert head.kv_ops["LICENSE_KV"].total == 0


def test_allow_names_head_beside_get_and_not_beside_post(client: Any) -> None:
    refused = client.post("/healthz", content=b"{}")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"
    head = client.request("HEAD", "/v1/validate")
    assert head.status_code == 405
    assert head.headers["allow"] == "POST"
