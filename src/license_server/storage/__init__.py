"""Everything the Worker keeps in KV, one module per job.

- :mod:`.layout`: key names, TTLs and retention (the privacy page: read it on its own);
- :mod:`.kv`: the adapter over the binding (retries, JS conversion, errors);
- :mod:`.licenses`: license records; :mod:`.heartbeats`: what a heartbeat writes;
- :mod:`.release`: the release record and its isolate cache;
- :mod:`.reads`: the admin API's reads; :mod:`.erasure`: GDPR erasure;
- :mod:`.sweeps`: the Cron Trigger's sweeps for erasure leftovers.

Each public function states its KV operation cost. Callers use the names re-exported here.
"""

from license_server.storage.erasure import ERASE_OPERATION_BUDGET, EraseOutcome, erase_license
from license_server.storage.heartbeats import (
    STATS_REFRESH_SECONDS,
    read_license_and_stats,
    record_validation,
    stats_entry_is_current,
    write_stats,
)
from license_server.storage.kv import InvalidCursor, StorageUnavailable
from license_server.storage.layout import (
    ERASURE_MARKER_TTL,
    LICENSE_PREFIX,
    RECORD_RETENTION,
    STATS_PREFIX,
    VALIDATION_LOG_TTL,
    VALIDATION_PREFIX,
    erasure_marker_name,
    license_expiration,
    license_key_name,
    retention_is_over,
    stats_key_name,
    validation_key_name,
)
from license_server.storage.licenses import (
    move_license_expiry,
    read_license,
    rewrite_stats_expiration,
    sync_stats_expiration,
    write_license,
)
from license_server.storage.reads import (
    EXPORT_VALIDATION_PAGES,
    FLEET_PAGE_SIZE,
    VALIDATION_PAGE_SIZE,
    LicenseDetail,
    LicenseExport,
    export_license,
    fleet_page,
    list_licenses,
    list_validations,
    read_license_detail,
)
from license_server.storage.release import read_release, write_release
from license_server.storage.sweeps import (
    SWEEP_GRACE_SECONDS,
    SWEEP_OPERATION_BUDGET,
    SweepResult,
    sweep_erased_licenses,
    sweep_erasure_leftovers,
)

__all__ = [
    "ERASE_OPERATION_BUDGET",
    "ERASURE_MARKER_TTL",
    "EXPORT_VALIDATION_PAGES",
    "FLEET_PAGE_SIZE",
    "LICENSE_PREFIX",
    "RECORD_RETENTION",
    "STATS_PREFIX",
    "STATS_REFRESH_SECONDS",
    "SWEEP_GRACE_SECONDS",
    "SWEEP_OPERATION_BUDGET",
    "VALIDATION_LOG_TTL",
    "VALIDATION_PAGE_SIZE",
    "VALIDATION_PREFIX",
    "EraseOutcome",
    "InvalidCursor",
    "LicenseDetail",
    "LicenseExport",
    "StorageUnavailable",
    "SweepResult",
    "erase_license",
    "erasure_marker_name",
    "export_license",
    "fleet_page",
    "license_expiration",
    "license_key_name",
    "list_licenses",
    "list_validations",
    "move_license_expiry",
    "read_license",
    "read_license_and_stats",
    "read_license_detail",
    "read_release",
    "record_validation",
    "retention_is_over",
    "rewrite_stats_expiration",
    "stats_entry_is_current",
    "stats_key_name",
    "sweep_erased_licenses",
    "sweep_erasure_leftovers",
    "sync_stats_expiration",
    "validation_key_name",
    "write_license",
    "write_release",
    "write_stats",
]
