"""The repository's own reference stands on its own: nothing points outside it, and every file
and test the docs name exists (a moved module or a renamed test fails here, not in a reader's
hands)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("packages/*/README.md")])
OUTSIDE = "../" + "shared"  # spelled in two pieces so this file does not match itself
# The same folder reached from code, as a path built from the checkout's parent.
OUTSIDE_IN_CODE = re.compile(r"parent\s*/\s*[\"']" + "shared")
# `path/to/file.ext` or `path/to/file.py::test_name` (the `::name` may follow a previous path).
_PATH = re.compile(r"`((?:src|tests|docs|packages|bench)/[\w./-]+?)(?:::(\w+))?`")
_CONTINUATION = re.compile(r"`::(\w+)`")


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_nothing_in_the_repository_points_outside_it() -> None:
    offenders = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue
        offenders += [
            f"{path.relative_to(ROOT)}:{number}"
            for number, line in enumerate(text.splitlines(), start=1)
            if OUTSIDE in line or OUTSIDE_IN_CODE.search(line)
        ]
    assert offenders == []


def references(doc: Path) -> list[tuple[str, str | None]]:
    """(path, test name or None) for every path the doc names, in order."""
    found: list[tuple[str, str | None]] = []
    for line in doc.read_text(encoding="utf-8").splitlines():
        last: str | None = None
        for match in re.finditer(rf"{_PATH.pattern}|{_CONTINUATION.pattern}", line):
            path, name, continued = match.group(1), match.group(2), match.group(3)
            if path is not None:
                last = path
                found.append((path, name))
            elif last is not None:
                found.append((last, continued))
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_and_test_a_doc_names_exists(doc: Path) -> None:
    missing = []
    for path, name in references(doc):
        target = ROOT / path.rstrip("/")
        if not target.exists():
            missing.append(path)
        elif name is not None and not re.search(
            rf"^(?:async )?def {name}\(", target.read_text(encoding="utf-8"), re.M
        ):
            missing.append(f"{path}::{name}")
    assert missing == []
