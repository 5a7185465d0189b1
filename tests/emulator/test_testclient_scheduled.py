"""``TestClient.scheduled``: ``Emulator.scheduled`` driven synchronously, like a request."""

from __future__ import annotations

import pytest
import workers_emulator
from workers_emulator import OpCounts, TestClient

from tests.support.scheduled_workers import NO_HANDLER_WORKER, NOW_MS, make_emulator


def test_test_client_scheduled_mirrors_emulator_scheduled(tmp_path) -> None:
    emulator = make_emulator(tmp_path)
    with TestClient(emulator) as client:
        result = client.scheduled(cron="0 * * * *", scheduled_time=1_700_000_000.5)
        assert result.outcome == "ok" and result.error is None
        assert result.kv_ops == {"KV": OpCounts(writes=1)}
        default = client.scheduled()
        failed = client.scheduled("throw")
        seen = client.get("/seen").json()
    assert default.outcome == "ok"
    assert seen[:2] == [
        {"cron": "0 * * * *", "scheduledTime": 1_700_000_000_500},
        {"cron": "* * * * *", "scheduledTime": NOW_MS},
    ]
    assert failed.outcome == "exception"
    assert isinstance(failed.error, RuntimeError) and str(failed.error) == "boom"


def test_scheduled_result_error_is_the_handlers_not_its_wait_until_work(tmp_path) -> None:
    with make_emulator(tmp_path).test_client() as client:
        late = client.scheduled("late")
    assert (late.outcome, late.error) == ("exception", None)


def test_test_client_scheduled_without_a_handler_raises(tmp_path) -> None:
    client = make_emulator(tmp_path, NO_HANDLER_WORKER).test_client()
    with client, pytest.raises(workers_emulator.NoScheduledHandlerError):
        client.scheduled()


def test_the_scheduled_types_are_exported() -> None:
    from workers_emulator.scheduled import NoScheduledHandlerError, ScheduledResult

    assert workers_emulator.ScheduledResult is ScheduledResult
    assert workers_emulator.NoScheduledHandlerError is NoScheduledHandlerError
    assert {"ScheduledResult", "NoScheduledHandlerError"} <= set(workers_emulator.__all__)
