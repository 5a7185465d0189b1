"""The Durable Objects scenario, run by JavaScript under real workerd and by Python under the
emulator: ids (``idFromName`` byte for byte, ``idFromString``'s errors), the storage
key-value API (multi-key forms, ``list`` options, limits, transactions that roll back),
the SQL API (cursors, ``one()``'s errors, row counts, refused transactions), alarms'
get/set/delete, RPC calls with arguments, one instance per id, and a stub's ``fetch``.
``durable_objects/js/worker.js`` and ``durable_objects/py/entry.py`` are the twins; their
answers must be identical.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.devserver import js_twin

HERE = Path(__file__).parent / "durable_objects"
ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90


@pytest.fixture(scope="module")
def workerd_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``wrangler dev`` serving durable_objects/js/worker.js on a free port."""
    with js_twin(HERE / "js", tmp_path_factory.mktemp("workerd"), STARTUP_SECONDS) as url:
        yield url


def run_under_workerd(url: str, path: str) -> list[Any]:
    response = httpx.get(f"{url}{path}", timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def run_under_emulator(tmp_path: Path, path: str) -> list[Any]:
    from workers_emulator import Emulator

    with Emulator(HERE / "py" / "wrangler.toml", persist_to=tmp_path / "state") as emulator:
        response = emulator.test_client().get(path)
        assert response.status_code == 200, response.text + "\n".join(emulator.log_lines)
        return response.json()


def test_durable_objects_scenario_matches_workerd(workerd_url: str, tmp_path: Path) -> None:
    js = run_under_workerd(workerd_url, "/run")
    py = run_under_emulator(tmp_path, "/run")
    assert len(js) == len(py)
    mismatches = [
        f"step {i}\n  workerd:  {json.dumps(a)}\n  emulator: {json.dumps(b)}"
        for i, (a, b) in enumerate(zip(js, py, strict=True))
        if a != b
    ]
    assert not mismatches, "\n".join(mismatches)


def alarm_story(get: Callable[[str], Any]) -> Any:
    """Arm an alarm 200 ms ahead whose first run fails; wait for its retry (workerd waits a
    couple of seconds); the object's record of both runs."""
    assert get("/arm") == "armed"
    deadline = time.monotonic() + 20
    result = get("/alarm-result")
    while result[0] < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        result = get("/alarm-result")
    return result


def test_a_failing_alarm_is_retried_as_workerd_retries_it(workerd_url: str) -> None:
    from workers_emulator import Emulator

    js = alarm_story(lambda path: httpx.get(f"{workerd_url}{path}", timeout=30).json())
    with Emulator(HERE / "py" / "wrangler.toml", secrets={}) as emulator:
        client = emulator.test_client()
        py = alarm_story(lambda path: client.get(path).json())
        client.close()
    assert js == [2, [1, True], None]
    assert py == js
