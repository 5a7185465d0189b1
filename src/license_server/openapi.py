"""The OpenAPI 3.1 document of the public and admin API, served at ``GET /openapi.json``.

Every schema is generated from the pydantic models that enforce it (request bodies from
``models``/``admin_models``, stored records from ``models``, answers from ``answers``); only
the paths (methods, statuses, which model) are written here, and the few parameter schemas
come from ``rules``. The document is built on the first request for it and kept for the
isolate's lifetime: most isolates never serve it, so its models are not even imported before.
Over 350 lines because most of it is the paths table, one entry per route: data, not logic.
"""

from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING, Any

from license_server.http import HttpRequest, HttpResponse
from license_server.rules import CURSOR_PATTERN, LICENSE_ID_PATTERN

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic.json_schema import JsonSchemaMode

    from license_server.context import Context

__all__ = [
    "ERROR_CODES",
    "OPENAPI_PATH",
    "REQUEST_MODELS",
    "openapi_document",
    "openapi_response",
    "request_model",
    "serve",
]

OPENAPI_PATH = "/openapi.json"

# Every `error.code` the API answers, by the status that carries it.
ERROR_CODES: dict[int, tuple[str, ...]] = {
    400: ("invalid_json", "invalid_request"),
    401: ("unauthorized",),
    404: ("license_not_found", "not_found"),
    405: ("method_not_allowed",),
    409: ("license_revoked",),
    413: ("request_too_large",),
    429: ("rate_limited",),
    503: ("storage_unavailable",),
}

# (module, model) of each request body, by (method, path).
REQUEST_MODELS: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/v1/validate"): ("license_server.models", "ValidateRequest"),
    ("POST", "/v1/admin/licenses"): ("license_server.admin_models", "CreateLicense"),
    ("PATCH", "/v1/admin/licenses/{id}"): ("license_server.admin_models", "PatchLicense"),
    ("PUT", "/v1/admin/release"): ("license_server.admin_models", "ReleaseUpdate"),
}

REF_TEMPLATE = "#/components/schemas/{model}"
_JSON = "application/json"
_ADMIN: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_document: dict[str, Any] | None = None
_body: bytes | None = None


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=name)}


def _ok(description: str, model: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": _ref(model)}}}


_ERROR_TEXT = {
    400: "Body is not JSON (`invalid_json`) or does not fit the request (`invalid_request`).",
    401: "Missing or wrong bearer token, or no ADMIN_TOKEN configured.",
    404: "No such license.",
    409: "The license is revoked, and revocation is final (`license_revoked`).",
    413: "Body over 16 KiB, declared or actual.",
    429: "Rate limited; retry after `Retry-After` seconds.",
    503: "The store could not be read; retry after `Retry-After` seconds.",
}


def _errors(*statuses: int) -> dict[str, Any]:
    """Error answers, each `code` restricted to the ones that status carries."""
    answers: dict[str, Any] = {}
    for status in statuses:
        codes = {"properties": {"code": {"enum": list(ERROR_CODES[status])}}}
        schema = {
            "allOf": [_ref("ErrorAnswer"), {"properties": {"error": codes}}],
        }
        answer: dict[str, Any] = {
            "description": _ERROR_TEXT[status],
            "content": {_JSON: {"schema": schema}},
        }
        if status in (429, 503):
            answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
        answers[str(status)] = answer
    return answers


def _operation(
    operation_id: str,
    summary: str,
    responses: dict[str, Any],
    *,
    admin: bool,
    body: str | None = None,
    cursor: bool = False,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "security": _ADMIN if admin else [],
    }
    if cursor:
        operation["parameters"] = [
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "The `cursor` of the previous page; absent for the first page.",
                "schema": {"type": "string", "pattern": CURSOR_PATTERN},
            }
        ]
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {_JSON: {"schema": _ref(body)}}}
    operation["responses"] = responses
    return operation


_ID_PARAMETER = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The license id (a one-way hash of the key).",
    "schema": {"type": "string", "pattern": LICENSE_ID_PATTERN},
}


