"""Pydantic models: every request body the Worker accepts and every record it stores.

Request models say which fields matter; stored models are the KV layout's value types
(``storage.py`` decides where they live). Admin bodies forbid unknown fields (an operator's typo
should fail loudly); the heartbeat ignores them (newer clients send more than we know).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    model_validator,
)

from license_server.clock import parse_iso
from license_server.semver import parse_version

__all__ = [
    "CreateLicense",
    "IsoTimestamp",
    "LicenseRecord",
    "LicenseStatus",
    "PatchLicense",
    "Release",
    "ReleaseUpdate",
    "StatsRecord",
    "ValidateRequest",
    "describe_validation_error",
]

LicenseStatus = Literal["active", "suspended", "revoked"]


def _iso_timestamp(text: str) -> str:
    parse_iso(text)  # raises ValueError, which pydantic reports as a validation error
    return text


def _semver(text: str) -> str:
    if parse_version(text) is None:
        raise ValueError("not a semantic version (MAJOR.MINOR.PATCH, at most 64 characters)")
    return text


IsoTimestamp = Annotated[StrictStr, AfterValidator(_iso_timestamp)]
SemVerText = Annotated[StrictStr, AfterValidator(_semver)]
# Short enough that the whole record fits KV's 1024-byte metadata limit (see storage.py).
PlanSlug = Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
# No control characters: each would be escaped to 6 bytes and break the metadata budget.
CustomerName = Annotated[
    StrictStr, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
]
HttpsUrl = Annotated[StrictStr, Field(max_length=2048, pattern=r"^https://[^\s]+$")]


class ValidateRequest(BaseModel):
    """The heartbeat body. ``version`` is checked by :mod:`semver` so the answer can name it."""

    model_config = ConfigDict(extra="ignore")

    license_key: StrictStr
    version: StrictStr | None = None
    stats: Any = None


class LicenseRecord(BaseModel):
    """``license:{id}``. Never holds the key: ``id`` is its one-way hash."""

    model_config = ConfigDict(extra="ignore")

    id: StrictStr
    status: LicenseStatus
    customer: StrictStr
    plan: StrictStr
    created_at: IsoTimestamp
    expires_at: IsoTimestamp | None


class Release(BaseModel):
    """``release``: what update checks compare against."""

    model_config = ConfigDict(extra="ignore")

    latest_version: SemVerText
    release_notes_url: StrictStr | None = None
    updated_at: IsoTimestamp


class StatsRecord(BaseModel):
    """``stats:{id}``: the last accepted fleet counts (already checked by :mod:`stats`)."""

    stats: dict[str, int | dict[str, int]]
    received_at: IsoTimestamp


class CreateLicense(BaseModel):
    """``POST /v1/admin/licenses``."""

    model_config = ConfigDict(extra="forbid")

    customer: CustomerName
    plan: PlanSlug
    expires_at: IsoTimestamp | None


class PatchLicense(BaseModel):
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


class ReleaseUpdate(BaseModel):
    """``PUT /v1/admin/release``."""

    model_config = ConfigDict(extra="forbid")

    latest_version: SemVerText
    release_notes_url: HttpsUrl | None = None


def describe_validation_error(error: ValidationError) -> str:
    """A client-facing summary naming fields and problems, never echoing the input."""
    parts: list[str] = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        field_name = ".".join(str(p) for p in item["loc"]) or "body"
        problem = {
            "missing": "is required",
            "extra_forbidden": "is not a known field",
        }.get(item["type"], "is invalid")
        if item["type"].endswith("_type") or item["type"] == "string_type":
            problem = "has the wrong type"
        parts.append(f"{field_name} {problem}")
        if len(parts) == 5:
            break
    return "; ".join(parts)
