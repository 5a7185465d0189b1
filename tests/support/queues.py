"""The Queues scenario over HTTP (``tests/differential/queues``): produce, collect what the
consumer saw once deliveries settle, and the refused sends' errors. Used against real
``wrangler dev`` and against ``workers-emulator dev``."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

SCENARIO = Path(__file__).resolve().parents[1] / "differential" / "queues"
# Records the consumer makes for the scenario: 9 first deliveries on `work`, 2 retries there,
# 3 attempts on `dead`, 7 attempts on `fragile`.
EXPECTED_RECORDS = 21
# Batches wait up to 1 s, retries go at once, "later" waits 1 s: settled well within this.
SETTLE_SECONDS = 30
QUIET_SECONDS = 1.5


@dataclass
class QueuesOutcome:
    produced: str
    errors: list[str]
    seen: list[dict[str, Any]]  # sorted: deliveries interleave differently from run to run


def run_queues_scenario(url: str) -> QueuesOutcome:
    """Produce once, read the errors, then wait until the consumer has recorded every
    delivery and nothing more arrives for ``QUIET_SECONDS``."""
    with httpx.Client(base_url=url, timeout=30) as client:
        produced = client.post("/produce").text
        errors = client.get("/errors").json()
        deadline = time.monotonic() + SETTLE_SECONDS
        seen: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            seen = client.get("/seen").json()
            if len(seen) >= EXPECTED_RECORDS:
                time.sleep(QUIET_SECONDS)
                seen = client.get("/seen").json()
                break
            time.sleep(0.2)
    return QueuesOutcome(
        produced, errors, sorted(seen, key=lambda r: json.dumps(r, sort_keys=True))
    )
