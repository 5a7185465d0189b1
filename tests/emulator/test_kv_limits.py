"""Each KV limit, on both sides of its boundary, with workerd's exact wording."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from workers_emulator.bindings.kv import KV_LIMITS, KVNamespace, MemoryKVStore
from workers_emulator.clock import ManualClock
from workers_emulator.errors import JsException

NOW = 1_800_000_000


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def kv() -> KVNamespace:
    return KVNamespace("KV", MemoryKVStore(), clock=ManualClock(NOW), enforce_write_rate=False)


def error_of(coro: Coroutine[Any, Any, Any]) -> str:
    with pytest.raises(JsException) as info:
        run(coro)
    return str(info.value)


def test_limits_table_matches_the_platform() -> None:
    assert KV_LIMITS.max_key_size == 512
    assert KV_LIMITS.max_value_size == 25 * 1024 * 1024
    assert KV_LIMITS.max_metadata_size == 1024
    assert KV_LIMITS.min_expiration_ttl == 60
    assert KV_LIMITS.max_list_keys == 1000
    assert KV_LIMITS.max_bulk_get_keys == 100
    assert KV_LIMITS.min_seconds_between_writes == 1.0


# -- key names --------------------------------------------------------------------------------


def test_key_of_512_bytes_is_accepted_513_refused(kv: KVNamespace) -> None:
    run(kv.put("k" * 512, "v"))
    assert run(kv.get("k" * 512)) == "v"
    assert error_of(kv.put("k" * 513, "v")) == (
        "Error: KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."
    )


def test_key_length_counts_utf8_bytes(kv: KVNamespace) -> None:
    run(kv.put("é" * 256, "v"))  # 512 bytes
    assert "UTF-8 encoded length of 513" in error_of(kv.put("é" * 256 + "x", "v"))


@pytest.mark.parametrize(
    ("op", "wire"),
    [("get", "GET"), ("getWithMetadata", "GET"), ("delete", "DELETE")],
)
def test_key_length_is_checked_on_every_operation(kv: KVNamespace, op: str, wire: str) -> None:
    assert error_of(getattr(kv, op)("k" * 513)).startswith(f"Error: KV {wire} failed: 414 ")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "TypeError: Key name cannot be empty."),
        (".", 'TypeError: "." is not allowed as a key name.'),
        ("..", 'TypeError: ".." is not allowed as a key name.'),
    ],
)
def test_forbidden_key_names_are_type_errors_that_cost_no_operation(
    kv: KVNamespace, key: str, message: str
) -> None:
    for call in (kv.put(key, "v"), kv.get(key), kv.delete(key)):
        assert error_of(call) == message
    assert kv.counters.total == 0
    run(kv.put("...", "v"))  # only "." and ".." themselves are reserved


# -- values and metadata ----------------------------------------------------------------------


def test_value_of_25_mib_is_accepted_one_byte_more_refused(kv: KVNamespace) -> None:
    limit = 25 * 1024 * 1024
    run(kv.put("big", b"x" * limit))
    assert len(run(kv.get("big", type="arrayBuffer"))) == limit
    assert error_of(kv.put("big2", b"x" * (limit + 1))) == (
        "Error: KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400."
    )
    assert run(kv.get("big2")) is None


def test_value_length_counts_utf8_bytes(kv: KVNamespace) -> None:
    run(kv.put("v", "é" * 13107200))  # exactly 25 MiB
    assert "Value length of 26214401" in error_of(kv.put("v2", "é" * 13107200 + "x"))


def test_metadata_of_1024_serialised_bytes_is_accepted_1025_refused(kv: KVNamespace) -> None:
    run(kv.put("m", "v", metadata="x" * 1022))  # '"' + 1022 + '"'
    assert run(kv.getWithMetadata("m"))["metadata"] == "x" * 1022
    assert error_of(kv.put("m", "v", metadata="x" * 1023)) == (
        "Error: KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024."
    )


def test_metadata_size_is_measured_on_compact_json_in_utf8(kv: KVNamespace) -> None:
    run(kv.put("m", "v", metadata={"a": [1, 2.0, None]}))
    assert kv.metadata_json({"a": [1, 2.0, None]}) == '{"a":[1,2,null]}'
    assert "Metadata length of 1026" in error_of(kv.put("m", "v", metadata="é" * 512))


# -- expiration -------------------------------------------------------------------------------


def test_expiration_ttl_of_60_is_accepted_59_refused(kv: KVNamespace) -> None:
    run(kv.put("a", "v", expirationTtl=60))
    assert kv.entries()[0].expiration == NOW + 60
    assert error_of(kv.put("a", "v", expirationTtl=59)) == (
        "Error: KV PUT failed: 400 Invalid expiration_ttl of 59. "
        "Expiration TTL must be at least 60."
    )


@pytest.mark.parametrize(("ttl", "shown"), [(0, 0), (-1, -1), (None, 0), ("abc", 0)])
def test_non_positive_expiration_ttl(kv: KVNamespace, ttl: Any, shown: int) -> None:
    assert error_of(kv.put("a", "v", expirationTtl=ttl)) == (
        f"Error: KV PUT failed: 400 Invalid expiration_ttl of {shown}. "
        "Please specify integer greater than 0."
    )


def test_fractional_ttl_is_truncated(kv: KVNamespace) -> None:
    run(kv.put("a", "v", expirationTtl=60.9))
    assert kv.entries()[0].expiration == NOW + 60
    assert "expiration_ttl of 59." in error_of(kv.put("a", "v", expirationTtl=59.9))


def test_expiration_at_now_plus_60_is_accepted_plus_59_refused(kv: KVNamespace) -> None:
    run(kv.put("a", "v", expiration=NOW + 60))
    assert error_of(kv.put("a", "v", expiration=NOW + 59)) == (
        f"Error: KV PUT failed: 400 Invalid expiration of {NOW + 59}. "
        "Expiration times must be at least 60 seconds in the future."
    )


@pytest.mark.parametrize("exp", [NOW, NOW - 1, 0, None])
def test_expiration_not_in_the_future(kv: KVNamespace, exp: int | None) -> None:
    shown = 0 if exp is None else exp
    assert error_of(kv.put("a", "v", expiration=exp)) == (
        f"Error: KV PUT failed: 400 Invalid expiration of {shown}. Please specify integer "
        "greater than the current number of seconds since the UNIX epoch."
    )


def test_expiration_ttl_wins_over_expiration(kv: KVNamespace) -> None:
    run(kv.put("a", "v", expiration=5, expirationTtl=100))  # the bad absolute one is ignored
    assert kv.entries()[0].expiration == NOW + 100


def test_service_checks_run_in_the_service_order(kv: KVNamespace) -> None:
    big = "v" * (25 * 1024 * 1024 + 1)
    assert "414" in error_of(kv.put("k" * 513, big, expirationTtl=5, metadata="x" * 1100))
    assert "expiration_ttl" in error_of(kv.put("ok", big, expirationTtl=5, metadata="x" * 1100))
    assert "Metadata length" in error_of(kv.put("ok", big, metadata="x" * 1100))


# -- list and bulk get ------------------------------------------------------------------------


def test_list_limit_1000_is_accepted_1001_refused(kv: KVNamespace) -> None:
    assert run(kv.list(limit=1000))["list_complete"] is True
    assert error_of(kv.list(limit=1001)) == (
        "Error: KV GET failed: 400 Invalid key_count_limit of 1001. "
        "Please specify an integer less than 1000."
    )


@pytest.mark.parametrize("limit", [0, -1, 0.5, None, "abc"])
def test_list_limit_below_one_means_the_default(kv: KVNamespace, limit: Any) -> None:
    for i in range(3):
        run(kv.put(f"k{i}", "v"))
    assert len(run(kv.list(limit=limit))["keys"]) == 3


def test_list_limit_1_returns_one_key(kv: KVNamespace) -> None:
    run(kv.put("a", "v"))
    run(kv.put("b", "v"))
    assert len(run(kv.list(limit=1))["keys"]) == 1


def test_bulk_get_of_100_keys_is_accepted_101_refused(kv: KVNamespace) -> None:
    assert len(run(kv.get([f"k{i}" for i in range(100)]))) == 100
    assert error_of(kv.get([f"k{i}" for i in range(101)])) == (
        "Error: KV GET_BULK failed: 400 You can request a maximum of 100 keys"
    )
    assert error_of(kv.get([])) == (
        "Error: KV GET_BULK failed: 400 You must request a minimum of 1 key"
    )


def test_cache_ttl_of_30_is_accepted_29_refused(kv: KVNamespace) -> None:
    assert run(kv.get("a", cacheTtl=30)) is None
    assert error_of(kv.get("a", cacheTtl=29)) == (
        "Error: KV GET failed: 400 Invalid cache_ttl of 29. Cache TTL must be at least 30."
    )


# -- write rate -------------------------------------------------------------------------------


def test_second_write_to_a_key_within_a_second_is_429() -> None:
    clock = ManualClock(NOW)
    kv = KVNamespace("KV", MemoryKVStore(), clock=clock)
    run(kv.put("a", "1"))
    run(kv.put("b", "1"))  # other keys are not limited
    clock.advance(0.999)
    message = error_of(kv.put("a", "2"))
    # Production's words first (code matching them keeps working), then the rule and the switch.
    assert message.startswith("Error: KV PUT failed: 429 Too Many Requests (")
    assert "one write per second to the same key" in message
    assert "kv_write_limit=False" in message and "--no-kv-write-limit" in message
    assert run(kv.get("a")) == "1"
    clock.advance(0.001)
    run(kv.put("a", "3"))
    assert run(kv.get("a")) == "3"


def test_write_rate_limit_can_be_switched_off() -> None:
    kv = KVNamespace("KV", MemoryKVStore(), clock=ManualClock(NOW), enforce_write_rate=False)
    run(kv.put("a", "1"))
    run(kv.put("a", "2"))
    assert run(kv.get("a")) == "2"
