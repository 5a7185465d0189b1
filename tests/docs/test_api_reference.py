"""docs/API.md states the rules the code enforces: its error table is every error the Worker
can answer, and its figures are the constants the code uses (change one, the other must
follow)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from license_server import http, ratelimit, stats
from license_server.jsonbody import MAX_DEPTH, MAX_NUMBER_DIGITS
from license_server.rules import MAX_COUNT, MAX_VERSION_CHARS
from license_server.storage.erasure import ERASE_OPERATION_BUDGET
from license_server.storage.layout import ERASURE_MARKER_TTL, VALIDATION_LOG_TTL
from license_server.storage.reads import (
    EXPORT_VALIDATION_PAGES,
    FLEET_PAGE_SIZE,
    LICENSE_PAGE_SIZE,
    VALIDATION_PAGE_SIZE,
)
from license_server.storage.sweeps import SWEEP_GRACE_SECONDS, SWEEP_OPERATION_BUDGET

ROOT = Path(__file__).resolve().parents[2]
API = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
FLAT = " ".join(API.split())  # line breaks fall anywhere in prose
_ERROR = re.compile(r'error_response\(\s*(\d{3}),\s*"([a-z_]+)"')


def answered_errors() -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for path in (ROOT / "src").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= {(int(status), code) for status, code in _ERROR.findall(text)}
    return found


def documented_errors() -> set[tuple[int, str]]:
    section = API[API.index("## Error codes") :]
    section = section[: section.index("\n## ", 1)]
    return {
        (int(status), code)
        for status, code in re.findall(r"^\| (\d{3}) \| `([a-z_]+)` \|", section, re.M)
    }


def test_the_error_table_is_every_error_the_worker_answers() -> None:
    assert documented_errors() == answered_errors()


def test_the_retry_after_values_are_the_codes() -> None:
    assert f"`Retry-After: {ratelimit.RETRY_AFTER_SECONDS}`" in API
    assert f"`Retry-After: {http.STORAGE_RETRY_AFTER}`" in API


def test_the_rate_limits_are_wrangler_tomls() -> None:
    config = tomllib.loads((ROOT / "wrangler.toml").read_text(encoding="utf-8"))
    limits = {item["name"]: item["simple"] for item in config["ratelimits"]}
    per_license, per_client = limits["LICENSE_RATE_LIMITER"], limits["CLIENT_RATE_LIMITER"]
    assert f"{per_license['limit']} heartbeats per license per {per_license['period']} s" in API
    assert f"{per_client['limit']} per {per_client['period']} s" in API
    crons = config["triggers"]["crons"]
    assert crons == ["*/15 * * * *"] and "every 15 minutes" in API


@pytest.mark.parametrize(
    "stated",
    [
        f"**16 KiB** ({http.MAX_BODY_BYTES:,} bytes)",
        f"over {stats.MAX_STATS_BYTES:,} bytes; exactly {stats.MAX_STATS_BYTES:,} is accepted",
        f"nesting deeper than {MAX_DEPTH:,} levels",
        f"longer than {MAX_NUMBER_DIGITS:,} digits",
        f"at most {MAX_VERSION_CHARS} characters",
        f"at most 2^{MAX_COUNT.bit_length()}-1",
        f"up to {LICENSE_PAGE_SIZE:,} per page |",
        f"up to {FLEET_PAGE_SIZE:,} per page |",
        f"newest first, up to {VALIDATION_PAGE_SIZE:,} per page |",
        f"longer than {EXPORT_VALIDATION_PAGES} pages "
        f"({EXPORT_VALIDATION_PAGES * VALIDATION_PAGE_SIZE:,} timestamps)",
        f"within {ERASE_OPERATION_BUDGET} operations per call",
        f"within {SWEEP_OPERATION_BUDGET} KV operations per run",
        f"older than {SWEEP_GRACE_SECONDS // 60} minutes",
        f"kept at most {'a day' if ERASURE_MARKER_TTL == 86400 else ERASURE_MARKER_TTL})",
    ],
)
def test_a_figure_the_doc_states_is_the_codes(stated: str) -> None:
    assert stated in FLAT


def test_the_validation_log_retention_is_ninety_days() -> None:
    assert VALIDATION_LOG_TTL == 90 * 86400
    privacy = (ROOT / "docs" / "PRIVACY.md").read_text(encoding="utf-8")
    assert f"`expirationTtl = {VALIDATION_LOG_TTL}`" in privacy
