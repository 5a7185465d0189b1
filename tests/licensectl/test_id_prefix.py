"""A license id may be given as a unique prefix, as git takes a commit's: ambiguous or unknown
prefixes are refused clearly, with nothing changed."""

from __future__ import annotations

import httpx
import pytest

from tests.licensectl.conftest import Stdin, license_record, run_cli
from tests.licensectl.conftest import scripted_env as env

IDS = ["809fea8285ba73d84fc49626618c12cd", "809f0000000000000000000000000000", "3f9c" + "e1" * 14]


class Server:
    """Two pages of licenses, and a record for whatever full id is asked for."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/v1/admin/licenses":
            if request.url.params.get("cursor") == "2":
                return httpx.Response(
                    200, json={"licenses": [license_record(IDS[2])], "cursor": None}
                )
            page = [license_record(i) for i in IDS[:2]]
            return httpx.Response(200, json={"licenses": page, "cursor": "2"})
        license_id = path.rsplit("/", 1)[-1]
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(200, json={"license": license_record(license_id, status="suspended")})

    def writes(self) -> list[str]:
        return [r.method for r in self.requests if r.method not in ("GET", "HEAD")]


@pytest.mark.parametrize("typed", ["809fea82", "809FEA8285", "3f9c", IDS[0]])
def test_a_unique_prefix_names_its_license(typed: str) -> None:
    server = Server()
    result = run_cli("suspend", typed, "--json", environ=env(), script=server)
    assert result.code == 0, result.err
    expected = next(i for i in IDS if i.startswith(typed.lower()))
    assert result.json()["license"]["id"] == expected
    assert server.requests[-1].method == "PATCH"
    assert server.requests[-1].url.path == f"/v1/admin/licenses/{expected}"


def test_a_full_id_needs_no_listing() -> None:
    server = Server()
    assert run_cli("suspend", IDS[1], environ=env(), script=server).code == 0
    assert [r.method for r in server.requests] == ["PATCH"]


def test_an_ambiguous_prefix_lists_the_matching_ids_and_changes_nothing() -> None:
    server = Server()
    result = run_cli("revoke", "809f", "--yes", environ=env(), script=server)
    assert result.code == 2
    result.one_error_line("ambiguous_id")
    assert IDS[0] in result.err and IDS[1] in result.err and IDS[2] not in result.err
    assert "Contoso" not in result.err  # ids only: no customer
    assert server.writes() == []


def test_an_unknown_prefix_is_not_found_after_every_page() -> None:
    server = Server()
    result = run_cli("show", "abcd", environ=env(), script=server)
    assert result.code == 1
    result.one_error_line("license_not_found")
    assert "no license id starts with 'abcd'" in result.err
    assert [r.url.params.get("cursor") for r in server.requests] == [None, "2"]


@pytest.mark.parametrize("typed", ["809", "not-an-id", "809fea82-", IDS[0] + "0", "g" * 32])
def test_what_cannot_be_an_id_or_prefix_is_a_usage_error_before_any_call(typed: str) -> None:
    server = Server()
    result = run_cli("show", typed, environ=env(), script=server)
    assert result.code == 2
    result.one_error_line("usage_error")
    assert "32 hex characters" in result.err
    assert server.requests == []


def test_erase_confirms_the_full_id_a_prefix_named() -> None:
    server = Server()
    result = run_cli(
        "erase", "3f9c", "--settle", "0", environ=env(), stdin=Stdin("y\n"), script=server
    )
    assert result.code == 0, result.err
    assert f"This erases license {IDS[2]}," in result.err
    assert f"License {IDS[2]} and all its data are erased." in result.out
    assert server.writes() == ["DELETE"]
