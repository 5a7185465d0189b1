"""Pydantic models of the admin API's request bodies (``POST``/``PATCH`` licenses, ``PUT`` release).

Admin bodies forbid unknown fields (an operator's typo should fail loudly). This module is
imported by the admin handlers on first use, not with the Worker: defining a model class costs
about a millisecond of cold start, and no heartbeat needs these.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, model_validator

from license_server.models import IsoTimestamp, LicenseStatus, SemVerText, StrictModel

__all__ = ["CreateLicense", "PatchLicense", "ReleaseUpdate"]

_PLAN_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_NO_CONTROL_CHARACTERS = re.compile(r"[^\x00-\x1f\x7f]+")
_HTTPS_URL = re.compile(r"https://\S+")


def _plan_slug(text: str) -> str:
    # Short enough that the whole record fits KV's 1024-byte metadata limit (see storage.py).
    if not _PLAN_SLUG.fullmatch(text):
        raise ValueError("plan must be a slug: a-z, 0-9, '-' or '_', at most 32 characters")
    return text


def _customer_name(text: str) -> str:
    # No control characters: each would be escaped to 6 bytes and break the metadata budget.
    if not 1 <= len(text) <= 200 or not _NO_CONTROL_CHARACTERS.fullmatch(text):
        raise ValueError("customer must be 1 to 200 characters, without control characters")
    return text


def _https_url(text: str) -> str:
    if len(text) > 2048 or not _HTTPS_URL.fullmatch(text):
        raise ValueError("must be an https:// URL of at most 2048 characters")
    return text


PlanSlug = Annotated[str, AfterValidator(_plan_slug)]
CustomerName = Annotated[str, AfterValidator(_customer_name)]
HttpsUrl = Annotated[str, AfterValidator(_https_url)]


class CreateLicense(StrictModel):
    """``POST /v1/admin/licenses``."""

    model_config = ConfigDict(extra="forbid")

    customer: CustomerName
    plan: PlanSlug
    expires_at: IsoTimestamp | None


class PatchLicense(StrictModel):
    """``PATCH /v1/admin/licenses/{id}``: only the fields sent change (``model_fields_set``).

    ``expires_at: null`` makes the license perpetual; ``status`` and ``plan`` cannot be null.
    """

    model_config = ConfigDict(extra="forbid")

    status: LicenseStatus | None = None
    plan: PlanSlug | None = None
    expires_at: IsoTimestamp | None = None

    @model_validator(mode="after")
    def _status_and_plan_not_null(self) -> PatchLicense:
        for name in ("status", "plan"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        return self


class ReleaseUpdate(StrictModel):
    """``PUT /v1/admin/release``."""

    model_config = ConfigDict(extra="forbid")

    latest_version: SemVerText
    release_notes_url: HttpsUrl | None = None
