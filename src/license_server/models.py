"""Pydantic models: every request body the Worker accepts and every record it stores.

Request models say which fields matter; stored models are the KV layout's value types
(``storage.py`` decides where they live). Admin bodies forbid unknown fields (an operator's typo
should fail loudly); the heartbeat ignores them (newer clients send more than we know).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
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


class _Model(BaseModel):
    """Every model: strict types (a number is not a string) and schemas built on first use.

    ``strict`` in the config rather than ``StrictStr`` fields keeps ``pydantic.types`` (and
    ``annotated_types``) out of the import. ``defer_build`` moves each schema build, and
    pydantic's plugin discovery (an ``importlib.metadata`` scan), from import to the first
    validation: the cold import stays close to pydantic's own; the first request of an isolate
    pays the build once (a few ms per model).
    """

    model_config = ConfigDict(strict=True, defer_build=True)


def _iso_timestamp(text: str) -> str:
    parse_iso(text)  # raises ValueError, which pydantic reports as a validation error
    return text


def _semver(text: str) -> str:
    if parse_version(text) is None:
        raise ValueError("not a semantic version (MAJOR.MINOR.PATCH, at most 64 characters)")
    return text


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


# Constraints are plain validators rather than Field(pattern=...): Field constraints pull in
# pydantic.types and annotated_types at import (cold-start budget).
IsoTimestamp = Annotated[str, AfterValidator(_iso_timestamp)]
SemVerText = Annotated[str, AfterValidator(_semver)]
PlanSlug = Annotated[str, AfterValidator(_plan_slug)]
CustomerName = Annotated[str, AfterValidator(_customer_name)]
HttpsUrl = Annotated[str, AfterValidator(_https_url)]


class ValidateRequest(_Model):
    """The heartbeat body. ``version`` is checked by :mod:`semver` so the answer can name it."""

    model_config = ConfigDict(extra="ignore")

    license_key: str
    version: str | None = None
    stats: Any = None


class LicenseRecord(_Model):
    """``license:{id}``. Never holds the key: ``id`` is its one-way hash."""

    model_config = ConfigDict(extra="ignore")

    id: str
    status: LicenseStatus
    customer: str
    plan: str
    created_at: IsoTimestamp
    expires_at: IsoTimestamp | None


class Release(_Model):
    """``release``: what update checks compare against."""

    model_config = ConfigDict(extra="ignore")

    latest_version: SemVerText
    release_notes_url: str | None = None
    updated_at: IsoTimestamp


class StatsRecord(_Model):
    """``stats:{id}``: the last accepted fleet counts (already checked by :mod:`stats`)."""

    stats: dict[str, int | dict[str, int]]
    received_at: IsoTimestamp


class CreateLicense(_Model):
    """``POST /v1/admin/licenses``."""

    model_config = ConfigDict(extra="forbid")

    customer: CustomerName
    plan: PlanSlug
    expires_at: IsoTimestamp | None


class PatchLicense(_Model):
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


class ReleaseUpdate(_Model):
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
