"""The Durable Objects scenario, run by JavaScript under real workerd and by Python under the
emulator: ids (``idFromName`` byte for byte, ``idFromString``'s errors), the storage
key-value API (multi-key forms, ``list`` options, limits, transactions that roll back),
the SQL API (cursors, ``one()``'s errors, row counts, refused transactions), alarms'
get/set/delete, RPC calls with arguments, one instance per id, and a stub's ``fetch``.
``durable_objects/js/worker.js`` and ``durable_objects/py/entry.py`` are the twins; their
answers must be identical.

``GET /rpc`` is the stub's RPC as workerd carries it, at two compatibility dates (before and
after ``enhanced_error_serialization``, 2026-04-21): numbers (``2.0`` arrives as an integer,
nested too), strings, null, booleans, lists, objects, both ways; arguments the object mutates
(copies); methods throwing Error, TypeError, RangeError and an error of its own name (the
Python twin raises ``js.Error.new(...)`` and kin); storage's DataCloneError, a DOMException,
whose name crosses at either date. Two answers differ by design, each pinned on
its own: a Python exception (the JavaScript twin throws an Error) crosses as Pyodide's
``PythonError``; and a method the object lacks is refused by workerd's RPC receiver for a
JavaScript class, by workerd's Python entrypoint wrapper (``python-entrypoint-helper.ts``,
which answers every method name) for a Python one.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.devserver import js_twin
from tests.support.differential import assert_same_answers, assert_same_named_answers

HERE = Path(__file__).parent / "durable_objects"
ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90
# Before and after enhanced_error_serialization (workerd's compatibility-date.capnp).
DATES = ["2025-06-01", "2026-04-21"]
PLAIN_EXCEPTION = "a method raises a plain exception"
MISSING_METHOD = "a method that does not exist"
JS_MISSING_METHOD = 'TypeError: The RPC receiver does not implement the method "nope".'
PY_MISSING_METHOD = "TypeError: Method nope does not exist"

pytestmark = pytest.mark.workerd


@pytest.fixture(scope="module")
def workerd_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``wrangler dev`` serving durable_objects/js/worker.js on a free port."""
    with js_twin(HERE / "js", tmp_path_factory.mktemp("workerd"), STARTUP_SECONDS) as url:
        yield url


def run_under_workerd(url: str, path: str) -> list[Any]:
    response = httpx.get(f"{url}{path}", timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def run_under_emulator(tmp_path: Path, path: str, twins: Path = HERE) -> list[Any]:
    from workers_emulator import Emulator

    with Emulator(twins / "py" / "wrangler.toml", persist_to=tmp_path / "state") as emulator:
        response = emulator.test_client().get(path)
        assert response.status_code == 200, response.text + "\n".join(emulator.log_lines)
        return response.json()


def test_durable_objects_scenario_matches_workerd(workerd_url: str, tmp_path: Path) -> None:
    js = run_under_workerd(workerd_url, "/run")
    py = run_under_emulator(tmp_path, "/run")
    # As text, so that 2.0 and 2 differ and so does the order of an object's keys.
    assert_same_answers(
        [f"step {i}" for i in range(len(js))],
        [json.dumps(a) for a in js],
        [json.dumps(b) for b in py],
    )


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


def twins_at(date: str, folder: Path) -> Path:
    """A copy of the twins with both configs at compatibility date ``date``."""
    copy = folder / "durable_objects"
    shutil.copytree(HERE, copy, ignore=shutil.ignore_patterns(".wrangler", "__pycache__"))
    for config in copy.glob("*/wrangler.toml"):
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace('"2025-06-01"', f'"{date}"'), encoding="utf-8")
    return copy


def by_step(answer: list[Any]) -> dict[str, str]:
    """Each step's answer as canonical JSON text, so that 2.0 and 2 differ."""
    return {name: json.dumps(value, sort_keys=True) for name, value in answer}


@dataclass
class RpcAnswers:
    date: str
    workerd: dict[str, str]
    emulator: dict[str, str]


@pytest.fixture(scope="module", params=DATES)
def rpc_answers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> RpcAnswers:
    """``GET /rpc`` of the JavaScript twin under workerd and of the Python one under the
    emulator, both at compatibility date ``request.param``."""
    date = request.param
    twins = twins_at(date, tmp_path_factory.mktemp(f"twins-{date}"))
    with js_twin(twins / "js", tmp_path_factory.mktemp("workerd"), STARTUP_SECONDS) as url:
        workerd = by_step(run_under_workerd(url, "/rpc"))
    emulator = by_step(run_under_emulator(tmp_path_factory.mktemp("emulator"), "/rpc", twins))
    return RpcAnswers(date, workerd, emulator)


def test_durable_object_rpc_carries_values_and_errors_as_workerd(rpc_answers: RpcAnswers) -> None:
    assert_same_named_answers(
        rpc_answers.workerd, rpc_answers.emulator, apart=(PLAIN_EXCEPTION, MISSING_METHOD)
    )


def test_a_missing_method_on_a_stub_is_refused_by_each_runtime_in_its_own_words(
    rpc_answers: RpcAnswers,
) -> None:
    assert json.loads(rpc_answers.workerd[MISSING_METHOD]) == JS_MISSING_METHOD
    assert json.loads(rpc_answers.emulator[MISSING_METHOD]) == PY_MISSING_METHOD


def test_a_python_exception_in_an_object_reaches_the_caller_as_pyodides_python_error(
    rpc_answers: RpcAnswers,
) -> None:
    # Legacy tunnelling keeps only the standard names: "PythonError" then leads the message.
    enhanced = rpc_answers.date >= "2026-04-21"
    start = "PythonError: " if enhanced else "Error: PythonError: "
    assert json.loads(rpc_answers.workerd[PLAIN_EXCEPTION]) == "Error: crashed"
    caught = json.loads(rpc_answers.emulator[PLAIN_EXCEPTION])
    assert caught.startswith(f"{start}Traceback (most recent call last):"), caught
    assert caught.rstrip().endswith("ValueError: crashed"), caught
