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

from bench.cases import LATEST, build_cases
from bench.inprocess import (
    ADMIN_TOKEN,
    LEASE_SIGNING_KEY,
    LICENSE_EXPIRES_AT,
    client_headers,
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

    out: dict[str, dict[str, Any]] = {}
    clock = time.process_time_ns
    offset = 0
    for case in build_cases(keys, gone):
        total = cases_n + warmup
        requests = []
        for i in range(total):
            path, _, qs = case.path.partition("?")
            headers = {**case.headers, **client_headers(offset + i)}
            requests.append(
                HttpRequest(
                    method=case.method,
                    path=path,
                    query=dict(p.split("=", 1) for p in qs.split("&")) if qs else {},
                    headers=headers,
                    body=case.body_for(offset + i),
                    client_ip=headers["cf-connecting-ip"],
                )
            )
        offset += total
        samples: list[int] = []
        statuses: dict[int, int] = {}
        for i, req in enumerate(requests):
            now = int(time.time())
            t0 = clock()
            resp = await handle(req, bindings, now)
            elapsed = clock() - t0
            if i >= warmup:
                samples.append(elapsed)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
        out[case.name] = {
            **summarize_ns(samples),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
        }
    return out


def run_handler(n: int, warmup: int, licenses: int) -> dict[str, dict[str, Any]]:
    """Per case: CPU time of ``await handle(...)`` alone (request objects built beforehand)."""
    with quiet():
        return asyncio.run(_run(n, warmup, licenses))
