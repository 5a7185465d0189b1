"""Pydantic models: the heartbeat's body and every record the Worker stores.

Request models say which fields matter; stored models are the KV layout's value types (the
storage package decides where they live). The heartbeat ignores unknown fields (newer clients
send more than we know). The admin API's bodies are in :mod:`admin_models`, loaded by the first
admin request rather than with the Worker (no heartbeat needs them).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from license_server.clock import parse_iso
from license_server.rules import MAX_VERSION_CHARS, SEMVER_PATTERN, TIMESTAMP_PATTERN

__all__ = [
    "IsoTimestamp",
    "LicenseRecord",
    "LicenseStatus",
    "Release",
    "SemVerText",
    "StatsRecord",
    "StrictModel",
    "ValidateRequest",
    "describe_validation_error",
]

LicenseStatus = Literal["active", "suspended", "revoked"]


class StrictModel(BaseModel):
    """Every model: strict types (a number is not a string), one setting for every field.

    ``defer_build``: under CPython a schema is built by its first validation, not at import; on
    the real runtime every model is built at deploy (:mod:`license_server.snapshot`).
    """

    model_config = ConfigDict(strict=True, defer_build=True)


def _iso_timestamp(text: str) -> str:
    parse_iso(text)  # a real date and time: the pattern alone admits month 13
    return text


# Constraints are declared on the types (rules.py holds each once), so the OpenAPI document
# generated from these models states exactly what they enforce.
IsoTimestamp = Annotated[
    str, StringConstraints(pattern=TIMESTAMP_PATTERN), AfterValidator(_iso_timestamp)
]
SemVerText = Annotated[str, StringConstraints(max_length=MAX_VERSION_CHARS, pattern=SEMVER_PATTERN)]


class ValidateRequest(StrictModel):
    """The heartbeat body. ``version`` is checked by :mod:`semver` so the answer can name it."""

    model_config = ConfigDict(extra="ignore")

    license_key: str
    # Checked by the heartbeat (semver.parse_version, the same rule), so it can name the problem.
    version: str | None = Field(
        default=None,
        json_schema_extra={"pattern": SEMVER_PATTERN, "maxLength": MAX_VERSION_CHARS},
    )
    stats: Any = None


class LicenseRecord(StrictModel):
    """``license:{id}``. Never holds the key: ``id`` is its one-way hash."""

    model_config = ConfigDict(extra="ignore")

    id: str
    status: LicenseStatus
    customer: str
    plan: str
    created_at: IsoTimestamp
    expires_at: IsoTimestamp | None


class Release(StrictModel):
    """``release``: what update checks compare against."""

    model_config = ConfigDict(extra="ignore")

    latest_version: SemVerText
    release_notes_url: str | None = None
    updated_at: IsoTimestamp


class StatsRecord(StrictModel):
    """``stats:{id}``: the last accepted fleet counts (already checked by :mod:`stats`)."""

    stats: dict[str, int | dict[str, int]]
    received_at: IsoTimestamp


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