def _paths(semver: dict[str, Any]) -> dict[str, Any]:
    return {
        "/v1/validate": {
            "post": _operation(
                "validate",
                "The heartbeat: validate a license, check for updates, record counts.",
                {
                    "200": _ok("The license exists (whatever its state).", "ValidateResponse"),
                    **_errors(400, 404, 413, 429, 503),
                },
                admin=False,
                body="ValidateRequest",
            )
        },
        "/v1/update-check": {
            "get": {
                **_operation(
                    "updateCheck",
                    "Is there a newer release than `version`? No license key, no write.",
                    {"200": _ok("The comparison.", "UpdateInfo"), **_errors(400, 503)},
                    admin=False,
                ),
                "parameters": [
                    {"name": "version", "in": "query", "required": True, "schema": semver}
                ],
            }
        },
        "/.well-known/jwks.json": {
            "get": _operation(
                "jwks",
                "The lease verification keys.",
                {"200": _ok("The key set.", "Jwks")},
                admin=False,
            )
        },
        "/healthz": {
            "get": _operation(
                "healthz",
                "Liveness; no KV operation.",
                {"200": _ok("Alive.", "Health")},
                admin=False,
            )
        },
        OPENAPI_PATH: {
            "get": _operation(
                "openapi",
                "This document.",
                {
                    "200": {
                        "description": "OpenAPI 3.1 document.",
                        "content": {_JSON: {"schema": {"type": "object"}}},
                    }
                },
                admin=False,
            )
        },
        "/v1/admin/licenses": {
            "post": _operation(
                "createLicense",
                "Issue a license; the key is shown this once.",
                {"201": _ok("Created.", "CreatedLicense"), **_errors(400, 401, 413, 503)},
                admin=True,
                body="CreateLicense",
            ),
            "get": _operation(
                "listLicenses",
                "A page of licenses.",
                {"200": _ok("One page.", "LicensePage"), **_errors(400, 401, 503)},
                admin=True,
                cursor=True,
            ),
        },
        "/v1/admin/licenses/{id}": {
            "parameters": [_ID_PARAMETER],
            "get": _operation(
                "getLicense",
                "A license with its last stats and last validation.",
                {"200": _ok("The license.", "LicenseDetailAnswer"), **_errors(401, 404, 503)},
                admin=True,
            ),
            "patch": _operation(
                "updateLicense",
                "Change status, plan or expiry.",
                {
                    "200": _ok("The updated license.", "LicenseAnswer"),
                    **_errors(400, 401, 404, 409, 413, 503),
                },
                admin=True,
                body="PatchLicense",
            ),
            "delete": _operation(
                "deleteLicense",
                "Erase the record, its validation log and its stats (GDPR erasure).",
                {
                    "204": {"description": "Erased: nothing naming the license is left."},
                    "202": _ok(
                        "The per-request operation budget ran out; repeat the call.",
                        "ErasureInProgress",
                    ),
                    **_errors(401, 404, 503),
                },
                admin=True,
            ),
        },
        "/v1/admin/licenses/{id}/validations": {
            "parameters": [_ID_PARAMETER],
            "get": _operation(
                "listValidations",
                "Validation timestamps within retention, newest first.",
                {"200": _ok("One page.", "ValidationsPage"), **_errors(400, 401, 404, 503)},
                admin=True,
                cursor=True,
            ),
        },
        "/v1/admin/licenses/{id}/export": {
            "parameters": [_ID_PARAMETER],
            "get": _operation(
                "exportLicense",
                "Every datum held for the license (GDPR access).",
                {
                    "200": _ok(
                        "Everything held; a long validation log continues with `cursor`.",
                        "LicenseExportAnswer",
                    ),
                    **_errors(400, 401, 404, 503),
                },
                admin=True,
                cursor=True,
            ),
        },
        "/v1/admin/fleet": {
            "get": _operation(
                "fleet",
                "Last stats of every license.",
                {"200": _ok("One page.", "FleetPage"), **_errors(400, 401, 503)},
                admin=True,
                cursor=True,
            ),
        },
        "/v1/admin/release": {
            "get": _operation(
                "getRelease",
                "The release the update check compares against.",
                {
                    "200": _ok("The release (null fields while none is set).", "ReleaseAnswer"),
                    **_errors(401, 503),
                },
                admin=True,
            ),
            "put": _operation(
                "putRelease",
                "Set the latest release.",
                {"200": _ok("The stored release.", "ReleaseAnswer"), **_errors(400, 401, 413, 503)},
                admin=True,
                body="ReleaseUpdate",
            ),
        },
    }


def request_model(method: str, path: str) -> type[BaseModel]:
    """The model that validates this operation's body (see :data:`REQUEST_MODELS`)."""
    module, name = REQUEST_MODELS[(method, path)]
    model: type[BaseModel] = getattr(importlib.import_module(module), name)
    return model


def _schemas() -> dict[str, Any]:
    """Request (validation), stored-record and answer (serialization) schemas, by model name."""
    from pydantic import TypeAdapter
    from pydantic.json_schema import models_json_schema

    from license_server import answers, models

    stored: list[type[BaseModel]] = [models.LicenseRecord, models.StatsRecord, models.Release]
    replies: list[type[BaseModel]] = [getattr(answers, name) for name in answers.__all__]
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (request_model(*operation), "validation") for operation in REQUEST_MODELS
    ]
    wanted += [(model, "serialization") for model in [*stored, *replies]]
    _, top = models_json_schema(wanted, ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = top["$defs"]
    schemas["SemVer"] = TypeAdapter(models.SemVerText).json_schema()
    return schemas


def openapi_document() -> dict[str, Any]:
    """The document, built once per isolate."""
    global _document
    if _document is None:
        schemas = _schemas()
        _document = {
            "openapi": "3.1.0",
            "info": {
                "title": "CertifyClouds license server",
                "version": "1",
                "description": (
                    "Validation heartbeat, update checks and aggregate fleet counts. "
                    'Errors are `{"error": {"code", "message"}}`, never a stack trace.'
                ),
            },
            "servers": [{"url": "https://license.certifyclouds.com"}],
            "security": [],
            "paths": _paths(_ref("SemVer")),
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "The Worker secret ADMIN_TOKEN; compared in constant time.",
                    }
                },
                "headers": {
                    "RetryAfter": {
                        "description": "Seconds to wait before retrying.",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0},
                    }
                },
                "schemas": schemas,
            },
        }
    return _document


def openapi_response() -> HttpResponse:
    """`GET /openapi.json`: the serialised document, also cached (it never changes)."""
    global _body
    if _body is None:
        _body = json.dumps(openapi_document(), separators=(",", ":")).encode()
    return HttpResponse(
        status=200,
        headers={"content-type": "application/json", "cache-control": "public, max-age=3600"},
        body=_body,
    )


async def serve(request: HttpRequest, ctx: Context) -> HttpResponse:
    """The route handler (app.py's table): no KV operation, no authentication."""
    return openapi_response()
