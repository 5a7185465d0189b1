"""Cold start: how long a fresh interpreter takes to import the Worker, beside pydantic alone.

Each figure is the wall time of the import statements alone, measured inside a fresh
``python -c`` subprocess with ``time.perf_counter`` (interpreter start-up is the same for all
and is left out). The targets run interleaved (one of each per round) so that load from other
processes on the machine falls on all of them alike.

- ``pydantic``: ``import pydantic; from pydantic import BaseModel``.
- ``entry`` (the target's figure): ``import entry`` from ``src/`` with a two-class stub as the
  ``workers`` module, so every module the Worker needs, standard library included, is loaded
  inside the timed region (it is "``license_server.app`` plus entry").
- ``entry_isolate``: ``import entry`` with the emulator's own stand-in ``workers`` module
  installed by its isolate loader (``standin_workers_module``). Importing the emulator is
  set-up, not timed; it pre-loads standard-library modules the Worker also uses (asyncio, json,
  urllib, http), so this figure is smaller: it is what an isolate whose runtime SDK is already
  loaded pays, as in workerd.
- ``app``: ``import license_server.app`` alone.
- ``first_heartbeat``: ``import entry`` (stub ``workers``) and then the isolate's first
  heartbeat with stats, through ``license_server.app.handle`` on a dict KV that already holds
  the license and the release (``asyncio`` is pre-imported: the runtime provides the loop).
  Whatever the Worker defers from import to first use (schema builds, pydantic's plugin scan,
  cryptography) is paid here, so this is the cold start a client waits for under CPython.
- ``first_request_only``: the same first heartbeat, timed alone (the import is set-up).
- ``first_request_from_snapshot``: the same, after the import the real runtime does at deploy:
  Cloudflare runs a Python Worker's top level once and starts every isolate from a snapshot of
  that memory, and under Pyodide ``entry.py``'s top level does the deferred work
  (``license_server.snapshot``). The set-up imports ``entry`` and runs that work
  (``prepare_for_snapshot``); what is timed is what a restored isolate's first heartbeat costs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.stats import median

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

_TIMER = """
import sys, time, json
{setup}
# Set-up must not pre-load what the timed imports need, or they would look cheaper than they are.
_pre = sorted(m for m in ("pydantic", "pydantic_core", "jwt", "cryptography") if m in sys.modules)
_before = len(sys.modules)
t0 = time.perf_counter()
{body}
t1 = time.perf_counter()
print(json.dumps({{"seconds": t1 - t0, "modules": len(sys.modules) - _before, "preloaded": _pre}}))
"""

_SRC_PATH = f"sys.path.insert(0, {str(SRC)!r})"

# A stub with the two names entry.py imports: costs nothing and pre-loads nothing.
_STUB_WORKERS = (
    _SRC_PATH
    + """
import types
_w = types.ModuleType("workers")
_w.WorkerEntrypoint = type("WorkerEntrypoint", (), {})
_w.Response = type("Response", (), {})
sys.modules["workers"] = _w
"""
)

# The emulator's stand-in for the runtime SDK, installed by its isolate loader.
_ISOLATE_WORKERS = (
    _SRC_PATH
    + """
from workers_emulator.isolate import standin_workers_module
# Keep a reference: a collected context manager would restore sys.modules at once.
_standin = standin_workers_module()
_standin.__enter__()
"""
)


def _first_heartbeat_target() -> tuple[str, str]:
    """Set-up and timed body for the first heartbeat of a fresh isolate (see module doc)."""
    sys.path.insert(0, str(SRC))
    from bench.cases import STATS, VERSION
    from bench.inprocess import LEASE_SIGNING_KEY
    from license_server.keys import generate_key, license_id, parse

    key = generate_key()
    lid = license_id(parse(key) or "")
    record = {
        "id": lid,
        "status": "active",
        "customer": "bench",
        "plan": "enterprise",
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2036-01-01T00:00:00Z",
    }
    release = {
        "latest_version": "2.5.0",
        "release_notes_url": None,
        "updated_at": "2026-01-01T00:00:00Z",
    }
    body = json.dumps({"license_key": key, "version": VERSION, "stats": STATS}).encode()
    setup = (
        _STUB_WORKERS
        + f"""
