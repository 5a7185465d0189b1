"""A fake license server on httpx.MockTransport, signing real leases with the server's signer."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
from certifyclouds_license._keys import license_id

from license_server.lease import LeaseSigner
from tests.support.worker import START

LICENSE_KEY = "CC-ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"
OTHER_KEY = "CC-2345-6789-ABCD-EFGH-JKMN-PQRS-TVWX"
SEED_A = base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=").decode()
SEED_B = base64.urlsafe_b64encode(bytes(range(50, 82))).rstrip(b"=").decode()
TTL = 7 * 86400


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float = 0, *, days: float = 0) -> None:
        self.now += seconds + days * 86400


class FakeServer:
    """Answers like docs/API.md for one license; switches make it fail in the ways networks do."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.signer = LeaseSigner.from_secret(SEED_A)
        self.license_id = license_id(LICENSE_KEY)
        self.code = "VALID"
        self.down = False  # connection refused
        self.status: int | None = None  # force an answer status (5xx, 429, 404, ...)
        self.error_code = "server_error"
        self.retry_after: str | None = None
        self.raw_body: bytes | None = None  # force a body (e.g. a captive portal's HTML)
        self.lease_factory: Callable[[dict[str, Any]], str] | None = None
        self.stats_answer: dict[str, Any] | None = None
        self.requests: list[httpx.Request] = []
        self.bodies: list[Any] = []

    @property
    def validate_bodies(self) -> list[Any]:
        return [
            b
            for r, b in zip(self.requests, self.bodies, strict=True)
            if r.url.path == "/v1/validate"
        ]

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.url.path == path)

    def claims(self) -> dict[str, Any]:
        now = int(self.clock())
        return {
            "license_id": self.license_id,
            "code": "VALID",
            "issued_at": now,
            "expires_at": now + TTL,
        }

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = json.loads(request.content) if request.content else None
        self.bodies.append(body)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.raw_body is not None:
            return httpx.Response(
                self.status or 200, content=self.raw_body, headers={"content-type": "text/html"}
            )
        if self.status is not None:
            headers = {"retry-after": self.retry_after} if self.retry_after else {}
            return httpx.Response(
                self.status,
                headers=headers,
                json={"error": {"code": self.error_code, "message": "forced"}},
            )
        path = request.url.path
        if path == "/.well-known/jwks.json":
            return httpx.Response(200, json=self.signer.jwks())
        if path == "/v1/update-check":
            version = request.url.params.get("version")
            return httpx.Response(
                200,
                json={
                    "current_version": version,
                    "latest_version": "2.5.0",
                    "update_available": version != "2.5.0",
                },
            )
        if path == "/v1/validate":
            return self._validate(body)
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "no"}})

    def _validate(self, body: dict[str, Any]) -> httpx.Response:
        if license_id(body["license_key"]) != self.license_id:
            return httpx.Response(
                404, json={"error": {"code": "license_not_found", "message": "no"}}
            )
        answer: dict[str, Any] = {
            "valid": self.code == "VALID",
            "code": self.code,
            "license": {
                "id": self.license_id,
                "status": "active",
                "plan": "enterprise",
                "expires_at": "2028-01-01T00:00:00Z",
            },
            "checked_at": "2027-01-01T00:00:00Z",
            "update": None,
            "stats": None,
        }
        if "version" in body:
            answer["update"] = {
                "current_version": body["version"],
                "latest_version": None,
                "update_available": False,
            }
        if "stats" in body:
            answer["stats"] = self.stats_answer or {"accepted": True}
        if self.code == "VALID":
            claims = self.claims()
            answer["lease"] = (
                self.lease_factory(claims) if self.lease_factory else self.signer.sign(**claims)
            )
        return httpx.Response(200, json=answer)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)
