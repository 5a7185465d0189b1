"""R2: the scenario in ``r2/scenario.json`` run by a JavaScript Worker under real ``wrangler
dev`` (workerd's R2) and by its Python twin under ``workers-emulator dev``; every step's
answer (object shapes, bodies, ranges, preconditions, list pages, errors word for word) must
be identical. Versions and upload times are compared by form (32 hex, a Date)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from tests.support.devserver import ServerNotReady, emulator_dev, wrangler_dev

HERE = Path(__file__).parent / "r2"
ROOT = Path(__file__).resolve().parents[2]
WRANGLER = ROOT / "node_modules" / ".bin" / "wrangler"
SCENARIO = json.loads((HERE / "scenario.json").read_text(encoding="utf-8"))
STARTUP_SECONDS = 90


def run(url: str) -> list[object]:
    return list(httpx.post(f"{url}/run", json=SCENARIO, timeout=60).json())


def test_r2_answers_as_workerd_does(tmp_path: Path) -> None:
    if not WRANGLER.exists():
        pytest.skip("node_modules/.bin/wrangler is missing: run `npm ci` to install wrangler")
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the differential test needs it to run wrangler")
    (tmp_path / "js").mkdir()
    (tmp_path / "py").mkdir()
    try:
        with wrangler_dev(
            [str(WRANGLER)],
            "--local",
            "--config",
            str(HERE / "js" / "wrangler.toml"),
            cwd=HERE / "js",
            folder=tmp_path / "js",
            health_path="/health",
            timeout=STARTUP_SECONDS,
            interval=0.3,
        ) as url:
            expected = run(url)
        with emulator_dev(
            HERE / "py" / "wrangler.toml", folder=tmp_path / "py", health_path="/health"
        ) as url:
            actual = run(url)
    except ServerNotReady as error:
        pytest.fail(str(error))
    mismatches = [
        f"step {i} {json.dumps(SCENARIO[i])[:120]}\n  workerd:  {e}\n  emulator: {a}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True))
        if e != a
    ]
    assert len(expected) == len(SCENARIO)
    assert not mismatches, "\n".join(mismatches)
