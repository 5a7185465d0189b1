"""docs/API.md rules checked end to end over HTTP (the unit tests check the helpers alone).

- The stats reasons come in docs/API.md's order in the heartbeat's answer, a refused payload is not
  written, and the number of keys is limited only by the 4096 bytes.
- `GET /v1/update-check` compares by SemVer precedence (numeric identifiers, pre-release below
  its release, build metadata ignored) and refuses a version over 64 characters.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ADMIN, create_license
from .payloads import spec_size

MANY_SMALL_KEYS = {f"k{i}": i % 10 for i in range(450)}


@pytest.mark.parametrize(
    ("stats", "reason"),
    [
        (["x" * 10_000], "stats_not_object"),  # not an object, though also too large
        ("counts", "stats_not_object"),
        (7, "stats_not_object"),
        (True, "stats_not_object"),
        ({"bad key!": "x" * 5000}, "stats_too_large"),  # too large, though also invalid
        ({"bad key!": 1}, "stats_invalid"),
        ({"a": {"b": {"c": 1}}}, "stats_invalid"),
        ({"a": 2**53}, "stats_invalid"),
    ],
)
def test_spec_stats_reasons_in_order_over_http(
    emu: Any, client: Any, stats: Any, reason: str
) -> None:
    key, view = create_license(client)
    emu.clock.advance(seconds=1)
    response = client.post("/v1/validate", json={"license_key": key, "stats": stats})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == "VALID" and body["valid"] is True
    assert body["stats"]["accepted"] is False
    assert body["stats"]["reason"] == reason
    assert isinstance(body["stats"]["message"], str) and body["stats"]["message"]
    assert response.kv_ops["LICENSE_KV"].writes == 1  # the validation timestamp only
    shown = client.get("/v1/admin/licenses/" + view["id"], headers=ADMIN).json()
    assert shown["stats"] is None


def test_spec_stats_key_count_is_limited_only_by_the_4096_bytes(emu: Any, client: Any) -> None:
    assert spec_size(MANY_SMALL_KEYS) <= 4096
    key, view = create_license(client)
    emu.clock.advance(seconds=1)
    response = client.post("/v1/validate", json={"license_key": key, "stats": MANY_SMALL_KEYS})
    assert response.json()["stats"] == {"accepted": True}
    shown = client.get("/v1/admin/licenses/" + view["id"], headers=ADMIN).json()
    assert shown["stats"] == MANY_SMALL_KEYS


@pytest.mark.parametrize(
    ("current", "available"),
    [
        ("2.5.0-rc.9", True),  # numeric identifiers compare numerically: 9 < 10
        ("2.5.0-rc.10", False),
        ("2.5.0-rc.10+build.7", False),  # build metadata does not count
        ("2.5.0-rc.11", False),
        ("2.5.0-rc", True),  # fewer identifiers: lower precedence
        ("2.5.0-beta.99", True),  # identifiers with letters compare in ASCII order
        ("2.5.0", False),  # a release is above its pre-releases
        ("2.4.10", True),
        ("2.10.0", False),  # 10 > 5, not "1" < "5"
        ("10.0.0", False),
    ],
)
def test_spec_update_check_follows_semver_precedence(
    client: Any, current: str, available: bool
) -> None:
    response = client.put(
        "/v1/admin/release", json={"latest_version": "2.5.0-rc.10"}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    response = client.get("/v1/update-check", params={"version": current})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "current_version": current,
        "latest_version": "2.5.0-rc.10",
        "update_available": available,
    }
    assert response.kv_ops["LICENSE_KV"].writes == 0
    assert response.kv_ops["LICENSE_KV"].reads <= 1


@pytest.mark.parametrize(
    ("version", "status"),
    [("1.0." + "1" * 60, 200), ("1.0." + "1" * 61, 400)],  # 64 and 65 characters
)
def test_spec_update_check_version_at_most_64_characters(
    client: Any, version: str, status: int
) -> None:
    response = client.get("/v1/update-check", params={"version": version})
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["error"]["code"] == "invalid_request"
    assert response.kv_ops["LICENSE_KV"].writes == 0
