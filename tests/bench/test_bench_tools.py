"""The benchmark's own instruments: a wrong percentile or a misread response skews every figure."""

from __future__ import annotations

import asyncio

import pytest

from bench.loadgen import _check_loopback, build_request, read_response, run
from bench.stats import distribution, median, percentile


def test_percentile_is_nearest_rank() -> None:
    samples = list(range(1, 101))
    assert percentile(samples, 99) == 99
    assert percentile(samples, 100) == 100
    assert percentile([5], 99) == 5
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 2, 3]) == 2.5


def test_distribution_of_kv_counts() -> None:
    d = distribution([1, 1, 2, 1])
    assert (d["min"], d["max"], d["mode"]) == (1, 2, 1)
    assert d["histogram"] == {"1": 3, "2": 1}


def _reader(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


async def _read_two(data: bytes) -> list[tuple[int, bool]]:
    reader = _reader(data)
    return [await read_response(reader), await read_response(reader)]


def test_reads_content_length_and_chunked_bodies_back_to_back() -> None:
    data = (
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"
        b"HTTP/1.1 429 Too Many\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        b"3\r\nabc\r\n0\r\n\r\n"
    )
    assert asyncio.run(_read_two(data)) == [(200, False), (429, True)]


def test_request_bytes_carry_length_and_keep_alive() -> None:
    raw = build_request("127.0.0.1", 8787, {"method": "POST", "path": "/v1/validate", "body": "{}"})
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /v1/validate HTTP/1.1\r\n")
    assert b"content-length: 2" in head and b"connection: keep-alive" in head
    assert body == b"{}"


def test_refuses_non_loopback_targets() -> None:
    _check_loopback("127.0.0.1")
    _check_loopback("::1")
    with pytest.raises(SystemExit):
        _check_loopback("192.0.2.10")


def test_bounded_run_against_a_local_server() -> None:
    async def scenario() -> dict[str, object]:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    await reader.readuntil(b"\r\n\r\n")
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        raw = build_request("127.0.0.1", port, {"method": "GET", "path": "/healthz"})
        async with server:
            return await run("127.0.0.1", port, [raw], 4, 0.3, 0.0, max_requests=300)

    result = asyncio.run(scenario())
    # Bounded by count: never more than max_requests, warm-up included.
    total = result["requests"] + result["warmup_requests"]  # type: ignore[operator]
    assert 0 < total <= 300
    assert set(result["statuses"]) == {"200"}  # type: ignore[arg-type]


def test_irreducible_line_states_signature_and_dispatch_in_floors() -> None:
    from bench.report import irreducible_line

    inproc = {
        "cases": {"heartbeat": {"floor": {"median_us": 8.0}}},
        "lease_signature": {"median_us": 40.0},
        "dispatch_only": {"median_us": 24.0},
    }
    line = irreducible_line(inproc)
    assert line is not None
    assert "median 40.0 us = 5.0x the heartbeat floor" in line
    assert line.endswith(": 8.0x")
    assert irreducible_line({"cases": {}}) is None


def test_steady_state_counts_each_heartbeats_kv_operations() -> None:
    from bench.inprocess import probe_steady_state

    result = asyncio.run(probe_steady_state(licenses=2))
    # docs/API.md: one validation timestamp per heartbeat, plus the stats entry when accepted.
    assert result["first"]["writes"]["histogram"] == {"2": 2}
    assert result["no_stats"]["writes"]["histogram"] == {"1": 2}
    assert result["changed_stats"]["writes"]["histogram"] == {"2": 2}
    # A day of hourly heartbeats; unchanged stats may be skipped, never written more.
    assert result["same_stats"]["writes"]["min"] >= 1 and result["same_stats"]["writes"]["max"] <= 2
    assert sum(result["same_stats"]["writes"]["histogram"].values()) == 2 * 24
    for name in ("first", "same_stats", "changed_stats", "no_stats"):
        assert result[name]["statuses"] == {
            "200": sum(result[name]["writes"]["histogram"].values())
        }
        # The license, and the release when the isolate's copy is older than a minute.
        assert result[name]["reads"]["min"] == 1 and result[name]["reads"]["max"] == 2
