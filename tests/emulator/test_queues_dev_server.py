"""Queues over ``workers-emulator dev`` (real HTTP, the real clock): a request produces, the
server delivers the batches as they fall due, and a later request sees what the consumer did.
The same scenario is held to real workerd by tests/differential/test_queues_differential.py."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.support.devserver import emulator_dev
from tests.support.queues import EXPECTED_RECORDS, SCENARIO, run_queues_scenario

pytestmark = pytest.mark.slow


def test_requests_produce_and_a_later_request_sees_the_consumer(tmp_path: Path) -> None:
    with emulator_dev(
        SCENARIO / "py" / "wrangler.jsonc", folder=tmp_path, health_path="/health"
    ) as url:
        outcome = run_queues_scenario(url)
    assert outcome.produced == "sent"
    assert len(outcome.seen) == EXPECTED_RECORDS
    attempts: dict[tuple[str, str], list[int]] = defaultdict(list)
    for record in outcome.seen:
        attempts[(record["queue"], str(record["body"]["value"]))].append(record["attempts"])
    assert attempts[("work", "retry-once")] == [1, 2]
    assert attempts[("work", "always-retry")] == [1, 2]  # max_retries = 1, then "dead"
    assert attempts[("dead", "always-retry")] == [1, 2, 3]  # the defaults: 2 retries
    assert attempts[("fragile", "boom")] == [1, 2]  # the handler threw once
    assert attempts[("fragile", "doomed")] == [1, 2, 3]
    assert attempts[("work", "later")] == [1]  # sent with delaySeconds=1
    assert attempts[("fragile", "retry-all")] == [1, 2]  # retryAll(), then ackAll()
    log = (tmp_path / "workers-emulator.log").read_text()
    assert 'on queue "fragile" after 3 failed attempts!' in log
    assert "Uncaught exception in queue handler: RuntimeError('cannot handle boom')" in log
