"""A small HTTP/1.1 keep-alive load generator, run as its own process.

It lives in a separate process so that its CPU time is not charged to the server it measures
(the server gets its own core on a 2-core machine). Bounded by request count and time, and it only
ever connects to loopback addresses.

    python -m bench.loadgen --port 8787 --concurrency 32 --duration 10 --warmup 2 \
        --requests-file reqs.json

``reqs.json`` is a JSON list of ``{"method", "path", "headers", "body"}`` objects; connections
take them round-robin (so many distinct licenses keep per-license rate limits out of the way).
The summary is printed as one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.stats import median, percentile

# Hard ceilings whatever the arguments say: a load test here must stop by itself.
MAX_DURATION_S = 120.0
MAX_REQUESTS = 2_000_000


@dataclass
class Shared:
    requests: list[bytes]
    next_index: int = 0
    # Measurement window (perf_counter seconds); requests started before it are warm-up.
    measure_from: float = 0.0
    deadline: float = 0.0
    max_requests: int = 0
    issued: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    warmup_done: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    reconnects: int = 0

    def take(self) -> bytes | None:
        if time.perf_counter() >= self.deadline or self.issued >= self.max_requests:
            return None
        self.issued += 1
        raw = self.requests[self.next_index]
        self.next_index = (self.next_index + 1) % len(self.requests)
        return raw


def build_request(host: str, port: int, spec: dict[str, object]) -> bytes:
    method = str(spec.get("method", "GET")).upper()
    path = str(spec.get("path", "/"))
    body_obj = spec.get("body")
    body = b"" if body_obj is None else str(body_obj).encode()
    headers = {"host": f"{host}:{port}", "connection": "keep-alive"}
    for k, v in dict(spec.get("headers") or {}).items():  # type: ignore[call-overload]
        headers[str(k).lower()] = str(v)
    if body or method in ("POST", "PUT", "PATCH"):
        headers["content-length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return (status, server_wants_close)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length: int | None = None
    chunked = False
    close = False
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            close = True
    if chunked:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0], 16)
            await reader.readexactly(size + 2)  # chunk data and its CRLF
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    elif length is None and status not in (204, 304):
        close = True  # body delimited by close: read it all
        await reader.read()
    return status, close


async def connection_worker(host: str, port: int, shared: Shared) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    try:
        while (raw := shared.take()) is not None:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            start = time.perf_counter_ns()
            try:
                writer.write(raw)
                status, close = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                shared.errors[type(exc).__name__] += 1
                writer.close()
                writer = None
                shared.reconnects += 1
                continue
            end = time.perf_counter_ns()
            if start / 1e9 >= shared.measure_from:
                shared.latencies_ns.append(end - start)
                shared.statuses[status] += 1
            else:
                shared.warmup_done += 1
            if close:
                writer.close()
                writer = None
                shared.reconnects += 1
    finally:
        if writer is not None:
            writer.close()


async def run(
    host: str,
    port: int,
    requests: list[bytes],
    concurrency: int,
    duration: float,
    warmup: float,
    max_requests: int,
) -> dict[str, object]:
    now = time.perf_counter()
    shared = Shared(
        requests=requests,
        measure_from=now + warmup,
        deadline=now + warmup + duration,
        max_requests=max_requests,
    )
    await asyncio.gather(*(connection_worker(host, port, shared) for _ in range(concurrency)))
    window = time.perf_counter() - shared.measure_from
    lat = shared.latencies_ns
    return {
        "concurrency": concurrency,
        "duration_s": round(window, 3),
        "warmup_s": warmup,
        "warmup_requests": shared.warmup_done,
        "requests": len(lat),
        "rps": round(len(lat) / window, 1) if window > 0 else 0.0,
        "p50_ms": round(median(lat) / 1e6, 3),
        "p99_ms": round(percentile(lat, 99) / 1e6, 3),
        "max_ms": round(max(lat) / 1e6, 3) if lat else None,
        "statuses": {str(k): v for k, v in sorted(shared.statuses.items())},
        "errors": dict(shared.errors),
        "reconnects": shared.reconnects,
    }


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"loadgen: refusing non-loopback target {host!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--requests-file", type=Path, required=True)
    args = parser.parse_args(argv)
    _check_loopback(args.host)
    duration = min(args.duration, MAX_DURATION_S)
    warmup = min(args.warmup, MAX_DURATION_S)
    max_requests = min(args.max_requests, MAX_REQUESTS)
    specs = json.loads(args.requests_file.read_text())
    requests = [build_request(args.host, args.port, s) for s in specs]
    if not requests:
        raise SystemExit("loadgen: no requests given")
    result = asyncio.run(
        run(args.host, args.port, requests, args.concurrency, duration, warmup, max_requests)
    )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
