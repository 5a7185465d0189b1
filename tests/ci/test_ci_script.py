"""``.ci/run``'s own rules: it finds each CPython it needs or fails loudly, and only a pytest run
that passed at least one test lets CI go green."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "run"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def _functions() -> str:
    """``.ci/run``'s shell functions alone (not its steps), to call them one by one."""
    lines, keep = [], False
    for line in SCRIPT.read_text().splitlines():
        keep = keep or line.endswith("() {")
        if keep:
            lines.append(line)
        if line == "}":
            keep = False
    return "\n".join(lines)


def _bash(snippet: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    script = f"set -euo pipefail\nPYTHON_311={sys.executable}\n{_functions()}\n{snippet}\n"
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_finds_the_running_python_by_its_version() -> None:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    done = _bash(f'PATH="{Path(sys.executable).parent}:$PATH" find_python {version}')
    assert done.returncode == 0, done.stderr
    found = Path(done.stdout.strip())
    probe = [str(found), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
    assert (
        subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip() == version
    )


def test_a_missing_python_is_not_found() -> None:
    done = _bash("find_python 3.99 || echo missing")
    assert done.stdout.strip() == "missing"


def _pytest_run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(body)
    return _bash(
        f"run_pytest sample {sys.executable} -m pytest -q -p no:cacheprovider test_sample.py",
        cwd=tmp_path,
    )


def test_a_passing_run_is_green(tmp_path: Path) -> None:
    done = _pytest_run(tmp_path, "def test_ok():\n    assert True\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed of 1" in done.stdout


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("def test_no():\n    assert False\n", "exited 1"),
        ("def helper():\n    pass\n", "exited 5"),  # nothing collected
        (
            "import pytest\n\n@pytest.mark.skip(reason='x')\ndef test_s():\n    pass\n",
            "none passed",
        ),
    ],
    ids=["failing", "no tests", "all skipped"],
)
def test_a_run_that_proves_nothing_fails_ci(tmp_path: Path, body: str, says: str) -> None:
    done = _pytest_run(tmp_path, body)
    assert done.returncode != 0
    assert says in done.stderr
