"""The requests measured, and what docs/API.md allows each of them in KV operations."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

VERSION = "2.4.1"
LATEST = "2.5.0"

# A realistic fleet-stats object: a dozen aggregate counts, one nested level.
STATS = {
    "secrets_total": 120,
    "secrets_expiring_30d": 4,
    "certs_total": 57,
    "certs_expiring_30d": 3,
    "certs_expired": 0,
    "keys_total": 18,
    "vaults": 6,
    "subscriptions": 2,
    "rotations_last_24h": 1,
    "alerts": {"critical": 0, "warning": 2, "info": 9},
}
# Refused for `stats_invalid`: a list of names is per-asset detail, never stored.
REFUSED_STATS = {"secrets_total": 120, "vault_names": ["kv-prod-weu", "kv-prod-neu"]}


@dataclass(frozen=True)
class Budget:
    """docs/API.md's ceiling per request; ``reads_cached``: steady state, release cached."""

    reads: int
    writes: int
    lists: int = 0
    deletes: int = 0
    reads_cached: int | None = None


@dataclass
class Case:
    name: str
    title: str
    method: str
    path: str
    expect_status: int
    budget: Budget
    # Builds the body for the i-th request (the i-th license, so rate limits stay out of the way).
    body_for: Callable[[int], bytes]
    # What the floor parses; None means the request body itself.
    floor_payload: Callable[[int], bytes] | None = None
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    expect_json: Callable[[dict[str, object]], bool] = lambda _doc: True


def _stats_refused(doc: dict[str, object]) -> bool:
    stats = doc.get("stats")
    return isinstance(stats, dict) and stats.get("accepted") is False


def _dumps(doc: object) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def build_cases(keys: list[str], unknown_keys: list[str]) -> list[Case]:
    """``keys``: live licenses; ``unknown_keys``: well-formed keys whose license was erased."""

    def key(i: int) -> str:
        return keys[i % len(keys)]

    def unknown(i: int) -> str:
        return unknown_keys[i % len(unknown_keys)]

    def heartbeat(
        name: str,
        title: str,
        *,
        writes: int,
        stats: dict[str, object] | None,
        expect_json: Callable[[dict[str, object]], bool],
    ) -> Case:
        """A 200 heartbeat for the i-th live license, with ``stats`` in the body if given."""
        extra = {} if stats is None else {"stats": stats}
        return Case(
            name=name,
            title=title,
            method="POST",
            path="/v1/validate",
            expect_status=200,
            budget=Budget(reads=2, writes=writes, reads_cached=1),
            body_for=lambda i: _dumps({"license_key": key(i), "version": VERSION, **extra}),
            expect_json=expect_json,
        )

    update_body = _dumps({"version": VERSION})
    return [
        heartbeat(
            "heartbeat",
            "heartbeat, no stats",
            writes=1,
            stats=None,
            expect_json=lambda d: d.get("code") == "VALID" and d.get("stats") is None,
        ),
        heartbeat(
            "heartbeat_stats",
            "heartbeat + stats",
            writes=2,
            stats=STATS,
            expect_json=lambda d: d.get("stats") == {"accepted": True},
        ),
        # The validation itself goes on (one log write); the refused stats write nothing.
        heartbeat(
            "heartbeat_stats_refused",
            "heartbeat, stats refused",
            writes=1,
            stats=REFUSED_STATS,
            expect_json=_stats_refused,
        ),
        Case(
            name="not_found_404",
            title="404 unknown license",
            method="POST",
            path="/v1/validate",
            expect_status=404,
            budget=Budget(reads=1, writes=0),
            body_for=lambda i: _dumps({"license_key": unknown(i), "version": VERSION}),
        ),
        Case(
            name="invalid_400",
            title="400 invalid request",
            method="POST",
            path="/v1/validate",
            expect_status=400,
            budget=Budget(reads=0, writes=0),
            body_for=lambda i: _dumps({"license_key": 12345, "version": VERSION}),
        ),
        Case(
            name="update_check",
            title="update check",
            method="GET",
            path=f"/v1/update-check?version={VERSION}",
            expect_status=200,
            budget=Budget(reads=1, writes=0),
            headers={},
            body_for=lambda i: b"",
            # The floor parses the same information as JSON: the request itself has no body.
            floor_payload=lambda i: update_body,
            expect_json=lambda d: d.get("latest_version") == LATEST,
        ),
    ]
