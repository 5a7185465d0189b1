"""The OpenAPI 3.1 description of the public and admin API, served at ``GET /openapi.json``.

The document is a plain dict mirroring SPEC.md (the contract wins where they differ). It is
built on first use and then kept for the isolate's lifetime: building it at import would add
to every cold start, and most isolates never serve it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from license_server.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from license_server.context import Context

__all__ = [
    "ERROR_CODES",
    "OPENAPI_PATH",
    "openapi_document",
    "openapi_response",
    "serve",
]

OPENAPI_PATH = "/openapi.json"

# Every `error.code` SPEC.md defines, by the status that carries it.
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

# SemVer 2.0.0 (MAJOR.MINOR.PATCH, optional pre-release and build). ASCII classes only:
# JSON Schema patterns are ECMA-262, where a Python `\d` would admit other scripts' digits.
_NUM = r"(0|[1-9][0-9]*)"
_PRE_ID = r"(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
SEMVER_PATTERN = (
    rf"^{_NUM}\.{_NUM}\.{_NUM}"
    rf"(-{_PRE_ID}(\.{_PRE_ID})*)?"
    rf"(\+{_BUILD_ID}(\.{_BUILD_ID})*)?$"
)
STATS_KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"
# SPEC.md: UTC ISO 8601 with `Z`, second precision (not JSON Schema's looser `date-time`).
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
PLAN_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
HTTPS_URL_PATTERN = r"^https://[^\s]+$"
LICENSE_ID_PATTERN = r"^[0-9a-f]{32}$"
MAX_SAFE_INTEGER = 2**53 - 1

_JSON = "application/json"
_document: dict[str, Any] | None = None
_body: bytes | None = None


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {_JSON: {"schema": schema}}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": _json_content(schema)}


def _error(status: int, description: str) -> dict[str, Any]:
    """An error answer whose `code` is restricted to the ones SPEC.md gives that status."""
    schema: dict[str, Any] = {
        "allOf": [
            _ref("Error"),
            {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {"code": {"enum": list(ERROR_CODES[status])}},
                    }
                },
            },
        ]
    }
    response: dict[str, Any] = {"description": description, "content": _json_content(schema)}
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return response


def _errors(*statuses: int) -> dict[str, Any]:
    text = {
        400: "Body is not JSON (`invalid_json`) or does not fit the request (`invalid_request`).",
        401: "Missing or wrong bearer token, or no ADMIN_TOKEN configured.",
        404: "No such license.",
        409: "The license is revoked, and revocation is final (`license_revoked`).",
        413: "Body over 16 KiB, declared or actual.",
        429: "Rate limited; retry after `Retry-After` seconds.",
        503: "The store could not be read; retry after `Retry-After` seconds.",
    }
    return {str(status): _error(status, text[status]) for status in statuses}


def _json_body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": _json_content(schema)}


def _cursor_param() -> dict[str, Any]:
    return {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "The `cursor` of the previous page; absent for the first page.",
        "schema": {"type": "string"},
    }


def _id_param() -> dict[str, Any]:
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "The license id (a one-way hash of the key).",
        "schema": {"type": "string", "pattern": LICENSE_ID_PATTERN},
    }


def _paged_get(
    operation_id: str,
    summary: str,
    member: str,
    item: dict[str, Any],
    security: list[dict[str, list[str]]],
    not_found: bool = False,
) -> dict[str, Any]:
    """An admin ``GET`` answering one page: ``{member: [item, ...], "cursor": ...}``."""
    return {
        "operationId": operation_id,
        "summary": summary,
        "security": security,
        "parameters": [_cursor_param()],
        "responses": {
            "200": _ok(
                "One page.",
                {
                    "type": "object",
                    "required": [member, "cursor"],
                    "properties": {
                        member: {"type": "array", "items": item},
                        "cursor": _ref("Cursor"),
                    },
                },
            ),
            **(_errors(400, 401, 404, 503) if not_found else _errors(400, 401, 503)),
        },
    }


def _components() -> dict[str, Any]:
    timestamp = {"type": "string", "pattern": TIMESTAMP_PATTERN, "description": "UTC, seconds"}
    count = {"type": "integer", "minimum": 0, "maximum": MAX_SAFE_INTEGER}
    stats_key = {"type": "string", "pattern": STATS_KEY_PATTERN}
    return {
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
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {
                                "enum": sorted({c for cs in ERROR_CODES.values() for c in cs})
                            },
                            "message": {"type": "string"},
                        },
                    }
                },
            },
            "Timestamp": timestamp,
            "SemVer": {"type": "string", "maxLength": 64, "pattern": SEMVER_PATTERN},
            "LicenseStatus": {"enum": ["active", "suspended", "revoked"]},
            "License": {
                "type": "object",
                "required": ["id", "status", "customer", "plan", "created_at", "expires_at"],
                "properties": {
                    "id": {"type": "string", "pattern": LICENSE_ID_PATTERN},
                    "status": _ref("LicenseStatus"),
                    "customer": {"type": "string", "maxLength": 200},
                    "plan": {"type": "string"},
                    "created_at": timestamp,
                    "expires_at": _nullable(timestamp),
                },
            },
            "LicenseSummary": {
                "type": "object",
                "description": "What a heartbeat learns about its license (no customer).",
                "required": ["id", "status", "plan", "expires_at"],
                "properties": {
                    "id": {"type": "string", "pattern": LICENSE_ID_PATTERN},
                    "status": _ref("LicenseStatus"),
                    "plan": {"type": "string"},
                    "expires_at": _nullable(timestamp),
                },
            },
            "Stats": {
                "type": "object",
                "description": "Aggregate counts: integers, or one level of objects of integers.",
                "propertyNames": stats_key,
                "additionalProperties": {
                    "oneOf": [
                        count,
                        {
                            "type": "object",
                            "propertyNames": stats_key,
                            "additionalProperties": count,
                        },
                    ]
                },
            },
            "ValidateRequest": {
                "type": "object",
                "required": ["license_key"],
                "properties": {
                    "license_key": {"type": "string"},
                    "version": _ref("SemVer"),
                    "stats": {
                        "description": "Optional; a refused payload never fails the validation.",
                    },
                },
            },
            "UpdateInfo": {
                "type": "object",
                "required": ["current_version", "latest_version", "update_available"],
                "properties": {
                    "current_version": {"type": "string"},
                    "latest_version": _nullable({"type": "string"}),
                    "update_available": {"type": "boolean"},
                },
            },
            "StatsVerdict": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["accepted"],
                        "properties": {"accepted": {"const": True}},
                    },
                    {
                        "type": "object",
                        "required": ["accepted", "reason", "message"],
                        "properties": {
                            "accepted": {"const": False},
                            "reason": {
                                "enum": [
                                    "stats_not_object",
                                    "stats_too_large",
                                    "stats_invalid",
                                    "storage_unavailable",
                                ]
                            },
                            "message": {"type": "string"},
                        },
                    },
                ]
            },
            "ValidateResponse": {
                "type": "object",
                "required": ["valid", "code", "license", "checked_at", "update", "stats"],
                "properties": {
                    "valid": {"type": "boolean"},
                    "code": {"enum": ["VALID", "EXPIRED", "SUSPENDED", "REVOKED"]},
                    "license": _ref("LicenseSummary"),
                    "checked_at": timestamp,
                    "update": _nullable(_ref("UpdateInfo")),
                    "stats": _ref("StatsVerdict"),
                    "lease": {"type": "string", "description": "JWS compact, EdDSA"},
                    "warnings": {
                        "type": "array",
                        "description": "present only when the answer is degraded",
                        "items": {
                            "type": "string",
                            "enum": ["validation_not_recorded", "update_check_unavailable"],
                        },
                    },
                },
            },
            "Jwks": {
                "type": "object",
                "required": ["keys"],
                "properties": {
                    "keys": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["kty", "crv", "x", "kid"],
                            "properties": {
                                "kty": {"const": "OKP"},
                                "crv": {"const": "Ed25519"},
                                "x": {"type": "string"},
                                "kid": {"type": "string"},
                            },
                        },
                    }
                },
            },
            "CreateLicenseRequest": {
                "type": "object",
                "required": ["customer", "plan", "expires_at"],
                "additionalProperties": False,
                "properties": {
                    "customer": {"type": "string", "minLength": 1, "maxLength": 200},
                    "plan": {"type": "string", "pattern": PLAN_PATTERN},
                    "expires_at": _nullable(timestamp),
                },
            },
            "PatchLicenseRequest": {
                "type": "object",
                "description": "Only the members sent change; `expires_at: null` is perpetual.",
                "minProperties": 1,
                "additionalProperties": False,
                "properties": {
                    "status": _ref("LicenseStatus"),
                    "plan": {"type": "string", "pattern": PLAN_PATTERN},
                    "expires_at": _nullable(timestamp),
                },
            },
            "Release": {
                "type": "object",
                "required": ["latest_version"],
                "properties": {
                    "latest_version": _nullable(_ref("SemVer")),
                    "release_notes_url": _nullable({"type": "string"}),
                    "updated_at": _nullable(timestamp),
                },
            },
            "ReleaseRequest": {
                "type": "object",
                "required": ["latest_version"],
                "additionalProperties": False,
                "properties": {
                    "latest_version": _ref("SemVer"),
                    "release_notes_url": _nullable(
                        {"type": "string", "maxLength": 2048, "pattern": HTTPS_URL_PATTERN}
                    ),
                },
            },
            "StoredStats": _nullable(
                {
                    "type": "object",
                    "description": "The last accepted payload (see Stats).",
                }
            ),
            "Cursor": _nullable({"type": "string"}),
        },
    }


def _paths() -> dict[str, Any]:
    admin: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    public_read = _errors(503)
    return {
        "/v1/validate": {
            "post": {
                "operationId": "validate",
                "summary": "The heartbeat: validate a license, check for updates, record counts.",
                "security": [],
                "requestBody": _json_body(_ref("ValidateRequest")),
                "responses": {
                    "200": _ok(
                        "The license exists (whatever its state).", _ref("ValidateResponse")
                    ),
                    **_errors(400, 404, 413, 429, 503),
                },
            }
        },
        "/v1/update-check": {
            "get": {
                "operationId": "updateCheck",
                "summary": "Is there a newer release than `version`? No license key, no write.",
                "security": [],
                "parameters": [
                    {
                        "name": "version",
                        "in": "query",
                        "required": True,
                        "schema": _ref("SemVer"),
                    }
                ],
                "responses": {
                    "200": _ok("The comparison.", _ref("UpdateInfo")),
                    **_errors(400),
                    **public_read,
                },
            }
        },
        "/.well-known/jwks.json": {
            "get": {
                "operationId": "jwks",
                "summary": "The lease verification keys.",
                "security": [],
                "responses": {"200": _ok("The key set.", _ref("Jwks"))},
            }
        },
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "summary": "Liveness; no KV operation.",
                "security": [],
                "responses": {
                    "200": _ok(
                        "Alive.",
                        {
                            "type": "object",
                            "required": ["ok"],
                            "properties": {"ok": {"const": True}},
                        },
                    )
                },
            }
        },
        OPENAPI_PATH: {
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "security": [],
                "responses": {"200": _ok("OpenAPI 3.1 document.", {"type": "object"})},
            }
        },
        "/v1/admin/licenses": {
            "post": {
                "operationId": "createLicense",
                "summary": "Issue a license; the key is shown this once.",
                "security": admin,
                "requestBody": _json_body(_ref("CreateLicenseRequest")),
                "responses": {
                    "201": _ok(
                        "Created.",
                        {
                            "type": "object",
                            "required": ["license_key", "license"],
                            "properties": {
                                "license_key": {"type": "string"},
                                "license": _ref("License"),
                            },
                        },
                    ),
                    **_errors(400, 401, 413, 503),
                },
            },
            "get": _paged_get(
                "listLicenses", "A page of licenses.", "licenses", _ref("License"), admin
            ),
        },
        "/v1/admin/licenses/{id}": {
            "parameters": [_id_param()],
            "get": {
                "operationId": "getLicense",
                "summary": "A license with its last stats and last validation.",
                "security": admin,
                "responses": {
                    "200": _ok(
                        "The license.",
                        {
                            "type": "object",
                            "required": [
                                "license",
                                "stats",
                                "stats_received_at",
                                "last_validated_at",
                            ],
                            "properties": {
                                "license": _ref("License"),
                                "stats": _ref("StoredStats"),
                                "stats_received_at": _nullable(_ref("Timestamp")),
                                "last_validated_at": _nullable(_ref("Timestamp")),
                            },
                        },
                    ),
                    **_errors(401, 404, 503),
                },
            },
            "patch": {
                "operationId": "updateLicense",
                "summary": "Change status, plan or expiry.",
                "security": admin,
                "requestBody": _json_body(_ref("PatchLicenseRequest")),
                "responses": {
                    "200": _ok(
                        "The updated license.",
                        {
                            "type": "object",
                            "required": ["license"],
                            "properties": {"license": _ref("License")},
                        },
                    ),
                    **_errors(400, 401, 404, 409, 413, 503),
                },
            },
            "delete": {
                "operationId": "deleteLicense",
                "summary": "Erase the record, its validation log and its stats (GDPR erasure).",
                "security": admin,
                "responses": {
                    "204": {"description": "Erased: nothing naming the license is left."},
                    "202": _ok(
                        "The per-request operation budget ran out; repeat the call.",
                        {
                            "type": "object",
                            "required": ["erasure"],
                            "properties": {"erasure": {"const": "in_progress"}},
                        },
                    ),
                    **_errors(401, 404, 503),
                },
            },
        },
        "/v1/admin/licenses/{id}/validations": {
            "parameters": [_id_param()],
            "get": _paged_get(
                "listValidations",
                "Validation timestamps within retention, newest first.",
                "validations",
                _ref("Timestamp"),
                admin,
                not_found=True,
            ),
        },
        "/v1/admin/licenses/{id}/export": {
            "parameters": [_id_param()],
            "get": {
                "operationId": "exportLicense",
                "summary": "Every datum held for the license (GDPR access).",
                "security": admin,
                "parameters": [_cursor_param()],
                "responses": {
                    "200": _ok(
                        "Everything held; a long validation log continues with `cursor`.",
                        {
                            "type": "object",
                            "required": [
                                "license_id",
                                "exported_at",
                                "license",
                                "stats",
                                "stats_received_at",
                                "validations",
                                "cursor",
                            ],
                            "properties": {
                                "license_id": {"type": "string", "pattern": LICENSE_ID_PATTERN},
                                "exported_at": _ref("Timestamp"),
                                "license": _nullable({"type": "object"}),
                                "stats": _ref("StoredStats"),
                                "stats_received_at": _nullable(_ref("Timestamp")),
                                "validations": {"type": "array", "items": _ref("Timestamp")},
                                "cursor": _ref("Cursor"),
                            },
                        },
                    ),
                    **_errors(400, 401, 404, 503),
                },
            },
        },
        "/v1/admin/fleet": {
            "get": {
                "operationId": "fleet",
                "summary": "Last stats of every license.",
                "security": admin,
                "parameters": [_cursor_param()],
                "responses": {
                    "200": _ok(
                        "One page.",
                        {
                            "type": "object",
                            "required": ["items", "cursor"],
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["license_id", "stats", "received_at"],
                                        "properties": {
                                            "license_id": {
                                                "type": "string",
                                                "pattern": LICENSE_ID_PATTERN,
                                            },
                                            "stats": _ref("StoredStats"),
                                            "received_at": _nullable(_ref("Timestamp")),
                                        },
                                    },
                                },
                                "cursor": _ref("Cursor"),
                            },
                        },
                    ),
                    **_errors(400, 401, 503),
                },
            },
        },
        "/v1/admin/release": {
            "get": {
                "operationId": "getRelease",
                "summary": "The release the update check compares against.",
                "security": admin,
                "responses": {
                    "200": _ok("The release (null fields while none is set).", _ref("Release")),
                    **_errors(401, 503),
                },
            },
            "put": {
                "operationId": "putRelease",
                "summary": "Set the latest release.",
                "security": admin,
                "requestBody": _json_body(_ref("ReleaseRequest")),
                "responses": {
                    "200": _ok("The stored release.", _ref("Release")),
                    **_errors(400, 401, 413, 503),
                },
            },
        },
    }


def openapi_document() -> dict[str, Any]:
    """The document, built once per isolate."""
    global _document
    if _document is None:
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
            "paths": _paths(),
            "components": _components(),
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
