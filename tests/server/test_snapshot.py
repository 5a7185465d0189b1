"""What entry.py's top level does for the runtime's memory snapshot (license_server.snapshot).

Each case runs in a fresh interpreter: what matters is what an import leaves behind, and this
test process has long since built every schema and imported the lease's crypto.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

_STUB_WORKERS = f"""
import json, sys, types
sys.path.insert(0, {str(SRC)!r})
_w = types.ModuleType("workers")
_w.WorkerEntrypoint = type("WorkerEntrypoint", (), {{}})
_w.Response = type("Response", (), {{}})
sys.modules["workers"] = _w
"""

_REPORT = """
from license_server import admin_models, lease, models
report = {
    "complete": {
        m.__name__: bool(m.__pydantic_complete__)
        for m in (
            models.ValidateRequest, models.LicenseRecord, models.Release, models.StatsRecord,
            admin_models.CreateLicense, admin_models.PatchLicense, admin_models.ReleaseUpdate,
        )
    },
    "crypto_loaded": "jwt" in sys.modules
    and "cryptography.hazmat.primitives.asymmetric.ed25519" in sys.modules,
    "keys_parsed": len(lease._signers),
}
print(json.dumps(report))
"""


def _run(before_import: str, after_import: str = _REPORT) -> tuple[dict[str, object], str]:
    script = _STUB_WORKERS + before_import + "\nimport entry\n" + after_import
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]), done.stdout


_AS_PYODIDE = """
import license_server.snapshot as snapshot
snapshot.runs_from_a_snapshot = lambda: True
"""


def test_under_cpython_the_import_defers_schemas_and_crypto_to_first_use() -> None:
    report, _ = _run("")
    assert report["complete"] == {
        name: False
        for name in report["complete"]  # type: ignore[union-attr]
    }
    assert report["crypto_loaded"] is False


def test_under_the_runtime_the_import_does_the_first_requests_work() -> None:
    report, _ = _run(_AS_PYODIDE)
    assert all(report["complete"].values())  # type: ignore[union-attr]
    assert len(report["complete"]) == 7  # type: ignore[arg-type]
    assert report["crypto_loaded"] is True
    # Nothing secret goes into a snapshot every isolate shares: no key is parsed at deploy.
    assert report["keys_parsed"] == 0


def test_the_runtime_check_is_pyodides_platform() -> None:
    _, out = _run(
        "",
        "from license_server.snapshot import runs_from_a_snapshot\n"
        "print(json.dumps([runs_from_a_snapshot(), sys.platform]))",
    )
    flag, platform = json.loads(out.strip().splitlines()[-1])
    assert flag is (platform == "emscripten")
    assert flag is False  # these tests run on CPython


def test_a_failing_preparation_still_deploys_and_says_why_in_one_line() -> None:
    failing = (
        _AS_PYODIDE
        + """
from license_server import lease
def _broken():
    raise ImportError("no crypto in this bundle: /secret/path")
lease.warm_up = _broken
"""
    )
    heartbeat = """
import asyncio
from license_server.app import handle
from license_server.context import Bindings
from license_server.http import HttpRequest
class _KV:
    async def get(self, key, type="text"): return None
    async def put(self, key, value, **options): pass
req = HttpRequest("GET", "/healthz", {}, {}, b"", None)
resp = asyncio.run(handle(req, Bindings(kv=_KV()), 0))
print(json.dumps({"status": resp.status}))
"""
    report, out = _run(failing, heartbeat)
    assert report == {"status": 200}
    failure = [line for line in out.splitlines() if "snapshot_prepare_failed" in line]
    assert len(failure) == 1
    assert json.loads(failure[0])["error"] == "ImportError"
    assert "/secret/path" not in out
