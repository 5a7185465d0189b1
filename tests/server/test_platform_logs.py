"""The platform's own logs must not undo the privacy promises the Worker keeps in its code."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def config() -> dict[str, Any]:
    return tomllib.loads((ROOT / "wrangler.toml").read_text())


def test_invocation_logs_are_off_wherever_logs_are_on() -> None:
    # Invocation logs carry the request URL (?version=) and headers (client IP, user agent).
    observability = config().get("observability", {})
    logs = observability.get("logs", {})
    if observability.get("enabled") or logs.get("enabled"):
        assert logs.get("invocation_logs") is False


def test_no_traces_and_no_logpush() -> None:
    # Traces record request URLs too; Logpush would ship invocation data to a third party.
    parsed = config()
    assert not parsed.get("observability", {}).get("traces", {}).get("enabled", False)
    assert not parsed.get("logpush", False)


def test_every_environment_keeps_the_same_rule() -> None:
    for name, environment in config().get("env", {}).items():
        logs = environment.get("observability", {}).get("logs", {})
        if environment.get("observability", {}).get("enabled") or logs.get("enabled"):
            assert logs.get("invocation_logs") is False, name
