"""The heartbeat client: one call an hour, answered by the server or, when it cannot be
reached, by the last verified lease within the grace period."""

from __future__ import annotations

import logging
import math
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ._keys import license_id as derive_license_id
from ._version import __version__
from .cache import CacheEntry, LeaseCache, cache_file_name
from .errors import (
    LeaseVerificationError,
    LicenseServerError,
    LicenseServerUnreachable,
    OfflineGraceExpired,
)
from .lease import Lease, find_key, lease_kid, verify_lease
from .stats import check_stats

logger = logging.getLogger("certifyclouds_license")

VALIDATE_PATH = "/v1/validate"
UPDATE_CHECK_PATH = "/v1/update-check"
JWKS_PATH = "/.well-known/jwks.json"
# How far the clock may step back (NTP corrections) before cached answers are withheld.
CLOCK_ROLLBACK_TOLERANCE = 3600.0


@dataclass(frozen=True)
class LicenseInfo:
    id: str
    status: str
    plan: str | None
    expires_at: datetime | None  # None: perpetual


@dataclass(frozen=True)
class UpdateInfo:
    current_version: str
    latest_version: str | None
    update_available: bool


@dataclass(frozen=True)
class HeartbeatResult:
    """The answer to :meth:`LicenseClient.heartbeat`.

    ``valid`` is what the application acts on. With ``from_cache`` the server was not reached
    and the answer comes from the last verified lease; ``checked_at`` is then the last time the
    server answered, and ``grace_expires_at`` when the cached answer stops being given.
    """

    valid: bool
    code: str  # VALID, EXPIRED, SUSPENDED or REVOKED
    license: LicenseInfo | None
    update: UpdateInfo | None
    checked_at: datetime
    from_cache: bool = False
    lease_expires_at: datetime | None = None
    grace_expires_at: datetime | None = None
    # Stats: sent to the server or not; accepted is None when nothing was submitted.
    stats_sent: bool = False
    stats_accepted: bool | None = None
    stats_reason: str | None = None


class _NoAnswer(Exception):
    """Internal: the server gave no usable answer (after retries)."""


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _license_info(data: object) -> LicenseInfo | None:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    plan = data.get("plan")
    return LicenseInfo(
        id=data["id"],
        status=str(data.get("status", "")),
        plan=plan if isinstance(plan, str) else None,
        expires_at=_parse_time(data.get("expires_at")),
    )


def _update_info(data: object) -> UpdateInfo | None:
    if not isinstance(data, dict) or not isinstance(data.get("current_version"), str):
        return None
    latest = data.get("latest_version")
    return UpdateInfo(
        current_version=data["current_version"],
        latest_version=latest if isinstance(latest, str) else None,
        update_available=data.get("update_available") is True,
    )


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _server_error(response: httpx.Response) -> LicenseServerError | None:
    """The server's own error answer (JSON envelope) for a 4xx; a proxy's page is not one."""
    data = _json_or_none(response)
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        return None
    return LicenseServerError(response.status_code, error["code"], str(error.get("message", "")))


