"""licensectl's side of the protocol against scripted answers (httpx.MockTransport).

The dev-server tests cover the real server; these pin client behaviour a healthy server rarely
shows: retried 503s, a 404 after an erasure finished, long listings, broken servers. Waits go
through the clock the run is given, so none of them takes wall time.
"""

from __future__ import annotations

import httpx
import pytest

from tests.licensectl.conftest import LICENSE_ID, answers, error, license_record, run_cli
from tests.licensectl.conftest import scripted_env as env


def test_erase_repeats_through_202_and_sends_the_token() -> None:
    in_progress = httpx.Response(202, json={"erasure": "in_progress"})
    script, seen = answers(in_progress, in_progress, httpx.Response(204))
    result = run_cli(
        "erase", LICENSE_ID, "--yes", "--json", "--settle", "0", environ=env(), script=script
    )
    assert result.code == 0
    assert result.json() == {"erased": LICENSE_ID, "calls": 3, "settle_seconds": 0}
    assert [r.method for r in seen] == ["DELETE"] * 3
    assert all(r.headers["authorization"] == "Bearer t" for r in seen)
    assert seen[0].url.path == f"/v1/admin/licenses/{LICENSE_ID}"


def test_a_503_is_retried_after_waiting_retry_after() -> None:
    """The wait comes between the two attempts, and it is the server's Retry-After."""
    events: list[str] = []
    queue = iter(
        [
            error(503, "storage_unavailable", **{"retry-after": "1"}),
            httpx.Response(
                200, json={"latest_version": "2.5.0", "release_notes_url": None, "updated_at": None}
            ),
        ]
    )

    def script(request: httpx.Request) -> httpx.Response:
        events.append(f"{request.method} {request.url.path}")
        return next(queue)

    def sleep(seconds: float) -> None:
        events.append(f"sleep {seconds}")

    result = run_cli("release", "show", "--json", environ=env(), script=script, sleep=sleep)
    assert result.code == 0, result.err
    assert result.json()["latest_version"] == "2.5.0"
    assert events == ["GET /v1/admin/release", "sleep 1.0", "GET /v1/admin/release"]


def test_a_429_is_retried_too_and_a_long_retry_after_is_capped() -> None:
    script, seen = answers(
        error(429, "rate_limited", **{"retry-after": "60"}),
        error(503, "storage_unavailable"),  # no Retry-After: one second
        httpx.Response(200, json={"license": license_record()}),
    )
    result = run_cli("suspend", LICENSE_ID, "--json", environ=env(), script=script)
    assert result.code == 0, result.err
    assert result.sleeps == [2.0, 1.0]  # an operator is waiting: at most 2 s per retry
    assert [r.method for r in seen] == ["PATCH"] * 3


def test_erase_404_after_a_retried_503_counts_as_done() -> None:
    # The first attempt may have finished the erasure before the answer was lost.
    script, _ = answers(
        httpx.Response(202, json={"erasure": "in_progress"}),
        error(503, "storage_unavailable", **{"retry-after": "30"}),
        error(404, "license_not_found"),
    )
    result = run_cli(
        "erase", LICENSE_ID, "--yes", "--json", "--settle", "0", environ=env(), script=script
    )
    assert result.code == 0
    assert result.json()["erased"] == LICENSE_ID
    assert result.sleeps == [2.0]  # Retry-After honoured, capped: an operator is waiting


@pytest.mark.parametrize(
    ("second_pass", "calls"),
    [
        ([error(404, "license_not_found")], 2),  # nothing was left
        ([httpx.Response(204)], 2),  # a late heartbeat's leftovers, removed
        ([httpx.Response(202, json={"erasure": "in_progress"}), httpx.Response(204)], 3),
    ],
)
def test_erase_settles_then_erases_once_more_by_default(
    second_pass: list[httpx.Response], calls: int
) -> None:
    """A heartbeat in flight during the erasure can write after it (README, "Known limits"):
    by default licensectl waits 90 s and erases again; a 404 then means nothing was left."""
    script, seen = answers(httpx.Response(204), *second_pass)
    result = run_cli("erase", LICENSE_ID, "--yes", "--json", environ=env(), script=script)
    assert result.code == 0, result.err
    assert result.json() == {"erased": LICENSE_ID, "calls": calls, "settle_seconds": 90}
    assert result.sleeps == [90]
    assert [r.method for r in seen] == ["DELETE"] * calls
    assert "--settle 0 skips" in result.err