import asyncio
class _KV:
    def __init__(self, data): self.data = data
    async def get(self, key, type="text"): return self.data.get(key)
    async def put(self, key, value, **options): self.data[key] = value
_kv = _KV({{{json.dumps("license:" + lid)}: {json.dumps(json.dumps(record))},
           "release": {json.dumps(json.dumps(release))}}})
"""
    )
    heartbeat = f"""
from license_server.app import handle
from license_server.context import Bindings
from license_server.http import HttpRequest
_req = HttpRequest("POST", "/v1/validate", {{}}, {{"content-type": "application/json"}},
                   {body!r}, "2001:db8::1")
_bindings = Bindings(kv=_kv, admin_token="t", lease_signing_key={LEASE_SIGNING_KEY!r})
import io, contextlib
with contextlib.redirect_stdout(io.StringIO()):
    _resp = asyncio.run(handle(_req, _bindings, int(time.time())))
assert _resp.status == 200 and b'"accepted":true' in _resp.body, _resp.body
"""
    return setup, heartbeat


def _first_heartbeat_targets() -> dict[str, tuple[str, str]]:
    """The first heartbeat of a fresh isolate: with the import (CPython, no snapshot), after an
    untimed import (the request alone), and after the import Pyodide does at deploy (the
    request an isolate restored from Cloudflare's memory snapshot pays; license_server.snapshot)."""
    setup, heartbeat = _first_heartbeat_target()
    # What entry.py's top level runs under Pyodide (sys.platform cannot simply be faked here:
    # the standard library would look for Emscripten's build data).
    deploy_time_import = """
import entry
from license_server.snapshot import prepare_for_snapshot
prepare_for_snapshot()
"""
    return {
        "first_heartbeat": (setup, "import entry\n" + heartbeat),
        "first_request_only": (setup + "import entry\n", heartbeat),
        "first_request_from_snapshot": (setup + deploy_time_import, heartbeat),
    }


TARGETS: dict[str, tuple[str, str]] = {
    "pydantic": ("", "import pydantic\nfrom pydantic import BaseModel"),
    "entry": (_STUB_WORKERS, "import entry"),
    "entry_isolate": (_ISOLATE_WORKERS, "import entry"),
    "app": (_SRC_PATH, "import license_server.app"),
    **_first_heartbeat_targets(),
}


def _run_once(setup: str, body: str) -> dict[str, Any]:
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


def run_cold_start(runs: int = 10) -> dict[str, Any]:
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in TARGETS}
    errors: dict[str, str] = {}
    for name, (setup, body) in TARGETS.items():  # priming run: .pyc files, page cache
        try:
            _run_once(setup, body)
        except subprocess.CalledProcessError as exc:
            errors[name] = (exc.stderr.strip().splitlines() or ["?"])[-1]
    for _ in range(runs):
        for name, (setup, body) in TARGETS.items():
            if name not in errors:
                samples[name].append(_run_once(setup, body))
    result: dict[str, Any] = {"what": __doc__, "runs": runs}
    for name in TARGETS:
        if name in errors:
            result[name] = {"error": errors[name]}
            continue
        secs = [s["seconds"] for s in samples[name]]
        result[name] = {
            "median_ms": round(median(secs) * 1000, 2),
            "min_ms": round(min(secs) * 1000, 2),
            "max_ms": round(max(secs) * 1000, 2),
            "modules_loaded": int(samples[name][0]["modules"]),
            "preloaded_by_setup": samples[name][0]["preloaded"],
        }
    base = result["pydantic"].get("median_ms")
    for name in TARGETS:
        if name == "pydantic":
            continue
        entry = result[name]
        if base and "median_ms" in entry:
            entry["ratio_to_pydantic"] = round(entry["median_ms"] / base, 2)
    return result
