"""Cold start: how long a fresh interpreter takes to import the Worker, beside pydantic alone.

Each figure is the wall time of the import statements alone, measured inside a fresh
subprocess with ``time.perf_counter`` (interpreter start-up is the same for both and is left
out). The Worker's ``import entry`` runs with the emulator's stand-in ``workers`` module already
in ``sys.modules``: importing that stand-in is set-up, not timed, because in workerd the SDK is
part of the runtime, not of the Worker's cold start.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.stats import median

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

_TIMER = """
import sys, time, json
{setup}
t0 = time.perf_counter()
{body}
t1 = time.perf_counter()
print(json.dumps({{"seconds": t1 - t0, "modules": len(sys.modules)}}))
"""

PYDANTIC = "import pydantic\nfrom pydantic import BaseModel"
APP = "import license_server.app"
ENTRY = "import entry"

# The emulator's stand-in for the runtime SDK; imported before the clock starts.
WORKERS_STAND_IN = """
sys.path.insert(0, {src!r})
from workers_emulator.isolate import workers_stand_in as _ws
sys.modules["workers"] = _ws()
"""


def _run_once(setup: str, body: str) -> dict[str, float]:
    script = _TIMER.format(setup=setup, body=body)
    out = subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        # Bytecode caches are written by the priming run and used after: a deployed isolate
        # starts from a snapshot, so compiling sources is not part of the cold start compared.
        env={"PATH": "/usr/bin:/bin"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(setup: str, body: str, runs: int) -> dict[str, object]:
    _run_once(setup, body)  # prime the OS page cache and .pyc files
    samples = [_run_once(setup, body) for _ in range(runs)]
    secs = [s["seconds"] for s in samples]
    return {
        "runs": runs,
        "median_ms": round(median(secs) * 1000, 2),
        "min_ms": round(min(secs) * 1000, 2),
        "max_ms": round(max(secs) * 1000, 2),
        "modules_loaded": int(samples[0]["modules"]),
    }


def run_cold_start(runs: int = 10) -> dict[str, object]:
    src_path = f"sys.path.insert(0, {str(SRC)!r})"
    result: dict[str, object] = {
        "what": (
            "perf_counter around the import statements in a fresh `python -c` subprocess, "
            f"median of {runs} (+1 discarded priming run); pydantic: `{PYDANTIC!r}`; "
            "worker: `import entry` from src/ with the emulator's stand-in `workers` module "
            "pre-installed in sys.modules (not timed); app: `import license_server.app` only"
        ),
        "pydantic": measure("", PYDANTIC, runs),
    }
    try:
        result["app"] = measure(src_path, APP, runs)
    except subprocess.CalledProcessError as exc:
        result["app"] = {"error": exc.stderr.strip().splitlines()[-1:]}
    try:
        result["entry"] = measure(WORKERS_STAND_IN.format(src=str(SRC)), ENTRY, runs)
    except subprocess.CalledProcessError as exc:
        result["entry"] = {"error": exc.stderr.strip().splitlines()[-1:]}
    base = result["pydantic"]["median_ms"]  # type: ignore[index]
    for name in ("entry", "app"):
        entry = result[name]
        if isinstance(entry, dict) and "median_ms" in entry:
            entry["ratio_to_pydantic"] = round(entry["median_ms"] / base, 2)
    return result
