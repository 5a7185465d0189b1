"""What the client raises. Every error is a :class:`LicenseError`; none carries the key."""

from __future__ import annotations

from datetime import datetime


class LicenseError(Exception):
    """Base class of every error this library raises."""


class LicenseServerError(LicenseError):
    """A definitive answer from the server that is not a heartbeat result (4xx).

    ``code`` is the server's error code (``license_not_found``, ``invalid_request``, …).
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class LicenseServerUnreachable(LicenseError):
    """No usable answer after the retries (connection error, timeout, 5xx, 429, not JSON)."""


class OfflineGraceExpired(LicenseServerUnreachable):
    """The server cannot be reached and there is no cached lease within the grace period."""

    def __init__(self, message: str, *, grace_ended_at: datetime | None = None) -> None:
        super().__init__(message)
        self.grace_ended_at = grace_ended_at


class LeaseVerificationError(LicenseError):
    """A lease failed verification (signature, key id, expiry, license or code)."""
