"""The heartbeat (``POST /v1/validate``) and the update check (``GET /v1/update-check``).

Order matters for the privacy and KV-budget promises of docs/API.md: everything that can refuse a
request (body, key format, rate limits) runs before the license read; the stats verdict is
reached before any write; nothing here ever rewrites the license record, and the client's
version string is compared in memory and then dropped (never stored, never logged).
"""

from __future__ import annotations

from typing import Any, Literal

from license_server import keys, storage
from license_server.clock import format_iso, parse_iso
from license_server.context import Context
from license_server.http import (
    HttpRequest,
    HttpResponse,
    error_response,
    json_object_body,
    json_response,
    model_body,
    storage_unavailable,
)
from license_server.jsonbody import OddValue
from license_server.lease_keys import lease_signer
from license_server.logs import log_event
from license_server.models import LicenseRecord, Release, ValidateRequest
from license_server.ratelimit import (
    RETRY_AFTER_SECONDS,
    allow_client,
    allow_license,
    client_is_over_budget,
)
from license_server.semver import Version, compare, parse_version
from license_server.stats import check_stats

__all__ = ["license_code", "update_check", "validate"]

LicenseCode = Literal["VALID", "EXPIRED", "SUSPENDED", "REVOKED"]
VERSION_MESSAGE = "version must be a semantic version (MAJOR.MINOR.PATCH), at most 64 characters"
STATS_NOT_STORED = {
    "accepted": False,
    "reason": "storage_unavailable",
    "message": "the stats were valid but could not be stored; they will be sent again",
}


def license_code(record: LicenseRecord, now: int) -> LicenseCode:
    """Revoked beats suspended beats expired; a license expires at its ``expires_at`` second."""
    if record.status == "revoked":
        return "REVOKED"
    if record.status == "suspended":
        return "SUSPENDED"
    if record.expires_at is not None and now >= parse_iso(record.expires_at):
        return "EXPIRED"
    return "VALID"


# The release's parsed version, for as long as the release says the same (server data only:
# the client's version string is parsed per request and never kept).
_parsed_latest: tuple[str, Version | None] = ("", None)


def _latest_version(text: str) -> Version | None:
    global _parsed_latest
    # Read as one pair: two reads of the global could straddle another thread's replacement.
    parsed_text, version = _parsed_latest
    if parsed_text != text:
        version = parse_version(text)
        _parsed_latest = (text, version)
    return version


def _update_answer(version: Version, release: Release | None) -> dict[str, Any]:
    if release is None:
        return {
            "current_version": version.text,
            "latest_version": None,
            "update_available": False,
        }
    latest = _latest_version(release.latest_version)
    return {
        "current_version": version.text,
        "latest_version": release.latest_version,
        "update_available": latest is not None and compare(latest, version) > 0,
    }


def _rate_limited() -> HttpResponse:
    return error_response(
        429,
        "rate_limited",
        "too many requests, retry later",
        {"retry-after": str(RETRY_AFTER_SECONDS)},
    )


async def _license_not_found(request: HttpRequest, ctx: Context) -> HttpResponse:
    """Unknown or malformed key: only the per-client limiter is consulted, never KV."""
    if not await allow_client(
        ctx.bindings.client_limiter, request.client_ip, ctx.client_limiter_secret, ctx.now
    ):
        return _rate_limited()
    return error_response(404, "license_not_found", "no license matches this key")


def _lease(ctx: Context, record: LicenseRecord, code: LicenseCode) -> str | None:
    """A signed lease, or ``None`` when no signing key is configured (validation still works)."""
    signer = lease_signer(ctx)
    if signer is None:
        return None
    expires_at = ctx.now + ctx.bindings.lease_ttl_seconds
    if record.expires_at is not None:
        expires_at = min(expires_at, parse_iso(record.expires_at))
    try:
        return signer.sign(
            license_id=record.id, code=code, issued_at=ctx.now, expires_at=expires_at
        )
    except Exception as error:  # a signing fault degrades to "no lease", never to a 500
        log_event("lease_sign_failed", error=type(error).__name__)
        return None


