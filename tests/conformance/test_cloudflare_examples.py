"""Cloudflare's published Python Worker examples, unchanged, under ``workers-emulator dev``,
held to what their own upstream tests (``tests/test_examples.py``) expect from ``pywrangler
dev``.

The examples may not be copied into this repository: the test takes a checkout of
``cloudflare/python-workers-examples`` from ``PYTHON_WORKERS_EXAMPLES`` (skipped without it).
Each example that needs no internet and no config key beyond ``RUNNABLE_KEYS`` (KV, D1, Durable
Objects, Static Assets, Cron Triggers, vars) is copied as shipped to a temporary folder and
installed from its own ``pyproject.toml`` with its dev group on Python 3.13
(``PYTHON_WORKERS_EXAMPLES_PYTHON``, default ``python3.13`` on PATH, else the newest
``$PYENV_ROOT/versions/3.13.*``, as ``.ci/run`` finds it), with ``workers-emulator`` added as
an editable path dev dependency (the way a Worker author adds it); its ``workers-emulator
dev`` is started from the example's folder (the config found as wrangler finds it) and the
upstream test function is called with its port.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import shutil
import socket
import subprocess
import sys
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from workers_emulator import jsonc

from tests.support.devserver import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
EMULATOR_PACKAGE = ROOT / "packages" / "workers-emulator"
CHECKOUT = os.environ.get("PYTHON_WORKERS_EXAMPLES")
INSTALL_SECONDS = 600
READY_SECONDS = 120

# Config keys of an example that this test can run: anything else is a binding (or a feature)
# left to other issues.
RUNNABLE_KEYS = frozenset(
    {
        "$schema",
        "name",
        "main",
        "compatibility_date",
        "compatibility_flags",
        "observability",
        "vars",
        "kv_namespaces",
        "triggers",
        "assets",
        "d1_databases",
        "durable_objects",
        "migrations",
    }
)
# Examples that run but do not yet answer as upstream expects, and why (xfail, strict).
KNOWN_FAILING: dict[str, str] = {}
# The upstream tests' set-up fixtures, each the wrangler command it runs (`pywrangler d1 ...`)
# spelled as `workers-emulator`, which takes the same arguments.
PREPARE = {
    "init_db": ["d1", "execute", "quotes", "--local", "--file", "db_init.sql"],
    "init_19_django_todo_d1_db": ["d1", "migrations", "apply", "django-todo-d1", "--local"],
}
# Examples whose Worker reaches the internet (the tests run offline).
NEEDS_INTERNET = {
    "05-langchain": "calls a remote AI binding",
    "11-opengraph": "fetches pages from the internet",
    "12-image-gen": "calls a remote AI model",
    "14-websocket-stream-consumer": "connects to a public WebSocket stream",
    "16-sync-http-clients": "fetches https://example.com/",
}


def _python313() -> str | None:
    given = os.environ.get("PYTHON_WORKERS_EXAMPLES_PYTHON")
    if given:
        return given
    on_path = shutil.which("python3.13")
    if on_path and _runs(on_path):
        return on_path  # (a pyenv shim on PATH may not run: checked)
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = sorted(root.glob("versions/3.13.*/bin/python3.13"), reverse=True)
    return next((str(path) for path in found if _runs(str(path))), None)


def _runs(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", ""], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _upstream_tests(checkout: Path) -> types.ModuleType:
    """The checkout's ``tests/test_examples.py`` (it imports its own ``conftest``)."""
    tests = checkout / "tests"
    spec = importlib.util.spec_from_file_location(
        "upstream_test_examples", tests / "test_examples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(tests))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(tests))
    return module


def _example_names() -> list[str]:
    if not CHECKOUT:
        return ["(no checkout)"]
    source = (Path(CHECKOUT) / "tests" / "test_examples.py").read_text(encoding="utf-8")
    names = []
    for line in source.splitlines():
        if line.startswith("def test_"):
            test = line.split("(", 1)[0].removeprefix("def ")
            names.append(test.removeprefix("test_").replace("_", "-"))
    return names


def why_not_runnable(example: Path) -> str | None:
    """Why the example is out of this test's reach (None: it is runnable)."""
    if example.name in NEEDS_INTERNET:
        return f"needs the internet: {NEEDS_INTERNET[example.name]}"
    config_path = example / "wrangler.jsonc"
    if not config_path.exists():
        return "no wrangler.jsonc at the example's root"
    config = jsonc.loads(config_path.read_text(encoding="utf-8"))
    others = sorted(set(config) - RUNNABLE_KEYS)
    if others:
        return f"uses {', '.join(others)}, which this test does not run"
    return None


def _run(command: list[str], cwd: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    }
    env["UV_PYTHON_DOWNLOADS"] = "never"  # only the given interpreter
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=INSTALL_SECONDS
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def install(example: Path, python: str) -> None:
    """The example's own dependencies and dev group, plus workers-emulator as a path dev
    dependency, into its own ``.venv``."""
    _run(
        ["uv", "add", "--dev", "--editable", str(EMULATOR_PACKAGE), "--python", python],
        example,
    )


@contextmanager
def emulator_dev_in(example: Path) -> Iterator[int]:
    """``workers-emulator dev`` from the example's own environment; yields its port once it
    says it is ready."""
    port = free_port()
    log_path = example / "workers-emulator.log"
    executable = example / ".venv" / "bin" / "workers-emulator"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(executable), "dev", "--ip", "127.0.0.1", "--port", str(port)],
            cwd=example,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + READY_SECONDS
        while "Ready on" not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"workers-emulator dev did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        yield port
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def upstream() -> tuple[Path, types.ModuleType, str]:
    if not CHECKOUT:
        pytest.skip(
            "set PYTHON_WORKERS_EXAMPLES to a checkout of cloudflare/python-workers-examples "
            "to run Cloudflare's examples under the emulator"
        )
    python = _python313()
    if python is None:
        pytest.skip("no Python 3.13 found (set PYTHON_WORKERS_EXAMPLES_PYTHON)")
    if shutil.which("uv") is None:
        pytest.skip("uv is not on PATH: the examples are installed with it")
    checkout = Path(CHECKOUT)
    return checkout, _upstream_tests(checkout), python


@pytest.mark.slow
@pytest.mark.parametrize("name", _example_names())
def test_example_answers_what_its_upstream_test_expects(
    name: str,
    upstream: tuple[Path, types.ModuleType, str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    checkout, tests, python = upstream
    reason = why_not_runnable(checkout / name)
    if reason is not None:
        pytest.skip(f"{name} {reason}")
    if name in KNOWN_FAILING:
        request.applymarker(pytest.mark.xfail(reason=KNOWN_FAILING[name], strict=True))
    upstream_test: Callable[[Any], None] = getattr(tests, "test_" + name.replace("-", "_"))
    example = tmp_path / name
    shutil.copytree(
        checkout / name, example, ignore=shutil.ignore_patterns(".venv", "node_modules")
    )
    install(example, python)
    fixtures = [p for p in inspect.signature(upstream_test).parameters if p != "dev_server"]
    for fixture in fixtures:
        if fixture not in PREPARE:
            pytest.skip(f"{name}: no workers-emulator command for its {fixture} set-up")
        _run([str(example / ".venv" / "bin" / "workers-emulator"), *PREPARE[fixture]], example)
    with emulator_dev_in(example) as port:
        upstream_test(**dict.fromkeys(fixtures), dev_server=port)
