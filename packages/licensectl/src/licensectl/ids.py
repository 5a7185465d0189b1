"""A license id from what the operator typed: the full id, or a unique prefix of it (as git)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from licensectl import checks
from licensectl.client import AdminClient
from licensectl.exits import CliError, Exit

# An ambiguous prefix names this many of its matches (ids only: no customer, nothing else).
_SHOWN_MATCHES = 5

Collect = Callable[[Iterable[list[Any]]], list[Any]]


def resolve(client: AdminClient, text: str, collect: Collect) -> str:
    """The full id `text` names; a prefix costs one listing of every license."""
    candidate = checks.id_or_prefix(text)
    if checks.LICENSE_ID.fullmatch(candidate):
        return candidate
    matches = sorted(
        str(lic.get("id"))
        for lic in collect(client.iter_licenses())
        if str(lic.get("id", "")).startswith(candidate)
    )
    if not matches:
        raise CliError(
            "license_not_found", f"no license id starts with {candidate!r}", Exit.NOT_FOUND
        )
    if len(matches) > 1:
        shown = ", ".join(matches[:_SHOWN_MATCHES])
        more = f" and {len(matches) - _SHOWN_MATCHES} more" if len(matches) > _SHOWN_MATCHES else ""
        raise CliError(
            "ambiguous_id",
            f"{candidate!r} starts {len(matches)} license ids ({shown}{more}); type more of it",
        )
    return matches[0]
