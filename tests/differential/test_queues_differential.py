"""The Queues scenario, run by JavaScript under real workerd and by Python under
``workers-emulator dev``, over HTTP on both.

``queues/js/worker.js`` (under ``wrangler dev``) and ``queues/py/src/entry.py`` (under
``workers-emulator dev``) produce the same messages: every content type (json objects,
numbers, text, bytes, v8), a delayed one, a batch; the consumer records what each delivery
carried (queue, attempts, the body's type and value, whether the id and timestamp have
workerd's shapes), retries one message once (with a delay, then a contradicting ``ack()``
that only warns), retries a batch with ``retryAll`` (then an ``ackAll()`` that only warns)
and another
until it goes to the dead-letter queue (whose consumer retries it until it is dropped), and
throws on a queue of batches of one. The refused sends (workerd's TypeErrors and the local
broker's limits) answer their messages. Both must match; ordering is compared sorted, since
deliveries interleave with real time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support.devserver import TWIN_LOG, emulator_dev, js_twin
from tests.support.queues import EXPECTED_RECORDS, SCENARIO, QueuesOutcome, run_queues_scenario

MESSAGE_ID = re.compile(r'message "[0-9a-f]{32}"')

pytestmark = pytest.mark.workerd


def broker_lines(log: str) -> list[str]:
    """The broker's dead-letter and drop lines of a log, message ids masked, sorted."""
    lines = [
        MESSAGE_ID.sub('message "<id>"', line[line.index("Moving") :])
        if "Moving message" in line
        else MESSAGE_ID.sub('message "<id>"', line[line.index("Dropped") :])
        for line in log.splitlines()
        if "Moving message" in line or "Dropped message" in line
    ]
    return sorted(lines)


@pytest.fixture(scope="module")
def workerd_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[QueuesOutcome, str]]:
    """The scenario under ``wrangler dev`` and its log."""
    folder = tmp_path_factory.mktemp("workerd")
    with js_twin(SCENARIO / "js" / "wrangler.jsonc", folder) as url:
        outcome = run_queues_scenario(url)
        yield outcome, (folder / TWIN_LOG).read_text(errors="replace")


@pytest.fixture(scope="module")
def emulator_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[QueuesOutcome, str]]:
    """The scenario under ``workers-emulator dev`` and its log."""
    folder = tmp_path_factory.mktemp("emulator")
    with emulator_dev(
        SCENARIO / "py" / "wrangler.jsonc", folder=folder, health_path="/health"
    ) as url:
        outcome = run_queues_scenario(url)
        yield outcome, (folder / "workers-emulator.log").read_text(errors="replace")


def test_consumer_sees_what_workerd_delivers(
    workerd_run: tuple[QueuesOutcome, str], emulator_run: tuple[QueuesOutcome, str]
) -> None:
    workerd, emulator = workerd_run[0], emulator_run[0]
    assert len(workerd.seen) == EXPECTED_RECORDS
    assert emulator.produced == workerd.produced == "sent"
    assert emulator.seen == workerd.seen


def test_refused_sends_answer_workerds_messages(
    workerd_run: tuple[QueuesOutcome, str], emulator_run: tuple[QueuesOutcome, str]
) -> None:
    assert emulator_run[0].errors == workerd_run[0].errors


def warning_lines(log: str) -> list[str]:
    """workerd's warnings about contradicting ack/retry calls, message ids masked."""
    found = re.findall(r"Received a call to .*? has no effect\.", log)
    return sorted(re.sub(r"message [0-9a-f]{32}", "message <id>", line) for line in found)


def test_contradicting_calls_warn_as_workerd_does(
    workerd_run: tuple[QueuesOutcome, str], emulator_run: tuple[QueuesOutcome, str]
) -> None:
    workerd_lines = warning_lines(workerd_run[1])
    assert workerd_lines  # retry-once is acked after its retry()
    assert warning_lines(emulator_run[1]) == workerd_lines


def test_dead_letter_and_drop_lines_match_wrangler(
    workerd_run: tuple[QueuesOutcome, str], emulator_run: tuple[QueuesOutcome, str]
) -> None:
    workerd_lines = broker_lines(workerd_run[1])
    assert workerd_lines  # the scenario moves one message and drops two
    assert broker_lines(emulator_run[1]) == workerd_lines
