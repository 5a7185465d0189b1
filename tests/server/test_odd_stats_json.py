"""Odd but valid JSON inside ``stats`` gets the stats verdict; the validation still happens.

Only a body that is not JSON, or whose top level is broken, is ``invalid_json``
(``license_server.jsonbody`` says where that line is); each side is pinned here over HTTP,
with the KV operations counted.
"""

from __future__ import annotations

from typing import Any

import pytest

from license_server.jsonbody import MAX_DEPTH

from .conftest import create_license


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def post(client: Any, body: str) -> Any:
    return client.post(
        "/v1/validate", content=body.encode(), headers={"content-type": "application/json"}
    )


def stats_entries(emu: Any) -> list[Any]:
    return [entry for entry in emu.kv_entries("LICENSE_KV") if entry.key.startswith("stats:")]


@pytest.mark.parametrize(
    ("stats_json", "reason"),
    [
        ("9" * 65, "stats_not_object"),  # a big number is JSON, just not an object
        ("1E400", "stats_not_object"),
        ('"\\ud800"', "stats_not_object"),
        ('{"a": ' + "9" * 65 + "}", "stats_invalid"),  # past 2^53-1
        ('{"a": ' + "9" * 4000 + "}", "stats_invalid"),
        ('{"a": ' + "9" * 4400 + "}", "stats_too_large"),  # past the parser's digit limit too
        ('{"a": 1E400}', "stats_invalid"),
        ('{"a": -1e999, "b": 2}', "stats_invalid"),
        ('{"g": {"a": 1E400}}', "stats_invalid"),
        ('{"a": 1, "a": 2}', "stats_invalid"),
        ('{"a": 1, "a": 1}', "stats_invalid"),
        ('{"g": {"a": 1, "a": 2}}', "stats_invalid"),
        ('{"a": "' + "x" * 5000 + '", "a": 1}', "stats_too_large"),
        ('{"\\ud800": 1}', "stats_invalid"),
        ('{"a": "\\udc00"}', "stats_invalid"),
        (nested(65), "stats_invalid"),
        (nested(500), "stats_invalid"),  # 3,001 bytes
        (nested(MAX_DEPTH - 2), "stats_too_large"),  # the deepest a body may nest, 5,989 bytes
        ('{"a": ' + "[" * 200 + "]" * 200 + "}", "stats_invalid"),
        ('{"a": 1.0}', "stats_invalid"),
        ('{"a": true}', "stats_invalid"),
    ],
)
def test_odd_stats_are_refused_by_reason_not_by_the_parser(
    emu: Any, client: Any, stats_json: str, reason: str
) -> None:
    key, _ = create_license(client)
    answer = post(client, '{"license_key": "%s", "stats": %s}' % (key, stats_json))  # noqa: UP031
    assert answer.status_code == 200, answer.text
    assert answer.json()["valid"] is True
    assert answer.json()["stats"]["accepted"] is False
    assert answer.json()["stats"]["reason"] == reason
    # The license was read and the validation recorded; the refused stats were not written.
    counts = answer.kv_ops["LICENSE_KV"]
    assert (counts.reads, counts.writes, counts.deletes) == (1, 1, 0)
    assert stats_entries(emu) == []


@pytest.mark.parametrize(
    "ignored",
    [
        nested(200),
        "[" * 900 + "]" * 900,
        "1E400",
        "9" * 5000,
        '{"x": 1, "x": 2}',
        '"\\udfff"',
    ],
)
def test_odd_json_in_an_ignored_field_changes_nothing(emu: Any, client: Any, ignored: str) -> None:
    key, _ = create_license(client)
    body = '{"license_key": "%s", "future": %s, "stats": {"n": 3}}' % (key, ignored)  # noqa: UP031
    answer = post(client, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["valid"] is True
    assert answer.json()["stats"] == {"accepted": True}
    assert [entry.value for entry in stats_entries(emu)] == [
        b'{"stats":{"n":3},"received_at":"2027-01-01T00:00:00Z","expires_at":"2028-01-01T00:00:00Z"}'
    ]


@pytest.mark.parametrize(
    "body",
    [
        '{"license_key": 1E400}',
        '{"license_key": "%s", "version": 1E400}',
        '{"license_key": "%s", "version": "1.0.0-\\ud800"}',
    ],
)
def test_odd_json_in_a_field_the_worker_reads_is_invalid_request(client: Any, body: str) -> None:
    key, _ = create_license(client)
    answer = post(client, body.replace("%s", key))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"
    assert answer.kv_ops["LICENSE_KV"].total == 0


@pytest.mark.parametrize("license_key", ["CC-\\ud800", "\\udfff", "%s\\udc00"])
def test_a_key_that_is_not_text_is_an_unknown_key_with_no_kv_operation(
    client: Any, license_key: str
) -> None:
    key, _ = create_license(client)
    answer = post(client, '{"license_key": "%s"}' % license_key.replace("%s", key))  # noqa: UP031
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["code"] == "license_not_found"
    assert answer.kv_ops["LICENSE_KV"].total == 0


@pytest.mark.parametrize(
    "body",
    [
        '{"license_key": "%s", "license_key": "%s"}',
        '{"license_key": "%s", "stats": {"a": 1}, "stats": {"b": 2}}',
        '{"license_key": "%s", "\\ud800": 1}',
        '{"license_key": "%s", "stats": {"a": NaN}}',
        '{"license_key": "%s", "stats": {"a": 1,}}',
        '{"license_key": "%s", "stats": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}",
        '{"license_key": "%s", "stats": ' + "[" * 300 + "1 2" + "]" * 300 + "}",
    ],
)
def test_not_json_or_a_broken_top_level_is_invalid_json_with_no_kv_operation(
    emu: Any, client: Any, body: str
) -> None:
    key, _ = create_license(client)
    answer = post(client, body.replace("%s", key))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_json"
    assert answer.kv_ops["LICENSE_KV"].total == 0
    assert stats_entries(emu) == []
