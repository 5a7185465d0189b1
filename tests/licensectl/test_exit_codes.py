"""Exit codes and error codes: one table in the code (licensectl.exits); --help and
docs/licensectl.md say the same, and each path ends with the code the table gives it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from licensectl.exits import LOCAL_ERRORS, MEANINGS, Exit

from tests.licensectl.conftest import LICENSE_ID, answers, error, license_record, run_cli
from tests.licensectl.conftest import scripted_env as env

DOC = Path(__file__).resolve().parents[2] / "docs" / "licensectl.md"


def doc_table(heading: str) -> list[list[str]]:
    """The rows of the first Markdown table after ``heading`` in docs/licensectl.md."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    rows: list[list[str]] = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif rows:
            break
    return rows[1:]  # without the header row


def test_the_docs_exit_code_table_is_the_code_table() -> None:
    documented = {int(code): meaning for code, meaning in doc_table("## Exit codes")}
    assert documented == {int(code): meaning for code, meaning in MEANINGS.items()}


def test_the_docs_list_exactly_licensectls_own_error_codes() -> None:
    documented = {code: int(exit_code) for code, exit_code, _ in doc_table("### Error codes")}
    local = {code: int(exit_code) for code, exit_code in LOCAL_ERRORS.items()}
    server = {"license_not_found": 1, "unauthorized": 3, "invalid_request": 2, "license_revoked": 2}
    assert documented == {**local, **server}


def test_help_prints_the_same_table() -> None:
    result = run_cli("--help")
    assert result.code == 0
    for code, meaning in MEANINGS.items():
        assert f"  {int(code)}  {meaning}" in result.out
    for code, exit_code in LOCAL_ERRORS.items():
        assert f"{code} ({int(exit_code)})" in result.out
    assert "LICENSE_ADMIN_TOKEN" in result.out
    assert "--token" not in result.out


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (404, "license_not_found", Exit.NOT_FOUND),
        (401, "unauthorized", Exit.AUTH),
        (403, "forbidden", Exit.AUTH),
        (400, "invalid_request", Exit.USAGE),
        (409, "conflict", Exit.USAGE),
        (413, "request_too_large", Exit.USAGE),
        (429, "rate_limited", Exit.SERVER),  # after the retries
        (500, "internal_error", Exit.SERVER),
        (503, "storage_unavailable", Exit.SERVER),
    ],
)
def test_a_server_error_ends_with_its_statuss_exit_code(
    status: int, code: str, exit_code: Exit
) -> None:
    script, _ = answers(*[error(status, code)] * 4)
    result = run_cli("suspend", LICENSE_ID, environ=env(), script=script)
    assert result.code == exit_code
    result.one_error_line(code)


def test_a_file_that_cannot_be_written_is_a_local_error(tmp_path: Path) -> None:
    body = {"license": license_record(), "stats": None, "validations": []}
    script, _ = answers(httpx.Response(200, json=body))
    target = tmp_path / "missing-folder" / "export.json"
    result = run_cli("export", LICENSE_ID, "-o", str(target), environ=env(), script=script)
    assert result.code == Exit.LOCAL == 6
    result.one_error_line("local_error")
    assert str(target) in result.err


def test_a_usage_error_is_exit_2_before_any_call() -> None:
    script, seen = answers()
    for argv in (("list", "--token", "secret"), ("create", "--customer", "A", "--plan", "p")):
        result = run_cli(*argv, environ=env(), script=script)
        assert result.code == Exit.USAGE
        result.one_error_line("usage_error")
        assert re.search(r"see licensectl --help", result.err)
    assert seen == []
