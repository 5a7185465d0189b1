"""Stats are checked against docs/API.md's rules before they leave the customer's tenant."""

from __future__ import annotations

import logging

import pytest
from certifyclouds_license import check_stats, stats_size


def stats_of_size(target: int) -> dict[str, int]:
    """A valid stats object whose docs/API.md-measured size is exactly ``target`` bytes."""
    stats: dict[str, int] = {}
    i = 0
    while stats_size(stats) < target - 75:
        stats[f"k{i:063d}"] = 0
        i += 1
    # Remaining bytes: ,"<key>":<digits>  -> 4 bytes of punctuation + key + digits
    remaining = target - stats_size(stats) - (1 if stats else 0) - 3
    digits = max(1, remaining - 64)
    stats["z" * (remaining - digits)] = int("9" * digits) if digits > 1 else 7
    assert stats_size(stats) == target
    return stats


def test_size_is_measured_as_spec_says():
    assert stats_size({"a": 1, "b": {"c": 2}}) == len('{"a":1,"b":{"c":2}}')


def test_4096_bytes_accepted_4097_refused():
    assert check_stats(stats_of_size(4096)) is None
    assert check_stats(stats_of_size(4097)) == "stats_too_large"


@pytest.mark.parametrize(
    ("stats", "reason"),
    [
        ([1, 2], "stats_not_object"),
        ("x", "stats_not_object"),
        (3, "stats_not_object"),
        (True, "stats_not_object"),
        ({"a": True}, "stats_invalid"),
        ({"a": 1.0}, "stats_invalid"),
        ({"a": -1}, "stats_invalid"),
        ({"a": 2**53}, "stats_invalid"),
        ({"a": "1"}, "stats_invalid"),
        ({"a": None}, "stats_invalid"),
        ({"1a": 1}, "stats_invalid"),
        ({"a" * 65: 1}, "stats_invalid"),
        ({"a b": 1}, "stats_invalid"),
        ({1: 1}, "stats_invalid"),
        ({"a": {"b": {"c": 1}}}, "stats_invalid"),
        ({"a": {"b": False}}, "stats_invalid"),
        ({"a": {"-b": 1}}, "stats_invalid"),
        ({"a": [1]}, "stats_invalid"),
        ({"a": {1, 2}}, "stats_invalid"),
        ({"a" * 64: 2**53 - 1, "b.c-d_e": {"f": 0}, "g": {}}, None),
    ],
)
def test_rules(stats, reason):
    assert check_stats(stats) == reason


def test_size_is_checked_before_shape():
    big = {f"bad key {i}": 1.5 for i in range(300)}
    assert check_stats(big) == "stats_too_large"


def test_4096_byte_stats_are_sent(client, server):
    stats = stats_of_size(4096)
    result = client.heartbeat("2.4.1", stats)
    assert server.validate_bodies[-1]["stats"] == stats
    assert (result.stats_sent, result.stats_accepted, result.stats_reason) == (True, True, None)


def test_4097_byte_stats_dropped_with_warning_heartbeat_still_happens(client, server, caplog):
    with caplog.at_level(logging.WARNING, logger="certifyclouds_license"):
        result = client.heartbeat("2.4.1", stats_of_size(4097))
    [body] = server.validate_bodies
    assert "stats" not in body
    assert result.valid and not result.from_cache
    assert (result.stats_sent, result.stats_accepted, result.stats_reason) == (
        False,
        False,
        "stats_too_large",
    )
    assert any("stats_too_large" in r.getMessage() for r in caplog.records)


def test_invalid_stats_not_sent(client, server):
    result = client.heartbeat("2.4.1", {"secrets_total": True})
    assert "stats" not in server.validate_bodies[-1]
    assert result.valid and result.stats_reason == "stats_invalid"


def test_fleet_visibility_off_never_sends_stats(make_client, server):
    client = make_client(fleet_visibility=False)
    for stats in ({"secrets_total": 1}, {"bad key": 1.5}, None):
        result = client.heartbeat("2.4.1", stats)
        assert result.valid
        assert result.stats_sent is False and result.stats_accepted is None
    assert all("stats" not in body for body in server.validate_bodies)
    assert all(b"secrets_total" not in r.content for r in server.requests)


def test_no_stats_sends_no_stats_member(client, server):
    result = client.heartbeat("2.4.1")
    assert "stats" not in server.validate_bodies[-1]
    assert (result.stats_sent, result.stats_accepted, result.stats_reason) == (False, None, None)


def test_stats_refused_by_server_are_reported_not_raised(client, server):
    server.stats_answer = {"accepted": False, "reason": "storage_unavailable", "message": "m"}
    result = client.heartbeat("2.4.1", {"secrets_total": 3})
    assert result.valid
    assert (result.stats_sent, result.stats_accepted, result.stats_reason) == (
        True,
        False,
        "storage_unavailable",
    )
