"""The JavaScript globals a Python Worker reaches through ``js``: real workerd (the probes
of ``runtime/js/worker.js`` under ``wrangler dev``) against the emulator (the same probes in
``runtime/py/entry.py``, through the ``js`` stand-in). Every probe's value, or its error's
``Name: message``, must be identical."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from workers_emulator import Emulator

from tests.support.devserver import js_twin

HERE = Path(__file__).parent / "runtime"
# The probe names, in the order worker.js defines them (one per `  name: ` line).
PROBES = re.findall(r"(?m)^  (\w+): ", (HERE / "js" / "worker.js").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def workerd_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with js_twin(HERE / "js" / "wrangler.toml", tmp_path_factory.mktemp("workerd")) as url:
        response = httpx.get(f"{url}/probe", timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def emulator_results() -> Iterator[dict[str, Any]]:
    emu = Emulator(HERE / "py" / "wrangler.toml")
    with emu.test_client() as client:
        response = client.get("/probe")
    assert response.status_code == 200, "\n".join(emu.log_lines)
    yield response.json()


@pytest.mark.workerd
def test_both_run_the_same_probes(workerd_results, emulator_results) -> None:
    assert sorted(emulator_results) == sorted(workerd_results)


@pytest.mark.workerd
@pytest.mark.parametrize("probe", PROBES)
def test_the_probe_answers_as_under_workerd(probe, workerd_results, emulator_results) -> None:
    assert emulator_results[probe] == workerd_results[probe]
