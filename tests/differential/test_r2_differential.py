"""R2: the scenario in ``r2/scenario.json`` run by a JavaScript Worker under real ``wrangler
dev`` (workerd's R2) and by its Python twin under ``workers-emulator dev``; every step's
answer (object shapes, bodies, ranges, preconditions, list pages, errors word for word) must
be identical. Versions and upload times are compared by form (32 hex, a Date)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.support.devserver import emulator_dev, js_twin
from tests.support.differential import assert_same_answers, step_labels

HERE = Path(__file__).parent / "r2"
SCENARIO = json.loads((HERE / "scenario.json").read_text(encoding="utf-8"))


def run(url: str) -> list[object]:
    return list(httpx.post(f"{url}/run", json=SCENARIO, timeout=60).json())


def test_r2_answers_as_workerd_does(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "py").mkdir()
    with js_twin(HERE / "js" / "wrangler.toml", tmp_path / "js") as url:
        expected = run(url)
    with emulator_dev(
        HERE / "py" / "wrangler.toml", folder=tmp_path / "py", health_path="/health"
    ) as url:
        actual = run(url)
    assert_same_answers(step_labels(SCENARIO), expected, actual, exact_types=False)
