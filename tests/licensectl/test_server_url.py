"""Which server licensectl talks to: the base URL as operators paste it, and where it failed."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.licensectl.conftest import LICENSE_ID, answers, license_record, run_cli

SHOWN = {"license": license_record(), "stats": None, "stats_received_at": None}


@pytest.mark.parametrize(
    ("given", "called"),
    [
        ("https://license.test", "https://license.test/v1/admin/licenses/"),
        ("https://license.test/", "https://license.test/v1/admin/licenses/"),
        ("https://license.test/v1", "https://license.test/v1/admin/licenses/"),
        ("https://license.test/v1/", "https://license.test/v1/admin/licenses/"),
        ("https://license.test/v1/admin/licenses", "https://license.test/v1/admin/licenses/"),
        ("  http://127.0.0.1:8787/v1  ", "http://127.0.0.1:8787/v1/admin/licenses/"),
        ("https://example.test/license//", "https://example.test/license/v1/admin/licenses/"),
    ],
)
def test_a_trailing_v1_or_slash_in_the_base_url_is_dropped(given: str, called: str) -> None:
    script, seen = answers(httpx.Response(200, json=SHOWN))
    environ = {"LICENSE_SERVER_URL": given, "LICENSE_ADMIN_TOKEN": "t"}
    result = run_cli("show", LICENSE_ID, "--json", environ=environ, script=script)
    assert result.code == 0, result.err
    assert [str(r.url) for r in seen] == [called + LICENSE_ID]


def test_the_url_flag_is_normalised_as_the_variable_is() -> None:
    script, seen = answers(httpx.Response(200, json=SHOWN))
    result = run_cli(
        "--url",
        "https://license.test/v1/",
        "show",
        LICENSE_ID,
        environ={"LICENSE_ADMIN_TOKEN": "t"},
        script=script,
    )
    assert result.code == 0, result.err
    assert seen[0].url.path == f"/v1/admin/licenses/{LICENSE_ID}"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("license.test", "must look like https://host"),
        ("ftp://license.test", "must look like https://host"),
        ("https://", "must look like https://host"),
        ("https://admin:secret@license.test", "must not hold a user name or password"),
        ("https://license.test/?x=1", "must not have a query or fragment"),
        ("https://license.test/#v1", "must not have a query or fragment"),
        ("", "no server URL"),
    ],
)
def test_a_url_that_cannot_be_a_base_is_refused_before_any_call(given: str, says: str) -> None:
    script, seen = answers()
    environ = {"LICENSE_SERVER_URL": given, "LICENSE_ADMIN_TOKEN": "t"}
    result = run_cli("show", LICENSE_ID, environ=environ, script=script)
    assert result.code == 2
    result.one_error_line("usage_error")
    assert says in result.err
    assert "secret" not in result.err
    assert seen == []


def test_a_network_error_names_the_url_and_never_the_token() -> None:
    token = "do-not-print-" + "z" * 30
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connection refused
        result = run_cli(
            "show",
            LICENSE_ID,
            environ={
                "LICENSE_SERVER_URL": f"http://127.0.0.1:{port}/v1/",
                "LICENSE_ADMIN_TOKEN": token,
            },
        )
    assert result.code == 4
    result.one_error_line("network_error")
    assert f"could not reach http://127.0.0.1:{port}/v1/admin/licenses/{LICENSE_ID}: " in result.err
    assert token not in result.err


def test_a_timeout_names_the_url_too() -> None:
    def script(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    environ = {"LICENSE_SERVER_URL": "https://license.test", "LICENSE_ADMIN_TOKEN": "t"}
    result = run_cli("fleet", environ=environ, script=script)
    assert result.code == 4
    result.one_error_line("network_error")
    assert "could not reach https://license.test/v1/admin/fleet: timed out" in result.err
