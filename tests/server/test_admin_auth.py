"""Admin authentication (zero KV operations on 401), license creation, the release record."""

from __future__ import annotations

import hmac
from typing import Any

import pytest

from license_server import keys
from license_server.admin import is_authorized

from .conftest import ADMIN, ADMIN_TOKEN, START, create_license, iso, kv_text, make_emulator

ADMIN_CALLS: list[tuple[str, str, Any]] = [
    ("POST", "/v1/admin/licenses", {"customer": "A", "plan": "p", "expires_at": None}),
    ("GET", "/v1/admin/licenses", None),
    ("GET", "/v1/admin/licenses/" + "0" * 32, None),
    ("PATCH", "/v1/admin/licenses/" + "0" * 32, {"status": "revoked"}),
    ("DELETE", "/v1/admin/licenses/" + "0" * 32, None),
    ("GET", "/v1/admin/licenses/" + "0" * 32 + "/validations", None),
    ("GET", "/v1/admin/licenses/" + "0" * 32 + "/export", None),
    ("GET", "/v1/admin/fleet", None),
    ("GET", "/v1/admin/release", None),
    ("PUT", "/v1/admin/release", {"latest_version": "9.9.9"}),
    ("GET", "/v1/admin/no-such-route", None),
]

BAD_HEADERS: list[dict[str, str]] = [
    {},
    {"authorization": ""},
    {"authorization": "Bearer"},
    {"authorization": "Bearer "},
    {"authorization": "Bearer\t" + ADMIN_TOKEN},  # RFC 9110: spaces, not tabs
    {"authorization": "Bearer" + ADMIN_TOKEN},
    {"authorization": "Bearer " + ADMIN_TOKEN + " x"},
    {"authorization": "Bearer " + ADMIN_TOKEN[:-1]},
    {"authorization": "Bearer " + ADMIN_TOKEN + "x"},
    {"authorization": "Basic " + ADMIN_TOKEN},
    {"authorization": ADMIN_TOKEN},
]


