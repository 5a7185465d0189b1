"""The API's answers as pydantic models: the response schemas of the OpenAPI document.

Handlers build their answers as plain dicts (no model on the heartbeat's path); these models
describe them, and ``tests/hostile/test_openapi.py`` checks real answers against the document
generated from them. Imported only when the document is first built (``openapi.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from license_server.models import IsoTimestamp, LicenseRecord, LicenseStatus, StrictModel
from license_server.rules import LICENSE_ID_PATTERN, MAX_COUNT, STATS_KEY_PATTERN
from license_server.stats import StatsReason

__all__ = [
    "CreatedLicense",
    "ErasureInProgress",
    "ErrorAnswer",
    "FleetPage",
    "Health",
    "Jwks",
    "LicenseAnswer",
    "LicenseDetailAnswer",
    "LicenseExportAnswer",
    "LicensePage",
    "ReleaseAnswer",
    "UpdateInfo",
    "ValidateResponse",
    "ValidationsPage",
]

LicenseId = Annotated[str, StringConstraints(pattern=LICENSE_ID_PATTERN)]
StatsKey = Annotated[str, StringConstraints(pattern=STATS_KEY_PATTERN)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
# The accepted stats shape (license_server.stats): counts, or one level of named counts.
StoredStats = dict[StatsKey, Count | dict[StatsKey, Count]]
Cursor = Annotated[str | None, Field(description="The next page's cursor; null on the last page.")]


class ErrorDetail(StrictModel):
    code: str
    message: str


class ErrorAnswer(StrictModel):
    """Every error: a code and a message, never a stack trace."""

    error: ErrorDetail


class LicenseSummary(StrictModel):
    """What a heartbeat learns about its license (no customer)."""

    id: LicenseId
    status: LicenseStatus
    plan: str
    expires_at: IsoTimestamp | None


class UpdateInfo(StrictModel):
    current_version: str
    latest_version: str | None
    update_available: bool


class StatsAccepted(StrictModel):
    accepted: Literal[True]


class StatsRefused(StrictModel):
    """A refused payload (or one that could not be stored) never fails the validation."""

    accepted: Literal[False]
    reason: StatsReason | Literal["storage_unavailable"]
    message: str


class ValidateResponse(StrictModel):
    """The heartbeat's answer for an existing license, whatever its state."""

    valid: bool
    code: Literal["VALID", "EXPIRED", "SUSPENDED", "REVOKED"]
    license: LicenseSummary
    checked_at: IsoTimestamp
    update: UpdateInfo | None
    stats: StatsAccepted | StatsRefused | None
    lease: str | None = Field(
        default=None,
        description="JWS compact, EdDSA; only when VALID (null without a signing key).",
    )
    warnings: list[Literal["validation_not_recorded", "update_check_unavailable"]] = Field(
        default=[], description="Present only when the answer is degraded."
    )


class Jwk(StrictModel):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]


class Jwks(StrictModel):
    keys: list[Jwk]


class Health(StrictModel):
    ok: Literal[True]


class CreatedLicense(StrictModel):
    """The key is in this answer only: it is never stored."""

    license_key: str
    license: LicenseRecord


class UnreadableLicense(StrictModel):
    """A listed license whose stored metadata could not be read: its id, to look it up."""

    id: LicenseId


class LicensePage(StrictModel):
    licenses: list[LicenseRecord | UnreadableLicense]
    cursor: Cursor


class LicenseDetailAnswer(StrictModel):
    license: LicenseRecord
    stats: StoredStats | None
    stats_received_at: IsoTimestamp | None
    last_validated_at: IsoTimestamp | None


class LicenseAnswer(StrictModel):
    license: LicenseRecord


class ErasureInProgress(StrictModel):
    """The per-request operation budget ran out: repeat the call."""

    erasure: Literal["in_progress"]


class ValidationsPage(StrictModel):
    validations: list[IsoTimestamp]
    cursor: Cursor


class LicenseExportAnswer(StrictModel):
    """Every datum held for the license, the record and stats exactly as stored."""

    license_id: LicenseId
    exported_at: IsoTimestamp
    license: dict[str, Any] | None
    stats: dict[str, Any] | None
    stats_received_at: IsoTimestamp | None
    validations: list[IsoTimestamp]
    cursor: Cursor


class FleetItem(StrictModel):
    license_id: LicenseId
    stats: StoredStats | None
    received_at: IsoTimestamp | None


class FleetPage(StrictModel):
    items: list[FleetItem]
    cursor: Cursor


class ReleaseAnswer(StrictModel):
    """The release; every member null while none is set."""

    latest_version: str | None
    release_notes_url: str | None
    updated_at: IsoTimestamp | None
