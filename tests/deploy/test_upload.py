"""What a deploy uploads: exactly the Worker's modules under ``src/`` (and, through pywrangler,
the vendored run-time dependencies), never tests, tooling or secrets.

``wrangler deploy --dry-run --outdir`` packs the upload offline, so CI catches a broken one
here. ``pywrangler deploy`` first vendors ``[project].dependencies`` into ``python_modules``:
that needs Pyodide's cross-build environment (github.com/pyodide releases) and its wheel index
(index.pyodide.org), so where neither is reachable that test skips, saying so.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.devserver import WRANGLER, wrangler_unavailable

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PYWRANGLER = Path(sys.executable).parent / "pywrangler"
# Written by wrangler beside the bundle (what the folder is); never part of the upload.
WRANGLER_NOTE = "README.md"
# Tooling of the dev group: none of it may reach the Worker.
DEV_ONLY = {"pytest", "hypothesis", "schemathesis", "httpx", "ruff", "mypy", "workers_emulator"}
# Imported by the Worker at run time (root pyproject's [project].dependencies).
RUNTIME = {"pydantic", "pydantic_core", "jwt", "cryptography"}
NETWORK_FAILURE = re.compile(r"dns error|failed to (download|fetch)|connect", re.IGNORECASE)


def _worker_modules() -> set[str]:
    return {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")}


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _scratch_project(tmp_path: Path, canary: str) -> Path:
    """The deployable part of the repository as wrangler reads it, and a ``.dev.vars`` (where a
    developer keeps real secrets) holding ``canary`` for both secrets."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("wrangler.toml", "pyproject.toml", "uv.lock", "package.json"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(SRC, project / "src")
    (project / "node_modules").symlink_to(ROOT / "node_modules")
    (project / ".dev.vars").write_text(f'ADMIN_TOKEN="{canary}"\nLEASE_SIGNING_KEY="{canary}"\n')
    return project


def _quiet_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "WRANGLER_SEND_METRICS": "false", "CI": "1", "NO_COLOR": "1", **extra}


def _assert_no_secret(outdir: Path, printed: str, canary: str) -> None:
    assert canary not in printed
    for path in outdir.rglob("*"):
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), path
    assert not list(outdir.rglob(".dev.vars*")) and not list(outdir.rglob(".env*"))


def test_src_holds_only_the_worker() -> None:
    """What ``src/`` holds is what gets uploaded, so no test or fixture may live there."""
    modules = _worker_modules()
    assert "entry.py" in modules
    tests = [m for m in modules if re.search(r"(^|/)(tests?/|test_|conftest\.py)", m)]
    assert tests == []


@pytest.mark.skipif(wrangler_unavailable() is not None, reason=str(wrangler_unavailable()))
def test_wrangler_dry_run_uploads_exactly_the_worker_modules(tmp_path: Path) -> None:
    canary = f"canary-{secrets.token_hex(16)}"
    project = _scratch_project(tmp_path, canary)
    outdir = tmp_path / "upload"
    done = subprocess.run(
        [str(WRANGLER), "deploy", "--dry-run", "--outdir", str(outdir)],
        cwd=project,
        env=_quiet_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed
    assert "--dry-run: exiting now." in printed
    assert _files(outdir) - {WRANGLER_NOTE} == _worker_modules()
    modules = len(_worker_modules()) - 1  # wrangler counts the modules beside `main`
    assert re.search(rf"Total \({modules} modules\)", printed), printed
    _assert_no_secret(outdir, printed, canary)


def _host_python_313() -> Path | None:
    """A working CPython 3.13 for pywrangler's host venv (so uv never downloads one)."""
    if sys.version_info[:2] == (3, 13):
        return Path(sys.executable).parent
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for candidate in sorted(root.glob("versions/3.13.*/bin/python3.13"), reverse=True):
        return candidate.parent
    found = shutil.which("python3.13")
    if found and subprocess.run([found, "-V"], capture_output=True, check=False).returncode == 0:
        return Path(found).parent
    return None


@pytest.mark.skipif(not WRANGLER.exists(), reason="node_modules/.bin/wrangler missing: `npm ci`")
@pytest.mark.skipif(not PYWRANGLER.exists(), reason="pywrangler (workers-py) is not installed")
def test_pywrangler_dry_run_vendors_only_the_runtime_dependencies(tmp_path: Path) -> None:
    host = _host_python_313()
    if host is None:
        pytest.skip("no CPython 3.13 for pywrangler's host venv (uv must not download one)")
    canary = f"canary-{secrets.token_hex(16)}"
    project = _scratch_project(tmp_path, canary)
    outdir = tmp_path / "upload"
    # Only Pyodide's build may be fetched (no host Python is: python3.13 is first on PATH).
    env = _quiet_env(
        PATH=f"{host}{os.pathsep}{os.environ.get('PATH', '')}",
        UV_PYTHON_DOWNLOADS="automatic",
        UV_HTTP_RETRIES="0",
    )
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [str(PYWRANGLER), "deploy", "--dry-run", "--outdir", str(outdir)],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    printed = done.stdout + done.stderr
    if done.returncode != 0 and NETWORK_FAILURE.search(printed):
        pytest.skip(
            "pywrangler cannot vendor offline: it downloads Pyodide's cross-build environment "
            "(github.com/pyodide/pyodide releases, xbuildenv) and the packages' Pyodide wheels "
            "(index.pyodide.org); here only PyPI and npm are reachable. Last lines:\n"
            + "\n".join(printed.strip().splitlines()[-8:])
        )
    assert done.returncode == 0, printed
    files = _files(outdir)
    worker = _worker_modules()
    assert worker <= files
    vendored = {f.split("/")[1] for f in files if f.startswith("python_modules/")}
    assert vendored >= RUNTIME, sorted(vendored)
    assert not DEV_ONLY & vendored, sorted(DEV_ONLY & vendored)
    stray = {f for f in files - worker - {WRANGLER_NOTE} if not f.startswith("python_modules/")}
    assert stray == set()
    _assert_no_secret(outdir, printed, canary)