def _send(client: Any, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_every_admin_call_without_the_token_is_the_same_401_with_zero_kv_ops(
    client: Any, method: str, path: str, body: Any
) -> None:
    answers = set()
    for headers in BAD_HEADERS:
        response = _send(client, method, path, body, headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        counts = response.kv_ops["LICENSE_KV"]
        assert (counts.reads, counts.writes, counts.deletes, counts.lists) == (0, 0, 0, 0)
        answers.add((response.content, response.headers.get("www-authenticate")))
    assert len(answers) == 1


def test_unconfigured_admin_token_refuses_everything_identically() -> None:
    configured = make_emulator()
    unconfigured = make_emulator(secrets={}, dev_defaults=False)
    with configured.test_client() as a, unconfigured.test_client() as b:
        for method, path, body in ADMIN_CALLS:
            for headers in [*BAD_HEADERS, ADMIN, {"authorization": "Bearer "}]:
                response = _send(b, method, path, body, headers)
                assert response.status_code == 401
                counts = response.kv_ops["LICENSE_KV"]
                assert (counts.reads, counts.writes, counts.deletes, counts.lists) == (0, 0, 0, 0)
                reference = _send(a, method, path, body, {})
                assert response.content == reference.content
    assert unconfigured.kv_entries("LICENSE_KV") == []


# RFC 9110: the scheme is case-insensitive, and one or more spaces follow it.
GOOD_SPELLINGS = [
    "Bearer " + ADMIN_TOKEN,
    "bearer " + ADMIN_TOKEN,
    "BEARER " + ADMIN_TOKEN,
    "bEaReR " + ADMIN_TOKEN,
    "Bearer  " + ADMIN_TOKEN,
    "bearer     " + ADMIN_TOKEN,
]


@pytest.mark.parametrize("authorization", GOOD_SPELLINGS)
def test_the_scheme_in_any_case_and_any_number_of_spaces_is_accepted(
    client: Any, authorization: str
) -> None:
    response = client.get("/v1/admin/release", headers={"authorization": authorization})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("authorization", GOOD_SPELLINGS)
def test_good_spellings_are_still_refused_without_a_configured_token(authorization: str) -> None:
    unconfigured = make_emulator(secrets={}, dev_defaults=False)
    with unconfigured.test_client() as client:
        response = client.get("/v1/admin/release", headers={"authorization": authorization})
    assert response.status_code == 401
    assert response.kv_ops["LICENSE_KV"].total == 0
    unconfigured.close()


def test_is_authorized_unit() -> None:
    assert is_authorized("Bearer s3cret", "s3cret")
    assert not is_authorized("Bearer s3cret", None)
    assert not is_authorized(None, None)
    assert not is_authorized("", None)
    assert not is_authorized("Bearer ", "")
    assert not is_authorized("Bearer \x00unconfigured", None)
    assert not is_authorized("Bearer s3cre", "s3cret")


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer s3cret", "Bearer s3cre", "Bearer " + "x" * 10_000, "Basic s3cret"],
)
@pytest.mark.parametrize("admin_token", ["s3cret", None])
def test_the_token_is_compared_in_constant_time_over_equal_length_digests(
    authorization: str | None, admin_token: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    is_authorized(authorization, admin_token)
    # One comparison whatever was sent, of 32-byte digests: neither length nor prefix leaks.
    assert [(len(a), len(b)) for a, b in calls] == [(32, 32)]


def test_create_license_returns_the_key_once_and_stores_only_its_hash(
    emu: Any, client: Any
) -> None:
    response = client.post(
        "/v1/admin/licenses",
        json={"customer": "Fabrikam, Inc.", "plan": "team", "expires_at": "2027-06-30T00:00:00Z"},
        headers=ADMIN,
    )
    assert response.status_code == 201
    assert response.kv_ops["LICENSE_KV"].writes == 1
    assert response.kv_ops["LICENSE_KV"].reads == 0
    body = response.json()
    key = body["license_key"]
    assert keys.parse(key) == key
    assert body["license"] == {
        "id": keys.license_id(key),
        "status": "active",
        "customer": "Fabrikam, Inc.",
        "plan": "team",
        "created_at": iso(START),
        "expires_at": "2027-06-30T00:00:00Z",
    }
    stored = kv_text(emu)
    assert key not in stored and key.replace("-", "")[2:] not in stored
    (entry,) = emu.kv_entries("LICENSE_KV")
    assert entry.key == "license:" + body["license"]["id"]
    assert entry.metadata == body["license"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"customer": "", "plan": "team", "expires_at": None},
        {"customer": "x" * 201, "plan": "team", "expires_at": None},
        {"customer": "bad\nname", "plan": "team", "expires_at": None},
        {"customer": "A", "plan": "Team Plan", "expires_at": None},
        {"customer": "A", "plan": "", "expires_at": None},
        {"customer": "A", "plan": "team", "expires_at": "2027-06-30"},
        {"customer": "A", "plan": "team", "expires_at": "2027-06-30T00:00:00+00:00"},
        {"customer": "A", "plan": "team", "expires_at": "2027-02-30T00:00:00Z"},
        {"customer": "A", "plan": "team", "expires_at": 1798761600},
        {"customer": "A", "plan": "team"},
        {"customer": "A", "plan": "team", "expires_at": None, "status": "revoked"},
        {"customer": "A", "plan": "team", "expires_at": "2020-01-01T00:00:00Z"},
        ["customer"],
    ],
)
def test_create_license_refuses_bad_bodies_without_writing(client: Any, body: Any) -> None:
    response = client.post("/v1/admin/licenses", json=body, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.kv_ops["LICENSE_KV"].writes == 0


def test_longest_customer_fits_the_metadata_limit(emu: Any, client: Any) -> None:
    customer = "\U0001f600" * 199 + '"'
    _, view = create_license(client, customer=customer, plan="p" * 32)
    assert view["customer"] == customer
    assert emu.kv_entries("LICENSE_KV")[0].metadata["customer"] == customer


def test_release_get_put(emu: Any, client: Any) -> None:
    empty = client.get("/v1/admin/release", headers=ADMIN)
    assert empty.json() == {"latest_version": None, "release_notes_url": None, "updated_at": None}
    response = client.put(
        "/v1/admin/release",
        json={"latest_version": "2.5.0", "release_notes_url": "https://certifyclouds.com/r/2.5.0"},
        headers=ADMIN,
    )
    assert response.status_code == 200
    assert response.kv_ops["LICENSE_KV"].writes == 1
    expected = {
        "latest_version": "2.5.0",
        "release_notes_url": "https://certifyclouds.com/r/2.5.0",
        "updated_at": iso(START),
    }
    assert response.json() == expected
    assert client.get("/v1/admin/release", headers=ADMIN).json() == expected
    # The isolate that took the PUT answers update checks with it at once.
    check = client.get("/v1/update-check", params={"version": "2.4.1"})
    assert check.json()["latest_version"] == "2.5.0"
    assert check.kv_ops["LICENSE_KV"].reads == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"latest_version": "2.5"},
        {"latest_version": 2},
        {"latest_version": "2.5.0", "release_notes_url": "http://insecure.example"},
        {"latest_version": "2.5.0", "release_notes_url": "javascript:alert(1)"},
        {"latest_version": "2.5.0", "extra": True},
    ],
)
def test_release_put_refuses_bad_bodies(client: Any, body: Any) -> None:
    response = client.put("/v1/admin/release", json=body, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.kv_ops["LICENSE_KV"].writes == 0
