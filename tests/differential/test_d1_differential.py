"""The D1 scenario, run by JavaScript under real workerd and by Python under the emulator.

``d1/scenario.json`` is the scenario, defined once as data: a table filled through binds of
each type, ``first``/``all``/``run``/``raw``, batches (one rolled back), ``exec``, and the
errors (syntax, missing table, wrong bind count, refused binds, transactions, limits).
``d1/js/worker.js`` runs it under ``wrangler dev`` (real workerd and its local D1);
``d1/py/entry.py`` runs it as a Python Worker under ``workers_emulator``. Each answers one
result per step (values, result shapes, meta, error messages); the answers must be identical.

Masked, by the workers themselves: ``meta.duration`` and ``meta.size_after`` (compared by type;
workerd's database also holds its own ``_cf_METADATA`` table, so its size differs). Masked
here: ``meta.rows_read`` and ``meta.rows_written``, which workerd takes from its patched
SQLite's cursor counters; the emulator estimates them (compared as counts, see the README).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.devserver import js_twin
from tests.support.differential import assert_same_answers, step_labels

HERE = Path(__file__).parent / "d1"
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = json.loads((HERE / "scenario.json").read_text(encoding="utf-8"))
STARTUP_SECONDS = 90
ESTIMATED = {"rows_read", "rows_written"}


@pytest.fixture(scope="module")
def workerd_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``wrangler dev`` serving d1/js/worker.js on a free port, torn down with its process group."""
    with js_twin(HERE / "js", tmp_path_factory.mktemp("workerd"), STARTUP_SECONDS) as url:
        yield url


def run_under_workerd(url: str) -> list[Any]:
    response = httpx.post(f"{url}/run", json=SCENARIO, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def run_under_emulator(tmp_path: Path) -> list[Any]:
    from workers_emulator import Emulator

    emulator = Emulator(HERE / "py" / "wrangler.toml", persist_to=tmp_path / "state")
    response = emulator.test_client().post("/run", json=SCENARIO)
    emulator.close()
    assert response.status_code == 200, response.text + "\n".join(emulator.log_lines)
    return response.json()


def estimated_counts(path: str, js: Any, py: Any) -> list[str] | None:
    """The estimated meta counts only need to be counts."""
    parent, _, key = path.rpartition(".")
    if not (parent.endswith("meta") and key in ESTIMATED):
        return None
    if isinstance(js, int) and isinstance(py, int) and py >= 0:
        return []
    return [f"{path}: {js!r} / {py!r} are not both counts"]


def test_d1_scenario_matches_workerd(workerd_url: str, tmp_path: Path) -> None:
    js = run_under_workerd(workerd_url)
    py = run_under_emulator(tmp_path)
    assert_same_answers(step_labels(SCENARIO), js, py, tolerate=estimated_counts)


def test_scenario_covers_what_it_pins() -> None:
    """The scenario keeps exercising what it is meant to pin (guards against trimming)."""
    text = json.dumps(SCENARIO)
    ops = {step["op"] for step in SCENARIO}
    assert ops == {"exec", "run", "all", "first", "raw", "batch"}
    for needle in (
        '"bytes"',
        '"buffer"',
        '"undefined": true',
        '"object"',
        "9007199254740991",
        '"columnNames": true',
        '"column": "nope"',
        "SELEC 1",
        "FROM missing",
        '"binds": []',
        "BEGIN TRANSACTION",
        '"comment_bytes": 100001',
        "INSERT INTO missing",  # the batch that is rolled back
        "SELECT i, s FROM t WHERE i >= 10",  # ...and the read that proves it
    ):
        assert needle in text, needle
