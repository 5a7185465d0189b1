"""Pydantic models of the admin API's request bodies (``POST``/``PATCH`` licenses, ``PUT`` release).

Admin bodies forbid unknown fields (an operator's typo should fail loudly). This module is
imported by the admin handlers on first use, not with the Worker: no heartbeat needs it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from license_server.models import IsoTimestamp, LicenseStatus, SemVerText, StrictModel
from license_server.rules import (
    CUSTOMER_MAX_CHARS,
    CUSTOMER_PATTERN,
    HTTPS_URL_MAX_CHARS,
    HTTPS_URL_PATTERN,
    PLAN_PATTERN,
)

__all__ = ["CreateLicense", "PatchLicense", "ReleaseUpdate"]

PlanSlug = Annotated[str, StringConstraints(pattern=PLAN_PATTERN)]
CustomerName = Annotated[
    str, StringConstraints(min_length=1, max_length=CUSTOMER_MAX_CHARS, pattern=CUSTOMER_PATTERN)
]
HttpsUrl = Annotated[
    str, StringConstraints(max_length=HTTPS_URL_MAX_CHARS, pattern=HTTPS_URL_PATTERN)
]


class CreateLicense(StrictModel):
    """``POST /v1/admin/licenses``."""

    model_config = ConfigDict(extra="forbid")

    customer: CustomerName
    plan: PlanSlug
    expires_at: IsoTimestamp | None


class PatchLicense(StrictModel):
    """``PATCH /v1/admin/licenses/{id}``: only the fields sent change (``model_fields_set``).

    ``expires_at: null`` makes the license perpetual; ``status`` and ``plan`` cannot be null
    (their defaults only mark them as not sent, and are never validated).
    """

    model_config = ConfigDict(extra="forbid")

    status: LicenseStatus = Field(default=None)  # type: ignore[arg-type]
    plan: PlanSlug = Field(default=None)  # type: ignore[assignment]
    expires_at: IsoTimestamp | None = None


class ReleaseUpdate(StrictModel):
    """``PUT /v1/admin/release``."""

    model_config = ConfigDict(extra="forbid")

    latest_version: SemVerText
    release_notes_url: HttpsUrl | None = None
