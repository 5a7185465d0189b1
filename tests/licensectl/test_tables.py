"""Human output: fitted to a terminal's width, whole and unwrapped anywhere else (a pipe, a
file), so `grep` and `awk` see every value on its line."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.licensectl.conftest import LICENSE_ID, answers, license_record, run_cli
from tests.licensectl.conftest import scripted_env as env

LONG_CUSTOMER = "Contoso Holdings International " * 6 + "(EMEA)"
OTHER_ID = "cd" * 16
COUNTS = {f"certificate_count_{n}": n for n in range(12)}


def listing() -> dict[str, Any]:
    licenses = [license_record(LICENSE_ID, customer=LONG_CUSTOMER), license_record(OTHER_ID)]
    return {"licenses": licenses, "cursor": None}


def fleet() -> dict[str, Any]:
    item = {"license_id": LICENSE_ID, "stats": COUNTS, "received_at": "2027-05-31T10:00:00Z"}
    return {"items": [item], "cursor": None}


def shown() -> dict[str, Any]:
    return {
        "license": license_record(customer=LONG_CUSTOMER),
        "stats": COUNTS,
        "stats_received_at": "2027-05-31T10:00:00Z",
        "last_validated_at": "2027-05-31T10:00:00Z",
    }


CASES = [(("list",), listing), (("fleet",), fleet), (("show", LICENSE_ID), shown)]


@pytest.mark.parametrize(("argv", "body"), CASES)
def test_off_a_terminal_every_value_is_whole_on_one_line(argv: tuple[str, ...], body: Any) -> None:
    script, _ = answers(httpx.Response(200, json=body()))
    result = run_cli(*argv, environ=env(), script=script, width=80)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    if argv[0] != "fleet":
        assert any(LONG_CUSTOMER in line for line in lines), result.out
    assert any(LICENSE_ID in line for line in lines)
    if argv[0] != "list":
        counts = ", ".join(f"{k}={v}" for k, v in COUNTS.items())
        assert argv[0] == "show" or any(counts in line for line in lines), result.out
    assert "…" not in result.out


@pytest.mark.parametrize(("argv", "body"), CASES)
def test_on_a_terminal_tables_fit_its_width(argv: tuple[str, ...], body: Any) -> None:
    script, _ = answers(httpx.Response(200, json=body()))
    result = run_cli(*argv, environ=env(), script=script, width=80, terminal=True)
    assert result.code == 0, result.err
    assert max(len(line) for line in result.out.splitlines()) <= 80
    assert any(LICENSE_ID in line for line in result.out.splitlines())
