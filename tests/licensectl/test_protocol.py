"""licensectl's side of the protocol against scripted answers (httpx.MockTransport).

The dev-server tests cover the real server; these pin client behaviour a healthy server rarely
shows: retried 503s, a 404 after an erasure finished, long listings, broken servers.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import licensectl.cli
import pytest
from licensectl.cli import main
from licensectl.client import AdminClient
from rich.console import Console

LICENSE_ID = "ab" * 16
Script = Callable[[httpx.Request], httpx.Response]


def run_with(
    monkeypatch: pytest.MonkeyPatch, script: Script, *argv: str
) -> tuple[int, str, str, list[float]]:
    monkeypatch.setenv("LICENSE_SERVER_URL", "http://license.test")
    monkeypatch.setenv("LICENSE_ADMIN_TOKEN", "t")
    sleeps: list[float] = []

    def client(url: str, token: str) -> AdminClient:
        return AdminClient(url, token, transport=httpx.MockTransport(script), sleep=sleeps.append)

    monkeypatch.setattr(licensectl.cli, "AdminClient", client)
    out, err = io.StringIO(), io.StringIO()
    code = main(
        list(argv),
        stdout=Console(file=out, width=200, color_system=None),
        stderr=Console(file=err, width=200, color_system=None),
    )
    return code, out.getvalue(), err.getvalue(), sleeps


def answers(*responses: httpx.Response) -> tuple[Script, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response] = iter(responses)

    def script(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(queue)

    return script, seen


def error(status: int, code: str, **headers: str) -> httpx.Response:
    body = {"error": {"code": code, "message": f"{code} happened"}}
    return httpx.Response(status, json=body, headers=headers)


def test_erase_repeats_through_202_and_sends_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    in_progress = httpx.Response(202, json={"erasure": "in_progress"})
    script, seen = answers(in_progress, in_progress, httpx.Response(204))
    code, out, _, _ = run_with(
        monkeypatch, script, "erase", LICENSE_ID, "--yes", "--json", "--settle", "0"
    )
    assert code == 0
    assert json.loads(out) == {"erased": LICENSE_ID, "calls": 3, "settle_seconds": 0}
    assert [r.method for r in seen] == ["DELETE"] * 3
    assert all(r.headers["authorization"] == "Bearer t" for r in seen)
    assert seen[0].url.path == f"/v1/admin/licenses/{LICENSE_ID}"


def test_erase_404_after_a_retried_503_counts_as_done(monkeypatch: pytest.MonkeyPatch) -> None:
    # The first attempt may have finished the erasure before the answer was lost.
    script, _ = answers(
        httpx.Response(202, json={"erasure": "in_progress"}),
        error(503, "storage_unavailable", **{"retry-after": "30"}),
        error(404, "license_not_found"),
    )
    code, out, _, sleeps = run_with(
        monkeypatch, script, "erase", LICENSE_ID, "--yes", "--json", "--settle", "0"
    )
    assert code == 0
    assert json.loads(out)["erased"] == LICENSE_ID
    assert sleeps == [2.0]  # Retry-After honoured, capped: an operator is waiting


@pytest.mark.parametrize(
    ("second_pass", "calls"),
    [
        ([error(404, "license_not_found")], 2),  # nothing was left
        ([httpx.Response(204)], 2),  # a late heartbeat's leftovers, removed
        ([httpx.Response(202, json={"erasure": "in_progress"}), httpx.Response(204)], 3),
    ],
)
def test_erase_settles_then_erases_once_more_by_default(
    monkeypatch: pytest.MonkeyPatch, second_pass: list[httpx.Response], calls: int
) -> None:
    """A heartbeat in flight during the erasure can write after it (README, "Known limits"):
    by default licensectl waits 90 s and erases again; a 404 then means nothing was left."""
    script, seen = answers(httpx.Response(204), *second_pass)
    code, out, err, sleeps = run_with(monkeypatch, script, "erase", LICENSE_ID, "--yes", "--json")
    assert code == 0, err
    assert json.loads(out) == {"erased": LICENSE_ID, "calls": calls, "settle_seconds": 90}
    assert sleeps == [90]
    assert [r.method for r in seen] == ["DELETE"] * calls
    assert "--settle 0 skips" in err


def test_erase_settle_must_be_a_non_negative_number(monkeypatch: pytest.MonkeyPatch) -> None:
    script, seen = answers()
    for bad in ("-1", "soon"):
        argv = ("erase", LICENSE_ID, "--yes", "--settle", bad)
        code, out, _, _ = run_with(monkeypatch, script, *argv)
        assert code == 2 and out == ""
    assert seen == []


def test_erase_of_an_unknown_license_is_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    script, _ = answers(error(404, "license_not_found"))
    code, out, err, _ = run_with(monkeypatch, script, "erase", LICENSE_ID, "--yes")
    assert code == 1 and out == ""
    assert err.strip() == "licensectl: license_not_found: license_not_found happened"


def test_list_follows_cursors_with_progress_on_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = 12

    def script(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("cursor", "0"))
        licenses = [
            {
                "id": f"{number:02d}{i:030d}",
                "status": "active",
                "customer": f"C{number}-{i}",
                "plan": "pro",
                "created_at": "2027-01-01T00:00:00Z",
                "expires_at": None,
            }
            for i in range(3)
        ]
        cursor = str(number + 1) if number + 1 < pages else None
        return httpx.Response(200, json={"licenses": licenses, "cursor": cursor})

    code, out, err, _ = run_with(monkeypatch, script, "list", "--json")
    assert code == 0
    listed = json.loads(out)["licenses"]
    assert len(listed) == 3 * pages
    assert len({item["id"] for item in listed}) == 3 * pages
    assert "fetched 30 licenses (10 pages)" in err  # progress goes to stderr, never stdout


def test_a_repeated_cursor_is_a_server_error_not_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    def script(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [], "cursor": "same"})

    code, out, err, _ = run_with(monkeypatch, script, "fleet")
    assert code == 4 and out == ""
    assert err.startswith("licensectl: bad_response: ")


@pytest.mark.parametrize(
    ("response", "exit_code", "line"),
    [
        (httpx.Response(500, text="<html>oops</html>"), 4, "licensectl: http_500: "),
        (error(401, "unauthorized"), 3, "licensectl: unauthorized: "),
        (error(400, "invalid_request"), 2, "licensectl: invalid_request: "),
        (httpx.Response(200, text="not json"), 4, "licensectl: bad_response: "),
    ],
)
def test_failures_are_one_line_with_the_right_exit_code(
    monkeypatch: pytest.MonkeyPatch, response: httpx.Response, exit_code: int, line: str
) -> None:
    script, _ = answers(response)
    code, out, err, _ = run_with(monkeypatch, script, "show", LICENSE_ID)
    assert code == exit_code
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith(line)
    assert "Traceback" not in err


def test_persistent_503_gives_up_after_bounded_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def script(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return error(503, "storage_unavailable")

    code, _, err, sleeps = run_with(monkeypatch, script, "release", "show")
    assert code == 4
    assert len(calls) == 4 and len(sleeps) == 3
    assert err.startswith("licensectl: storage_unavailable: ")


def test_server_text_cannot_inject_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    record = {
        "id": LICENSE_ID,
        "status": "active",
        "customer": "[bold red]Evil[/] [link=http://x]y[/link]",
        "plan": "pro",
        "created_at": "2027-01-01T00:00:00Z",
        "expires_at": None,
    }
    body = {"license": record, "stats": None, "stats_received_at": None, "last_validated_at": None}
    script, _ = answers(httpx.Response(200, json=body))
    code, out, _, _ = run_with(monkeypatch, script, "show", LICENSE_ID)
    assert code == 0
    assert "[bold red]Evil[/]" in out