class LicenseClient:
    """Client of the CertifyClouds license server.

    ``cache_dir`` belongs to the library (it is kept at mode 0700). ``grace_period`` is how long
    after the last successful heartbeat a cached lease still answers, never beyond the lease's
    own expiry. ``clock`` returns epoch seconds (tests inject one); ``transport`` is an httpx
    transport (tests pass ``httpx.MockTransport``); ``sleep`` and ``rng`` drive the backoff.
    """

    def __init__(
        self,
        base_url: str,
        license_key: str,
        *,
        cache_dir: str | os.PathLike[str],
        grace_period: timedelta,
        fleet_visibility: bool = True,
        timeout: float = 10.0,
        retries: int = 2,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        jwks: dict[str, Any] | None = None,
        clock: Callable[[], float] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        license_id = derive_license_id(license_key)
        if license_id is None:
            # Never echo the key: it is a secret.
            raise ValueError("license_key is not a CertifyClouds license key (CC-XXXX-…)")
        if grace_period < timedelta(0):
            raise ValueError("grace_period must not be negative")
        if retries < 0 or backoff_base < 0 or backoff_max < 0:
            raise ValueError("retries and backoff must not be negative")
        self.base_url = base_url.rstrip("/")
        self.license_id = license_id
        self.fleet_visibility = fleet_visibility
        self.grace_period = grace_period
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._license_key = license_key
        # Pinned keys (optional): then the JWKS is never fetched nor read from the cache.
        self._pinned_jwks = jwks
        self._clock = clock or time.time
        self._sleep = sleep
        self._rng = rng or random.Random()  # jitter only, not security
        self._cache = LeaseCache(cache_dir, cache_file_name(self.base_url, license_key))
        self._lock = threading.Lock()
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,  # a redirect must not carry the key to another host
            headers={"user-agent": f"certifyclouds-license/{__version__}"},
        )

    @property
    def cache_path(self) -> str:
        return str(self._cache.path)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LicenseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public calls -------------------------------------------------------------------------

    def heartbeat(
        self, version: str | None, stats: dict[str, Any] | None = None
    ) -> HeartbeatResult:
        """Validate the license (and check for an update, and send fleet counts if enabled).

        Raises :class:`LicenseServerError` for a definitive 4xx, :class:`OfflineGraceExpired`
        when the server cannot be reached and no cached lease is within grace, and
        :class:`LeaseVerificationError` when the server's lease fails verification and no
        cached one can stand in. Stats problems are reported in the result, never raised.
        """
        with self._lock:
            return self._heartbeat(version, stats)

    def update_check(self, version: str) -> UpdateInfo:
        """Whether a newer release exists (no license key is sent)."""
        try:
            response = self._request("GET", UPDATE_CHECK_PATH, params={"version": version})
        except _NoAnswer as exc:
            raise LicenseServerUnreachable(str(exc)) from None
        if response.status_code == 200:
            info = _update_info(_json_or_none(response))
            if info is not None:
                return info
        elif 400 <= response.status_code < 500 and (error := _server_error(response)):
            raise error
        raise LicenseServerUnreachable(f"unexpected answer ({response.status_code})")

    # -- heartbeat ----------------------------------------------------------------------------

    def _heartbeat(self, version: str | None, stats: dict[str, Any] | None) -> HeartbeatResult:
        body: dict[str, Any] = {"license_key": self._license_key}
        if version is not None:
            body["version"] = version
        stats_outcome: dict[str, Any] = {}
        if stats is not None:
            if not self.fleet_visibility:
                stats_outcome = {"stats_reason": "fleet_visibility_off"}
            elif (reason := check_stats(stats)) is not None:
                logger.warning("fleet stats not sent: the server would refuse them (%s)", reason)
                stats_outcome = {"stats_accepted": False, "stats_reason": reason}
            else:
                body["stats"] = stats

        try:
            response = self._request("POST", VALIDATE_PATH, json=body)
        except _NoAnswer as exc:
            return self._answer_from_cache(str(exc), "stats" in body, stats_outcome)
        now = self._clock()

        if response.status_code != 200:
            error = _server_error(response) if 400 <= response.status_code < 500 else None
            if error is None:
                return self._answer_from_cache(
                    f"unexpected answer ({response.status_code})", "stats" in body, stats_outcome
                )
            if error.code == "license_not_found":
                self._cache.clear()  # the license is gone: no cached lease may outlive it
            raise error

        data = _json_or_none(response)
        if not isinstance(data, dict) or not isinstance(data.get("code"), str):
            # e.g. a captive portal answering 200 with HTML
            return self._answer_from_cache(
                "answer is not a heartbeat", "stats" in body, stats_outcome
            )

        if "stats" in body:
            answer = data.get("stats")
            stats_outcome = {"stats_sent": True}
            if isinstance(answer, dict):
                stats_outcome["stats_accepted"] = answer.get("accepted") is True
                reason = answer.get("reason")
                stats_outcome["stats_reason"] = reason if isinstance(reason, str) else None

        license_info = _license_info(data.get("license"))
        checked_at = _parse_time(data.get("checked_at")) or _utc(now)
        valid = data.get("valid") is True and data["code"] == "VALID"
        if not valid:
            # A definitive "not valid": forget the lease so offline use cannot revive it.
            self._cache.clear()
            return HeartbeatResult(
                valid=False,
                code=data["code"],
                license=license_info,
                update=_update_info(data.get("update")),
                checked_at=checked_at,
                **stats_outcome,
            )

        # Only an unpinned client verifies with the cached JWKS; the fallback reads the cache
        # itself when it was not read here.
        entry = self._cache.load() if self._pinned_jwks is None else None
        try:
            lease, jwks = self._verify_fresh_lease(data.get("lease"), entry, now)
        except LeaseVerificationError as exc:
            logger.warning("lease from the server refused: %s", exc)
            # The server did answer: its stats verdict stands, only the lease is refused.
            return self._answer_from_cache(str(exc), False, stats_outcome, refusal=exc, entry=entry)

        self._save(
            CacheEntry(
                lease=lease.token,
                jwks=jwks if self._pinned_jwks is None else None,
                last_success=now,
                license=data.get("license") if isinstance(data.get("license"), dict) else None,
                checked_at=checked_at.isoformat(),
            )
        )
        return HeartbeatResult(
            valid=True,
            code="VALID",
            license=license_info,
            update=_update_info(data.get("update")),
            checked_at=checked_at,
            lease_expires_at=_utc(lease.expires_at),
            grace_expires_at=_utc(self._grace_end(lease, now)),
            **stats_outcome,
        )

    def _save(self, entry: CacheEntry) -> None:
        # The server has answered "valid": a full or read-only disk costs the offline grace,
        # not this answer.
        try:
            self._cache.save(entry)
        except OSError as exc:
            logger.warning("could not write the license cache (%s)", exc.strerror or exc)

    def _verify_fresh_lease(
        self, token: object, entry: CacheEntry | None, now: float
    ) -> tuple[Lease, dict[str, Any] | None]:
        if not isinstance(token, str):
            raise LeaseVerificationError("valid answer without a lease")
        jwks = self._pinned_jwks
        if jwks is None and entry is not None:
            jwks = entry.jwks
        if self._pinned_jwks is None:
            kid = lease_kid(token)
            if kid is not None and find_key(jwks, kid) is None:
                # Unknown kid: the server may have rotated keys. Refresh once, then decide.
                jwks = self._fetch_jwks() or jwks
        return verify_lease(token, jwks, license_id=self.license_id, now=now), jwks

    def _fetch_jwks(self) -> dict[str, Any] | None:
        try:
            response = self._request("GET", JWKS_PATH)
        except _NoAnswer as exc:
            logger.warning("could not fetch the lease keys: %s", exc)
            return None
        data = _json_or_none(response) if response.status_code == 200 else None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            logger.warning("lease keys answer unusable (%s)", response.status_code)
            return None
        return data

    def _grace_end(self, lease: Lease, last_success: float) -> float:
        return min(float(lease.expires_at), last_success + self.grace_period.total_seconds())

    def _answer_from_cache(
        self,
        why: str,
        stats_attempted: bool,
        stats_outcome: dict[str, Any],
        refusal: LeaseVerificationError | None = None,
        entry: CacheEntry | None = None,
    ) -> HeartbeatResult:
        """The cached lease's answer, or the refusal (else :class:`OfflineGraceExpired`).

        ``entry``: the cache as already read by the caller, so it is not read twice.
        """

        def no_answer(reason: str, grace_ended_at: datetime | None = None) -> Exception:
            # A refused fresh lease is the real news; otherwise say why the cache cannot help.
            if refusal is not None:
                return refusal
            return OfflineGraceExpired(
                f"license server unreachable ({why}) and {reason}", grace_ended_at=grace_ended_at
            )

        now = self._clock()
        if entry is None:
            entry = self._cache.load()
        lease: Lease | None = None
        if entry is not None and entry.lease is not None and entry.last_success is not None:
            jwks = self._pinned_jwks if self._pinned_jwks is not None else entry.jwks
            try:
                # Expiry is compared below with the grace period, hence now=-inf here.
                lease = verify_lease(entry.lease, jwks, license_id=self.license_id, now=-math.inf)
            except LeaseVerificationError as exc:
                logger.warning("cached lease refused: %s", exc)
        if lease is None or entry is None or entry.last_success is None:
            raise no_answer("no cached lease to fall back on")
        grace_end = self._grace_end(lease, entry.last_success)
        if now >= grace_end:
            raise no_answer(
                f"the offline grace period ended at {_utc(grace_end).isoformat()}",
                grace_ended_at=_utc(grace_end),
            )
        if now < entry.last_success - CLOCK_ROLLBACK_TOLERANCE:
            # A clock set back before the last success would stretch the grace indefinitely.
            raise no_answer(
                "the system clock is earlier than the last successful heartbeat; "
                "the cached lease is not used"
            )
        logger.warning("license server unreachable (%s); using the cached lease", why)
        if stats_attempted:
            stats_outcome = {"stats_reason": "offline"}
        return HeartbeatResult(
            valid=True,
            code=lease.code,
            license=_license_info(entry.license),
            update=None,
            checked_at=_parse_time(entry.checked_at) or _utc(entry.last_success),
            from_cache=True,
            lease_expires_at=_utc(lease.expires_at),
            grace_expires_at=_utc(grace_end),
            **stats_outcome,
        )

    # -- transport ----------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send with bounded, jittered exponential backoff on errors, timeouts, 5xx and 429.

        Returns the first answer that is not worth retrying; raises ``_NoAnswer`` otherwise.
        """
        problem = "no attempt"
        for attempt in range(self.retries + 1):
            retry_after: float | None = None
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:  # connect/read errors and timeouts
                problem = type(exc).__name__
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                problem = f"HTTP {response.status_code}"
                retry_after = _retry_after(response)
            if attempt < self.retries:
                self._sleep(self._backoff(attempt, retry_after))
        raise _NoAnswer(f"{problem} after {self.retries + 1} attempts")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        cap = min(self.backoff_max, self.backoff_base * 2.0**attempt)
        # "Equal jitter": at least half the step, so clients spread out but never hammer.
        delay = cap / 2 + self._rng.uniform(0, cap / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max))
        return delay


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None  # the HTTP-date form is not used by this server
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None
