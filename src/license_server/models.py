"""Pydantic models: the heartbeat's body and every record the Worker stores.

Request models say which fields matter; stored models are the KV layout's value types
(``storage.py`` decides where they live). The heartbeat ignores unknown fields (newer clients
send more than we know). The admin API's bodies are in :mod:`admin_models`, loaded by the first
admin request rather than with the Worker (no heartbeat needs them).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
)

from license_server.clock import parse_iso
from license_server.semver import parse_version

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
    """Every model: strict types (a number is not a string) and schemas built on first use.

    ``strict`` in the config rather than ``StrictStr`` fields: one setting for every field.
    (Defining any model class imports ``pydantic.fields``, which imports ``pydantic.types``
    and ``annotated_types``: the first model pays that, whatever its fields.) ``defer_build``
    moves each schema build, and pydantic's plugin discovery (an ``importlib.metadata`` scan),
    from import to the first validation: the cold import stays close to pydantic's own; the
    first request of an isolate pays the build once (a few ms per model). On the real runtime
    the builds happen at deploy instead, into the memory snapshot every isolate starts from
    (:mod:`license_server.snapshot`).
    """

    model_config = ConfigDict(strict=True, defer_build=True)


def _iso_timestamp(text: str) -> str:
    parse_iso(text)  # raises ValueError, which pydantic reports as a validation error
    return text


def _semver(text: str) -> str:
    if parse_version(text) is None:
        raise ValueError("not a semantic version (MAJOR.MINOR.PATCH, at most 64 characters)")
    return text


# Constraints are plain validators rather than Field(pattern=...): the messages are ours, and
# the patterns are checked by the same code the rest of the Worker uses.
IsoTimestamp = Annotated[str, AfterValidator(_iso_timestamp)]
SemVerText = Annotated[str, AfterValidator(_semver)]


class ValidateRequest(StrictModel):
    """The heartbeat body. ``version`` is checked by :mod:`semver` so the answer can name it."""

    model_config = ConfigDict(extra="ignore")

    license_key: str
    version: str | None = None
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