def test_erase_settle_must_be_a_non_negative_number() -> None:
    script, seen = answers()
    for bad in ("-1", "soon"):
        result = run_cli(
            "erase", LICENSE_ID, "--yes", "--settle", bad, environ=env(), script=script
        )
        assert result.code == 2
        result.one_error_line("usage_error")
    assert seen == []


def test_erase_of_an_unknown_license_is_exit_1() -> None:
    script, _ = answers(error(404, "license_not_found"))
    result = run_cli("erase", LICENSE_ID, "--yes", environ=env(), script=script)
    assert result.code == 1
    assert result.err.strip() == "licensectl: license_not_found: license_not_found happened"


def test_list_follows_cursors_with_progress_on_stderr() -> None:
    pages = 12

    def script(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("cursor", "0"))
        licenses = [
            license_record(f"{number:02d}{i:030d}", customer=f"C{number}-{i}") for i in range(3)
        ]
        cursor = str(number + 1) if number + 1 < pages else None
        return httpx.Response(200, json={"licenses": licenses, "cursor": cursor})

    result = run_cli("list", "--json", environ=env(), script=script)
    assert result.code == 0
    listed = result.json()["licenses"]
    assert len(listed) == 3 * pages
    assert len({item["id"] for item in listed}) == 3 * pages
    assert "fetched 30 licenses (10 pages)" in result.err  # progress on stderr, never stdout


def test_a_repeated_cursor_is_a_server_error_not_a_loop() -> None:
    def script(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [], "cursor": "same"})

    result = run_cli("fleet", environ=env(), script=script)
    assert result.code == 4
    result.one_error_line("bad_response")


@pytest.mark.parametrize(
    ("response", "exit_code", "code"),
    [
        (httpx.Response(500, text="<html>oops</html>"), 4, "http_500"),
        (error(401, "unauthorized"), 3, "unauthorized"),
        (error(400, "invalid_request"), 2, "invalid_request"),
        (httpx.Response(200, text="not json"), 4, "bad_response"),
    ],
)
def test_failures_are_one_line_with_the_right_exit_code(
    response: httpx.Response, exit_code: int, code: str
) -> None:
    script, _ = answers(response)
    result = run_cli("show", LICENSE_ID, environ=env(), script=script)
    assert result.code == exit_code
    result.one_error_line(code)


def test_persistent_503_gives_up_after_bounded_retries() -> None:
    script, seen = answers(*[error(503, "storage_unavailable")] * 4)
    result = run_cli("release", "show", environ=env(), script=script)
    assert result.code == 4
    assert len(seen) == 4 and len(result.sleeps) == 3
    result.one_error_line("storage_unavailable")


def test_server_text_cannot_inject_markup() -> None:
    record = license_record(customer="[bold red]Evil[/] [link=http://x]y[/link]")
    body = {"license": record, "stats": None, "stats_received_at": None, "last_validated_at": None}
    script, _ = answers(httpx.Response(200, json=body))
    result = run_cli("show", LICENSE_ID, environ=env(), script=script)
    assert result.code == 0
    assert "[bold red]Evil[/]" in result.out


def test_revoke_asks_first_and_a_no_sends_nothing() -> None:
    script, seen = answers()
    result = run_cli("revoke", LICENSE_ID, stdin="n\n", environ=env(), script=script)
    assert result.code == 5
    assert f"This revokes license {LICENSE_ID}" in result.err and "Revoke? [y/N]" in result.err
    assert result.err.strip().splitlines()[-1] == (
        "licensectl: aborted: revoke not confirmed; nothing was changed"
    )
    assert seen == []


@pytest.mark.parametrize(("flag", "stdin"), [((), "y\n"), (("--yes",), ""), (("-y",), "")])
def test_revoke_confirmed_or_with_yes_revokes(flag: tuple[str, ...], stdin: str) -> None:
    script, seen = answers(httpx.Response(200, json={"license": license_record(status="revoked")}))
    result = run_cli(
        "revoke", LICENSE_ID, *flag, "--json", stdin=stdin, environ=env(), script=script
    )
    assert result.code == 0, result.err
    assert [(r.method, r.content) for r in seen] == [("PATCH", b'{"status":"revoked"}')]
