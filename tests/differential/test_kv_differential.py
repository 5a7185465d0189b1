"""The KV scenario, run by JavaScript under real workerd and by Python under the emulator.

``kv_scenario.json`` is the scenario, defined once as data: every limit boundary, TTLs,
metadata, list order with non-ASCII keys, paging, overwrite, delete, bulk get and
``JSON.parse`` errors. ``js/worker.js`` runs it under ``wrangler dev`` (real workerd and
its local KV); ``py/entry.py`` runs it as a Python Worker under ``workers_emulator``.
Each answers one result per step (values, error messages, list shapes; expirations
relative to the step's "now"); the two answers must be identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.devserver import js_twin
from tests.support.differential import assert_same_answers, differences, step_labels

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
SCENARIO = json.loads((HERE / "kv_scenario.json").read_text(encoding="utf-8"))
STARTUP_SECONDS = 90


@pytest.fixture(scope="module")
def workerd_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``wrangler dev`` serving js/worker.js on a free port, torn down with its process group."""
    with js_twin(HERE / "js", tmp_path_factory.mktemp("workerd"), STARTUP_SECONDS) as url:
        yield url


def run_under_workerd(url: str, steps: list[Any] = SCENARIO) -> list[Any]:
    response = httpx.post(f"{url}/run", json=steps, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def run_under_emulator(
    tmp_path: Path, steps: list[Any] = SCENARIO, *, kv_write_limit: bool = True
) -> list[Any]:
    from workers_emulator import Emulator

    emulator = Emulator(
        HERE / "py" / "wrangler.toml",
        persist_to=tmp_path / "state",
        kv_write_limit=kv_write_limit,
    )
    response = emulator.test_client().post("/run", json=steps)
    assert response.status_code == 200, response.text + "\n".join(emulator.log_lines)
    return response.json()


def relative_within_a_second(path: str, js: Any, py: Any) -> list[str] | None:
    """Relative expirations may differ by one second (the two runtimes read their clocks at
    slightly different instants)."""
    if not (isinstance(js, dict) and isinstance(py, dict)):
        return None
    if set(js) == set(py) == {"relative"} and abs(js["relative"] - py["relative"]) <= 1:
        return []
    return None


def test_kv_scenario_matches_workerd(workerd_url: str, tmp_path: Path) -> None:
    js = run_under_workerd(workerd_url)
    py = run_under_emulator(tmp_path)
    assert_same_answers(step_labels(SCENARIO), js, py, tolerate=relative_within_a_second)


# Two writes to one key within a second (wrangler dev accepts both), then list cursors the
# namespace never issued: local KV does not refuse them, it lists after the key they decode to.
FAST_WRITES_AND_CURSORS: list[dict[str, Any]] = [
    {"op": "put", "key": "wr:a", "value": "1"},
    {"op": "put", "key": "wr:a", "value": "2"},
    {"op": "get", "key": "wr:a"},
    {"op": "put", "key": "wr:b", "value": "x"},
    {"op": "put", "key": "wr:c", "value": "x"},
    {"op": "list", "options": {"prefix": "wr:", "limit": 1}},
    {"op": "list", "options": {"prefix": "wr:", "limit": 1, "cursor": "$last"}},
    {"op": "list", "options": {"prefix": "wr:", "cursor": "bogus"}},
    {"op": "list", "options": {"prefix": "wr:", "cursor": "d3I6YQ=="}},  # "wr:a", not issued
    {"op": "list", "options": {"prefix": "wr:", "cursor": "d3I6Yg"}},  # "wr:b", unpadded
    {"op": "list", "options": {"prefix": "wr:", "cursor": "!!!"}},
    {"op": "list", "options": {"prefix": "wr:", "cursor": "z" * 60}},
    {"op": "list", "options": {"prefix": "wr:", "cursor": ""}},
]


def test_fast_writes_and_unissued_cursors_match_workerd_with_the_write_limit_off(
    workerd_url: str, tmp_path: Path
) -> None:
    js = run_under_workerd(workerd_url, FAST_WRITES_AND_CURSORS)
    py = run_under_emulator(tmp_path, FAST_WRITES_AND_CURSORS, kv_write_limit=False)
    assert js[1] == {"ok": None} and js[2] == {"ok": "2"}  # workerd accepted the second write
    assert js[8]["ok"]["keys"] == [{"name": "wr:b"}, {"name": "wr:c"}]  # ... and a made-up cursor
    assert differences(js, py, tolerate=relative_within_a_second) == []


def test_the_write_limit_refuses_the_second_fast_write_as_documented(
    workerd_url: str, tmp_path: Path
) -> None:
    js = run_under_workerd(workerd_url, FAST_WRITES_AND_CURSORS)
    py = run_under_emulator(tmp_path, FAST_WRITES_AND_CURSORS)
    refused = "Error: KV PUT failed: 429 Too Many Requests (workers-emulator:"
    assert py[1]["error"].startswith(refused)
    assert "--no-kv-write-limit" in py[1]["error"]
    assert py[2] == {"ok": "1"}  # the refused write changed nothing
    # Everything else is workerd's answer.
    assert differences(js[3:], py[3:], tolerate=relative_within_a_second) == []


def test_scenario_covers_the_limits() -> None:
    """The scenario keeps exercising what it is meant to pin (guards against trimming)."""
    text = json.dumps(SCENARIO)
    for needle in (
        '"expirationTtl": 59',
        '"expirationTtl": 60',
        '"expiration_in": 59',
        "1023",
        '"limit": 1001',
        '"$last"',
        "getWithMetadata",
        '"delete"',
        "\\u00e9",
    ):
        assert needle in text, needle
