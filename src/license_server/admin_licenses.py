"""Admin API, the license handlers: create, list, show, update, erase, export, validations,
fleet.

Revocation is final: a ``PATCH`` that would move a revoked license to another status is
``409 license_revoked`` and changes nothing (a revoked key may have leaked or been refunded;
bringing it back is issuing a new license). Its plan and ``expires_at`` (which sets how long the
record is kept) may still change.

Each handler validates its input before any KV operation and spends a fixed, small number of
KV operations (see ``license_server.storage``), so every page stays far under the platform's 1000
operations per invocation. Authentication happens before these handlers run (``admin.py``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from license_server import keys, storage
from license_server.clock import format_iso
from license_server.context import Context, Handler
from license_server.http import (
    HttpRequest,
    HttpResponse,
    error_response,
    json_model_body,
    json_response,
    storage_unavailable,
)
from license_server.logs import log_event
from license_server.models import LicenseRecord
from license_server.rules import CURSOR_PATTERN, LICENSE_ID_PATTERN

__all__ = [
    "LICENSE_ROUTES",
    "create_license",
    "delete_license",
    "export_license",
    "get_license",
    "list_fleet",
    "list_licenses",
    "list_validations",
    "patch_license",
]

_LICENSE_ID = re.compile(LICENSE_ID_PATTERN)
_CURSOR = re.compile(CURSOR_PATTERN)


def _not_found() -> HttpResponse:
    return error_response(404, "license_not_found", "no license has this id")


def _license_id(ctx: Context) -> str | None:
    """The path's id when well formed; anything else is answered 404 with zero KV operations."""
    candidate = ctx.params.get("id", "")
    return candidate if _LICENSE_ID.fullmatch(candidate) else None


def _cursor(request: HttpRequest) -> tuple[str | None, HttpResponse | None]:
    raw = request.query.get("cursor")
    if raw is None or raw == "":
        return None, None
    if not _CURSOR.fullmatch(raw):
        return None, error_response(400, "invalid_request", "cursor is malformed")
    return raw, None


def _invalid_cursor() -> HttpResponse:
    return error_response(400, "invalid_request", "cursor is invalid or expired")


def license_view(record: LicenseRecord) -> dict[str, Any]:
    return record.model_dump(mode="json")


def _revocation_is_final() -> HttpResponse:
    return error_response(
        409,
        "license_revoked",
        "the license is revoked, and revocation is final: issue a new license instead",
    )


def expiry_too_old() -> HttpResponse:
    return error_response(
        400,
        "invalid_request",
        "expires_at is more than a year in the past: such a record may not be kept",
    )


# --- handlers ---------------------------------------------------------------------------------