async def validate(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``POST /v1/validate``: see docs/API.md for the answer and the KV budget."""
    payload = json_object_body(request)
    if isinstance(payload, HttpResponse):
        return payload
    odd_key = payload.get("license_key")
    if isinstance(odd_key, OddValue) and odd_key.kind == "string":
        # A JSON string that is not text (a lone surrogate): a key failing the format test.
        payload["license_key"] = ""
    body = model_body(payload, ValidateRequest)
    if isinstance(body, HttpResponse):
        return body
    version: Version | None = None
    if body.version is not None:
        version = parse_version(body.version)
        if version is None:
            return error_response(400, "invalid_request", VERSION_MESSAGE)

    canonical_key = keys.parse(body.license_key)
    if canonical_key is None:
        return await _license_not_found(request, ctx)
    if client_is_over_budget(request.client_ip, ctx.client_limiter_secret, ctx.now):
        # Its unknown-key budget is spent: minted keys buy no more KV reads (ratelimit.py).
        return _rate_limited()
    license_id = keys.license_id(canonical_key)
    bindings = ctx.bindings
    if not await allow_license(bindings.license_limiter, license_id):
        return _rate_limited()
    # The verdict is reached before any write: a refused payload is never stored.
    verdict = check_stats(body.stats) if body.stats is not None else None
    stored_stats: str | None = None
    try:
        if verdict is not None and verdict.accepted:
            # The stored entry comes with the record (one operation): unchanged counts are
            # not written again (see the storage package's heartbeats module).
            record, stored_stats = await storage.read_license_and_stats(bindings.kv, license_id)
        else:
            record = await storage.read_license(bindings.kv, license_id)
    except storage.StorageUnavailable:
        return storage_unavailable("the license could not be read, retry later")
    if record is None:
        return await _license_not_found(request, ctx)

    code = license_code(record, ctx.now)
    warnings: list[str] = []
    update = None
    if version is not None:
        try:
            release = await storage.read_release(
                bindings.kv, ctx.now, bindings.release_cache_seconds
            )
        except storage.StorageUnavailable:
            # The validation matters more than the update hint, but "no release is set" would
            # be a false answer: the warning tells the client the update info is unknown.
            release = None
            warnings.append("update_check_unavailable")
        update = _update_answer(version, release)

    if not await storage.record_validation(bindings.kv, license_id, ctx.now):
        warnings.append("validation_not_recorded")
    stats_answer: dict[str, Any] | None = None
    if verdict is not None:
        stats_answer = verdict.answer()
        if (
            verdict.counts is not None
            and verdict.counts_json is not None
            and not storage.stats_entry_is_current(
                stored_stats, record, verdict.counts_json, ctx.now
            )
            and not await storage.write_stats(
                bindings.kv, record, verdict.counts, ctx.now, verdict.counts_json
            )
        ):
            stats_answer = dict(STATS_NOT_STORED)

    answer: dict[str, Any] = {
        "valid": code == "VALID",
        "code": code,
        "license": {
            "id": record.id,
            "status": record.status,
            "plan": record.plan,
            "expires_at": record.expires_at,
        },
        "checked_at": format_iso(ctx.now),
        "update": update,
        "stats": stats_answer,
    }
    if code == "VALID":
        answer["lease"] = _lease(ctx, record, code)
    if warnings:
        answer["warnings"] = warnings
    # Carried by the request's log line: one line per heartbeat.
    ctx.log_fields.update(
        license_id=license_id,
        code=code,
        stats_accepted=None if stats_answer is None else stats_answer["accepted"],
        reason=None if stats_answer is None else stats_answer.get("reason"),
    )
    return json_response(answer)


async def update_check(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``GET /v1/update-check?version=``: at most one KV read (none while cached), no write."""
    version = parse_version(request.query.get("version"))
    if version is None:
        return error_response(400, "invalid_request", VERSION_MESSAGE)
    try:
        release = await storage.read_release(
            ctx.bindings.kv, ctx.now, ctx.bindings.release_cache_seconds
        )
    except storage.StorageUnavailable:
        return storage_unavailable("the release could not be read, retry later")
    return json_response(_update_answer(version, release))
