"""Odd but valid JSON inside ``stats`` gets the stats verdict; the validation still happens."""

from __future__ import annotations

from typing import Any

import pytest

from license_server.jsonbody import MAX_DEPTH

from .conftest import create_license


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize(
    ("stats_json", "reason"),
    [
        ("9" * 65, "stats_not_object"),  # a big number is JSON, just not an object
        ('{"a": ' + "9" * 65 + "}", "stats_invalid"),  # past 2^53-1
        ('{"a": ' + "9" * 4000 + "}", "stats_invalid"),
        (nested(MAX_DEPTH - 2), "stats_invalid"),  # deeper than one level of counts
        ('{"a": 1.0}', "stats_invalid"),
        ('{"a": true}', "stats_invalid"),
    ],
)
def test_odd_stats_are_refused_by_reason_not_by_the_parser(
    emu: Any, client: Any, stats_json: str, reason: str
) -> None:
    key, _ = create_license(client)
    before = emu.kv_counters("LICENSE_KV").writes
    body = '{"license_key": "%s", "stats": %s}' % (key, stats_json)  # noqa: UP031
    answer = client.post(
        "/v1/validate", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["stats"]["reason"] == reason
    assert answer.json()["valid"] is True
    # The validation was recorded; the refused stats were not.
    assert emu.kv_counters("LICENSE_KV").writes == before + 1
    assert not [e for e in emu.kv_entries("LICENSE_KV") if e.key.startswith("stats:")]