async def create_license(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``POST /v1/admin/licenses``: one KV write. The key is returned this once, never stored."""
    from license_server.admin_models import CreateLicense  # admin only: no heartbeat imports it

    body = json_model_body(request, CreateLicense)
    if isinstance(body, HttpResponse):
        return body
    if storage.retention_is_over(body.expires_at, ctx.now):
        return expiry_too_old()
    license_key = keys.generate_key()
    record = LicenseRecord(
        id=keys.license_id(license_key),
        status="active",
        customer=body.customer,
        plan=body.plan,
        created_at=format_iso(ctx.now),
        expires_at=body.expires_at,
    )
    try:
        await storage.write_license(ctx.bindings.kv, record)
    except storage.StorageUnavailable:
        return storage_unavailable()
    log_event("license_created", license_id=record.id)
    return json_response({"license_key": license_key, "license": license_view(record)}, 201)


PageReader = Callable[[Any, str | None], Awaitable[tuple[list[dict[str, Any]], str | None]]]


async def _page(request: HttpRequest, ctx: Context, read: PageReader, member: str) -> HttpResponse:
    """A cursor-paged list: ``{member: [...], "cursor": ...}`` from one ``read`` of storage."""
    cursor, problem = _cursor(request)
    if problem is not None:
        return problem
    try:
        items, next_cursor = await read(ctx.bindings.kv, cursor)
    except storage.InvalidCursor:
        return _invalid_cursor()
    except storage.StorageUnavailable:
        return storage_unavailable()
    return json_response({member: items, "cursor": next_cursor})


async def list_licenses(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``GET /v1/admin/licenses?cursor=``: one list operation per page (records from metadata)."""
    return await _page(request, ctx, storage.list_licenses, "licenses")


async def get_license(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``GET /v1/admin/licenses/{id}``: two operations (bulk get record+stats, one list)."""
    license_id = _license_id(ctx)
    if license_id is None:
        return _not_found()
    try:
        detail = await storage.read_license_detail(ctx.bindings.kv, license_id, ctx.now)
    except storage.StorageUnavailable:
        return storage_unavailable()
    if detail is None:
        return _not_found()
    return json_response(
        {
            "license": license_view(detail.record),
            "stats": detail.stats.stats if detail.stats else None,
            "stats_received_at": detail.stats.received_at if detail.stats else None,
            "last_validated_at": detail.last_validated_at,
        }
    )


async def patch_license(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``PATCH /v1/admin/licenses/{id}``: one read and one write; moving ``expires_at`` also
    re-expires the stats entry (one more read and write). Repeating an ``expires_at`` already
    stored writes no record, only puts the stats entry back (see ``sync_stats_expiration``)."""
    license_id = _license_id(ctx)
    if license_id is None:
        return _not_found()
    from license_server.admin_models import PatchLicense  # admin only: no heartbeat imports it

    body = json_model_body(request, PatchLicense)
    if isinstance(body, HttpResponse):
        return body
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    if not changes:
        return error_response(
            400, "invalid_request", "nothing to change: give status, plan or expires_at"
        )
    if "expires_at" in changes and storage.retention_is_over(changes["expires_at"], ctx.now):
        return expiry_too_old()
    kv = ctx.bindings.kv
    try:
        record = await storage.read_license(kv, license_id)
        if record is None:
            return _not_found()
        if record.status == "revoked" and changes.get("status", "revoked") != "revoked":
            return _revocation_is_final()
        updated = record.model_copy(update=changes)
        if updated != record:  # an unchanged record is not rewritten (KV: 1 write/s per key)
            if storage.retention_is_over(updated.expires_at, ctx.now):
                # A status or plan change to a record in its last minute of retention: KV
                # would refuse the write on every retry (a 503 could never succeed).
                return expiry_too_old()
            if updated.expires_at != record.expires_at:
                await storage.move_license_expiry(
                    kv, updated, previous_expires_at=record.expires_at
                )
            else:
                await storage.write_license(kv, updated)
        elif "expires_at" in changes:
            # A repeated PATCH repairs stats an earlier, half-failed expiry move left behind.
            await storage.sync_stats_expiration(kv, updated)
    except storage.StorageUnavailable:
        return storage_unavailable()
    log_event("license_updated", license_id=license_id)
    return json_response({"license": license_view(updated)})


async def delete_license(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``DELETE /v1/admin/licenses/{id}``: GDPR erasure within a per-request operation budget.

    204 when nothing naming the license is left; 202 ``{"erasure": "in_progress"}`` when the
    budget ran out first (the caller repeats the call); 404 once there is nothing to erase.
    """
    license_id = _license_id(ctx)
    if license_id is None:
        return _not_found()
    try:
        outcome = await storage.erase_license(ctx.bindings.kv, license_id, ctx.now)
    except storage.StorageUnavailable:
        return storage_unavailable()
    if outcome is storage.EraseOutcome.NOT_FOUND:
        return _not_found()
    log_event("license_erased", license_id=license_id, reason=outcome.value)
    if outcome is storage.EraseOutcome.IN_PROGRESS:
        return json_response({"erasure": "in_progress"}, 202)
    return HttpResponse(status=204)


async def list_validations(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``GET /v1/admin/licenses/{id}/validations?cursor=``: one read and one list per page.

    Timestamps come from the key names (no value reads), newest first, within retention.
    """
    license_id = _license_id(ctx)
    if license_id is None:
        return _not_found()
    cursor, problem = _cursor(request)
    if problem is not None:
        return problem
    kv = ctx.bindings.kv
    try:
        if await storage.read_license(kv, license_id) is None:
            return _not_found()
        stamps, next_cursor = await storage.list_validations(kv, license_id, cursor, ctx.now)
    except storage.InvalidCursor:
        return _invalid_cursor()
    except storage.StorageUnavailable:
        return storage_unavailable()
    return json_response({"validations": stamps, "cursor": next_cursor})


async def export_license(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``GET /v1/admin/licenses/{id}/export``: every datum held for the license (GDPR access).

    One bulk get and at most ``storage.EXPORT_VALIDATION_PAGES`` lists; a validation log longer
    than that continues with ``?cursor=`` (each answer repeats the record and stats).
    """
    license_id = _license_id(ctx)
    if license_id is None:
        return _not_found()
    cursor, problem = _cursor(request)
    if problem is not None:
        return problem
    try:
        export = await storage.export_license(ctx.bindings.kv, license_id, cursor, ctx.now)
    except storage.InvalidCursor:
        return _invalid_cursor()
    except storage.StorageUnavailable:
        return storage_unavailable()
    if export.record is None and export.stats is None and not export.validations:
        return _not_found()
    stats = export.stats if isinstance(export.stats, dict) else {}
    return json_response(
        {
            "license_id": license_id,
            "exported_at": format_iso(ctx.now),
            "license": export.record,
            "stats": stats.get("stats"),
            "stats_received_at": stats.get("received_at"),
            "validations": export.validations,
            "cursor": export.cursor,
        }
    )


async def list_fleet(request: HttpRequest, ctx: Context) -> HttpResponse:
    """``GET /v1/admin/fleet?cursor=``: one list and one bulk get (<= 100 keys) per page."""
    return await _page(request, ctx, storage.fleet_page, "items")


# (path pattern, method, handler), mounted with ``admin.ADMIN_ROUTES``.
LICENSE_ROUTES: list[tuple[str, str, Handler]] = [
    ("/v1/admin/licenses", "POST", create_license),
    ("/v1/admin/licenses", "GET", list_licenses),
    ("/v1/admin/licenses/{id}", "GET", get_license),
    ("/v1/admin/licenses/{id}", "PATCH", patch_license),
    ("/v1/admin/licenses/{id}", "DELETE", delete_license),
    ("/v1/admin/licenses/{id}/validations", "GET", list_validations),
    ("/v1/admin/licenses/{id}/export", "GET", export_license),
    ("/v1/admin/fleet", "GET", list_fleet),
]
