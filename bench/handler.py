"""The Worker's own cost: ``license_server.app.handle`` called directly, no emulator dispatch.

The KV is a plain dict behind the binding's async ``get``/``put`` shape and the rate limiters
always allow, so what is timed is the license logic (parsing, models, key derivation, lease
signing, logging) and nothing of the runtime: set beside the emulator figure it shows where a
heartbeat's time goes. The Worker's log lines go to a discarding sink (in workerd they are
``console.log``; here the terminal would be the bottleneck).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.cases import LATEST, Case, build_cases
from bench.inprocess import (
    ADMIN_TOKEN,
    LEASE_SIGNING_KEY,
    LICENSE_EXPIRES_AT,
    ROUNDS,
    SignatureRun,
    client_headers,
    floor_table,
    measure_floor,
    unknown_keys,
)
from bench.stats import summarize_ns

SRC = Path(__file__).resolve().parent.parent / "src"


class FakeKV:
    """The least a KV binding can be: a dict, with the calls the Worker makes on a heartbeat."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.reads = 0
        self.writes = 0

    async def get(self, key: str | list[str], type: str = "text") -> Any:
        self.reads += 1
        if isinstance(key, list):  # a bulk get: one operation, {key: value or None}
            return {name: self.data.get(name) for name in key}
        return self.data.get(key)

    async def put(self, key: str, value: str, **_options: Any) -> None:
        self.writes += 1
        self.data[key] = value

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)


class AllowAll:
    async def limit(self, key: str) -> dict[str, bool]:
        return {"success": True}


class _Discard:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    with contextlib.redirect_stdout(_Discard()):
        yield


async def _run(cases_n: int, warmup: int, licenses: int) -> dict[str, dict[str, Any]]:
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    from license_server.app import handle
    from license_server.context import Bindings
    from license_server.http import HttpRequest

    kv = FakeKV()
    bindings = Bindings(
        kv=kv,
        license_limiter=AllowAll(),
        client_limiter=AllowAll(),
        admin_token=ADMIN_TOKEN,
        lease_signing_key=LEASE_SIGNING_KEY,
    )
    admin = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}

    async def call(method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
        path, _, qs = path.partition("?")
        query = dict(p.split("=", 1) for p in qs.split("&")) if qs else {}
        req = HttpRequest(
            method=method,
            path=path,
            query=query,
            headers=headers,
            body=body,
            client_ip=headers.get("cf-connecting-ip"),
        )
        return await handle(req, bindings, int(time.time()))

    resp = await call(
        "PUT", "/v1/admin/release", json.dumps({"latest_version": LATEST}).encode(), admin
    )
    assert resp.status == 200, resp.body
    keys: list[str] = []
    for i in range(licenses):
        body = json.dumps(
            {"customer": f"bench-{i}", "plan": "enterprise", "expires_at": LICENSE_EXPIRES_AT}
        ).encode()
        resp = await call("POST", "/v1/admin/licenses", body, admin)
        assert resp.status == 201, resp.body
        keys.append(json.loads(resp.body)["license_key"])
    # Unknown keys are limited per (would-be) license id too: one key per request.
    gone = unknown_keys(cases_n + warmup)

    # Each case, the floor of its payloads and one lease signature per request take turns in
    # the same slices: the target is a ratio, so both sides must share the machine's spells.
    table = floor_table(keys)
    signature = SignatureRun()
    runs: list[HandlerRun] = []
    offset = 0
    for case in build_cases(keys, gone):
        runs.append(HandlerRun(case, offset, cases_n + warmup, handle, bindings, HttpRequest))
        offset += cases_n + warmup
    for run in runs:
        await run.step(warmup, table, signature, record=False)
    per_round = max(1, cases_n // ROUNDS)
    for _ in range(ROUNDS):
        for run in runs:
            await run.step(per_round, table, signature)
    return {run.case.name: run.result() for run in runs}


class HandlerRun:
    """One case's requests to ``handle``, built beforehand, measured slice by slice."""

    def __init__(
        self, case: Case, first: int, count: int, handle: Any, bindings: Any, request: Any
    ) -> None:
        self.case = case
        self.handle = handle
        self.bindings = bindings
        path, _, qs = case.path.partition("?")
        query = dict(p.split("=", 1) for p in qs.split("&")) if qs else {}
        self.requests = []
        self.payloads = []
        for i in range(first, first + count):
            headers = {**case.headers, **client_headers(i)}
            body = case.body_for(i)
            self.requests.append(
                request(
                    method=case.method,
                    path=path,
                    query=query,
                    headers=headers,
                    body=body,
                    client_ip=headers["cf-connecting-ip"],
                )
            )
            self.payloads.append((case.floor_payload or case.body_for)(i))
        self.next = 0
        self.samples: list[int] = []
        self.floor: list[int] = []
        self.signature: list[int] = []
        self.statuses: dict[int, int] = {}

    async def step(
        self, count: int, table: dict[str, Any], signature: SignatureRun, record: bool = True
    ) -> None:
        clock = time.process_time_ns
        handle, bindings = self.handle, self.bindings
        chosen = slice(self.next, self.next + count)
        self.next += count
        samples: list[int] = []
        for req in self.requests[chosen]:
            now = int(time.time())
            t0 = clock()
            resp = await handle(req, bindings, now)
            samples.append(clock() - t0)
            if record:
                self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
        floor = measure_floor(self.payloads[chosen], table)
        signatures = signature.time(count)
        if record:
            self.samples += samples
            self.floor += floor
            self.signature += signatures

    def result(self) -> dict[str, Any]:
        cpu = summarize_ns(self.samples)
        floor = summarize_ns(self.floor)
        sig = summarize_ns(self.signature)
        baseline = floor["median_us"] + sig["median_us"]
        return {
            **cpu,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "floor": floor,
            "lease_signature": sig,
            "floor_plus_signature_us": round(baseline, 2),
            "ratio_to_floor_plus_signature": round(cpu["median_us"] / baseline, 2),
        }


def run_handler(n: int, warmup: int, licenses: int) -> dict[str, dict[str, Any]]:
    """Per case: CPU time of ``await handle(...)`` alone (request objects built beforehand)."""
    with quiet():
        return asyncio.run(_run(n, warmup, licenses))
