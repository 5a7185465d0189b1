"""Plain HTTP request/response values: what the license logic sees instead of the runtime's.

``src/entry.py`` converts ``workers.Request`` into :class:`HttpRequest` and
:class:`HttpResponse` back into ``workers.Response``; everything in between is plain Python,
so it is tested without a runtime.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from license_server.compact_json import compact_encoder
from license_server.jsonbody import InvalidJson, parse_json_body
from license_server.models import describe_validation_error

__all__ = [
    "MAX_BODY_BYTES",
    "HttpRequest",
    "HttpResponse",
    "error_response",
    "json_model_body",
    "json_object_body",
    "json_response",
    "model_body",
    "storage_unavailable",
]

# docs/API.md: request bodies are at most 16 KiB, declared or actual.
MAX_BODY_BYTES = 16 * 1024

# Answers carry leases, license states and admin data: no shared cache may keep them.
_JSON_HEADERS = {"content-type": "application/json", "cache-control": "no-store"}
_encode = compact_encoder(ensure_ascii=False)


class HttpRequest:
    """An incoming request. Header names are lower case; ``query`` keeps each name's first value."""

    __slots__ = ("body", "client_ip", "headers", "method", "path", "query")

    def __init__(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        client_ip: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.query: dict[str, str] = {} if query is None else query
        self.headers: dict[str, str] = {} if headers is None else headers
        self.body = body
        self.client_ip = client_ip

    def __repr__(self) -> str:
        return f"HttpRequest(method={self.method!r}, path={self.path!r})"


class HttpResponse:
    __slots__ = ("body", "error_code", "headers", "status")

    def __init__(
        self,
        status: int,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        error_code: str | None = None,
    ) -> None:
        self.status = status
        self.headers: dict[str, str] = {} if headers is None else headers
        self.body = body
        # The error code of an error answer, for the request's log line.
        self.error_code = error_code

    def __repr__(self) -> str:
        return f"HttpResponse(status={self.status!r}, body={self.body[:200]!r})"

    def json(self) -> Any:
        """The decoded JSON body (tests and tooling)."""
        return json.loads(self.body)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    body = _encode(data).encode()
    merged = dict(_JSON_HEADERS)
    if headers:
        merged.update(headers)
    return HttpResponse(status=status, headers=merged, body=body)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    """docs/API.md's error shape: ``{"error": {"code", "message"}}``, never a traceback."""
    response = json_response({"error": {"code": code, "message": message}}, status, headers)
    response.error_code = code
    return response


# Seconds a client is told to wait after a KV failure (the platform's blips are short).
STORAGE_RETRY_AFTER = "30"


def storage_unavailable(message: str = "storage is unavailable, retry later") -> HttpResponse:
    """503 for a KV failure, with ``retry-after``: the one shape every endpoint answers."""
    return error_response(503, "storage_unavailable", message, {"retry-after": STORAGE_RETRY_AFTER})


def json_object_body(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    """The body as a JSON object, or the 400 answer saying why it is not one."""
    try:
        payload = parse_json_body(request.body)
    except InvalidJson as problem:
        return error_response(400, "invalid_json", str(problem))
    if type(payload) is not dict:
        return error_response(400, "invalid_request", "the body must be a JSON object")
    return payload


Model = TypeVar("Model", bound=BaseModel)


def json_model_body(request: HttpRequest, model: type[Model]) -> Model | HttpResponse:
    """The body validated as ``model``, or the 400 answer saying why it is not one."""
    payload = json_object_body(request)
    if isinstance(payload, HttpResponse):
        return payload
    return model_body(payload, model)


def model_body(payload: dict[str, Any], model: type[Model]) -> Model | HttpResponse:
    """A body already read as a JSON object, validated as ``model``, or the 400 answer."""
    try:
        return model.model_validate(payload)
    except ValidationError as problem:
        return error_response(400, "invalid_request", describe_validation_error(problem))
