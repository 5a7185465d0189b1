"""Schemathesis against the emulator's dev server: no 5xx, and every answer (status, body,
headers, content type) is one the OpenAPI document describes.

The schema is loaded from the running server's own ``/openapi.json``. Examples are bounded per
operation (positive and negative data) to keep the whole run well under two minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from license_server.openapi import openapi_document
from tests.hostile.harness import FIGURES, DevServer, start_dev_server

EXAMPLES_PER_OPERATION = 40


def no_server_error(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """No 5xx, except docs/API.md's own 503 `storage_unavailable` (KV refused, e.g. a second
    write to the same key within a second), which must carry Retry-After."""
    if response.status_code == 503:
        body = response.json()
        assert body["error"]["code"] == "storage_unavailable", body
        assert response.headers.get("retry-after"), "503 without Retry-After"
        return True
    return not_a_server_error(ctx, response, case)


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def schemathesis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    server = start_dev_server(Path(tmp_path_factory.mktemp("schemathesis")))
    yield server
    server.stop()
    assert "Traceback" not in server.output()


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


def test_the_server_serves_the_document_under_test(
    schemathesis_server: DevServer, session: requests.Session
) -> None:
    """The cases below are generated from the document the running server serves."""
    served = session.get(f"{schemathesis_server.url}/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.json() == openapi_document()


# Loaded at collection from the same document the server serves (checked above):
# schemathesis.pytest.from_fixture() breaks on pytest 9.2 (it reads the removed
# `Function._nodeid`), so the schema cannot come from the dev-server fixture itself.
schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_and_never_5xx(
    case: schemathesis.Case, schemathesis_server: DevServer, session: requests.Session
) -> None:
    # The admin token rides along on every call: without it every admin case would stop at
    # the 401 and never reach a handler. (Refused tokens are tested in test_admin_auth.py.)
    headers = dict(case.headers or {})
    if case.path.startswith("/v1/admin/"):
        headers["Authorization"] = f"Bearer {schemathesis_server.token}"
    response = case.call_and_validate(
        base_url=schemathesis_server.url,
        session=session,
        headers=headers,
        checks=CHECKS,
        timeout=10,
    )
    counts = FIGURES.setdefault("schemathesis", {"requests": 0, "statuses": {}})
    counts["requests"] += 1
    statuses = counts["statuses"]
    statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
