"""Client library of the CertifyClouds license server (heartbeat, update check, offline grace)."""

from ._version import __version__
from .client import HeartbeatResult, LicenseClient, LicenseInfo, UpdateInfo
from .errors import (
    LeaseVerificationError,
    LicenseError,
    LicenseServerError,
    LicenseServerUnreachable,
    OfflineGraceExpired,
)
from .lease import Lease, verify_lease
from .stats import check_stats, stats_size

__all__ = [
    "HeartbeatResult",
    "Lease",
    "LeaseVerificationError",
    "LicenseClient",
    "LicenseError",
    "LicenseInfo",
    "LicenseServerError",
    "LicenseServerUnreachable",
    "OfflineGraceExpired",
    "UpdateInfo",
    "__version__",
    "check_stats",
    "stats_size",
    "verify_lease",
]
