"""CPU time and KV operations per request, in process, through the emulator's dispatch.

The emulator uses its in-memory KV store. Each request is timed with
``time.process_time_ns`` (CPU time of the whole process, so work the emulator might hand to
another thread is still counted). The floor is the least any implementation must do with the
same payload: ``json.loads``, one SHA-256 and one dict lookup.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cases import LATEST, STATS, Case, build_cases
from bench.stats import distribution, summarize_ns

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
CONFIG = ROOT / "wrangler.toml"
BASE_URL = "http://127.0.0.1:8787"
ADMIN_TOKEN = "bench-admin-token-not-a-secret"
# A fixed Ed25519 seed so every run signs with the same key (no key generation in the loop).
LEASE_SIGNING_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"bench lease key").digest()).decode()
LICENSE_EXPIRES_AT = "2036-01-01T00:00:00Z"
KV = "LICENSE_KV"
# The cases take turns in this many slices each (see CaseRun).
ROUNDS = 10


def client_headers(i: int) -> dict[str, str]:
    # A distinct (documentation-range) client address per request: the per-client limiter for
    # unknown keys would otherwise answer 429 after 60 requests and we would time the wrong path.
    return {"cf-connecting-ip": f"2001:db8::{i:x}"}


@dataclass
class Fetcher:
    """One awaitable call shape over the emulator, whatever the body and header types it wants."""

    emu: Any

    async def __call__(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Any:
        return await self.emu.fetch(method, BASE_URL + path, headers=headers or {}, body=body)


def response_json(resp: Any) -> Any:
    content = resp.content if hasattr(resp, "content") else resp.body
    return json.loads(content) if content else None


def kv_ops_of(resp: Any) -> tuple[int, int, int, int]:
    ops = resp.kv_ops.get(KV)
    if ops is None:
        return (0, 0, 0, 0)
    return (ops.reads, ops.writes, ops.lists, ops.deletes)


def make_emulator() -> Any:
    from workers_emulator import Emulator

    return Emulator(
        str(CONFIG),
        persist_to=None,
        secrets={"ADMIN_TOKEN": ADMIN_TOKEN, "LEASE_SIGNING_KEY": LEASE_SIGNING_KEY},
    )


async def create_licenses(fetch: Fetcher, count: int) -> list[str]:
    keys = []
    admin = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}
    for i in range(count):
        body = json.dumps(
            {"customer": f"bench-{i}", "plan": "enterprise", "expires_at": LICENSE_EXPIRES_AT}
        ).encode()
        resp = await fetch("POST", "/v1/admin/licenses", body, admin)
        if resp.status_code != 201:
            raise RuntimeError(f"creating a license: {resp.status_code} {resp.content[:200]!r}")
        keys.append(response_json(resp)["license_key"])
    return keys


def unknown_keys(count: int) -> list[str]:
    """Well-formed keys (valid check code) that no license has: the 404 path with its one read."""
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    from license_server.keys import generate_key

    return [generate_key() for _ in range(count)]


async def set_up(fetch: Fetcher, licenses: int, unknown: int) -> tuple[list[str], list[str]]:
    """The release and ``licenses`` licenses through the admin API, once."""
    admin = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}
    release = json.dumps({"latest_version": LATEST}).encode()
    resp = await fetch("PUT", "/v1/admin/release", release, admin)
    if resp.status_code != 200:
        raise RuntimeError(f"setting the release: {resp.status_code} {resp.content[:200]!r}")
    keys = await create_licenses(fetch, licenses)
    return keys, unknown_keys(unknown)


def floor_table(keys: list[str]) -> dict[str, dict[str, str]]:
    return {
        hashlib.sha256(k.encode()).hexdigest(): {"status": "active", "plan": "enterprise"}
        for k in keys
    }


def measure_floor(payloads: list[bytes], table: dict[str, dict[str, str]]) -> list[int]:
    """The same payloads through json.loads, one SHA-256 and a dict lookup, timed the same way."""
    clock = time.process_time_ns
    samples = []
    for payload in payloads:
        t0 = clock()
        doc = json.loads(payload)
        subject = doc.get("license_key", doc.get("version"))
        digest = hashlib.sha256(str(subject).encode()).hexdigest()
        table.get(digest)
        samples.append(clock() - t0)
    return samples


class CaseRun:
    """One case's requests, taken in slices so that the cases (and the floor) interleave:
    a slow spell of the machine then falls on all of them alike instead of on one case."""

    def __init__(self, case: Case, first_index: int, table: dict[str, dict[str, str]]) -> None:
        self.case = case
        self.index = first_index
        self.table = table
        self.samples: list[int] = []
        self.floor: list[int] = []
        self.ops: dict[str, list[int]] = {"reads": [], "writes": [], "lists": [], "deletes": []}
        self.statuses: Counter[int] = Counter()
        self.over_budget: list[dict[str, Any]] = []
        self.first: Any = None

    async def step(self, fetch: Fetcher, count: int, record: bool = True) -> None:
        case = self.case
        indices = range(self.index, self.index + count)
        self.index += count
        bodies = [case.body_for(i) for i in indices]
        headers = [{**case.headers, **client_headers(i)} for i in indices]
        clock = time.process_time_ns
        for i, body, head in zip(indices, bodies, headers, strict=True):
            t0 = clock()
            resp = await fetch(case.method, case.path, body, head)
            elapsed = clock() - t0
            if not record:
                continue
            self.samples.append(elapsed)
            if self.first is None:
                self.first = resp
            self.statuses[resp.status_code] += 1
            r, w, li, d = kv_ops_of(resp)
            for name, value in zip(self.ops, (r, w, li, d), strict=True):
                self.ops[name].append(value)
            if (r > case.budget.reads or w > case.budget.writes) and len(self.over_budget) < 3:
                # Keep a few answers that broke the budget: they say which write was retried.
                answer = response_json(resp)
                self.over_budget.append({"index": i, "kv": [r, w, li, d], "answer": answer})
        payloads = [(case.floor_payload or case.body_for)(i) for i in indices]
        floor = measure_floor(payloads, self.table)
        if record:
            self.floor.extend(floor)

    def result(self) -> dict[str, Any]:
        case = self.case
        doc = response_json(self.first)
        shape_ok = self.first.status_code == case.expect_status and (
            case.expect_status != 200 or case.expect_json(doc)
        )
        kv = {name: distribution(values) for name, values in self.ops.items()}
        cpu = summarize_ns(self.samples)
        floor = summarize_ns(self.floor)
        return {
            "title": case.title,
            "cpu": cpu,
            "floor": floor,
            "ratio_to_floor": round(cpu["median_us"] / floor["median_us"], 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "expected_status": case.expect_status,
            "shape_ok": shape_ok,
            "first_response": doc,
            "over_budget_examples": self.over_budget,
            "kv": kv,
            **kv_verdict(case, kv),
        }


async def measure_with_emulator_bindings(
    emu: Any, case: Case, n: int, warmup: int, offset: int
) -> dict[str, Any]:
    """``license_server.app.handle`` called directly with the emulator's own bindings (its KV
    namespace and rate limiters): the handler figure plus the cost of the emulated KV."""
    # The isolate's copies of the Worker's modules are the ones in sys.modules now.
    from license_server.app import handle
    from license_server.context import Bindings
    from license_server.http import HttpRequest

    bindings = Bindings.from_env(emu.env)
    path, _, qs = case.path.partition("?")
    query = dict(p.split("=", 1) for p in qs.split("&")) if qs else {}
    clock = time.process_time_ns
    samples: list[int] = []
    statuses: Counter[int] = Counter()
    with contextlib.redirect_stdout(io.StringIO()):
        for i in range(offset, offset + n + warmup):
            headers = {**case.headers, **client_headers(i)}
            req = HttpRequest(
                case.method, path, query, headers, case.body_for(i), headers["cf-connecting-ip"]
            )
            now = int(time.time())
            t0 = clock()
            resp = await handle(req, bindings, now)
            elapsed = clock() - t0
            if i >= offset + warmup:
                samples.append(elapsed)
                statuses[resp.status] += 1
    return {**summarize_ns(samples), "statuses": {str(k): v for k, v in statuses.items()}}


def kv_verdict(case: Case, kv: dict[str, Any]) -> dict[str, Any]:
    b = case.budget
    checks = {
        "reads": kv["reads"]["max"] <= b.reads,
        "writes": kv["writes"]["max"] <= b.writes,
        "lists": kv["lists"]["max"] <= b.lists,
        "deletes": kv["deletes"]["max"] <= b.deletes,
    }
    if b.reads_cached is not None:
        checks["reads_cached"] = kv["reads"]["mode"] <= b.reads_cached
    budget = {"reads": b.reads, "writes": b.writes, "lists": b.lists, "deletes": b.deletes}
    if b.reads_cached is not None:
        budget["reads_cached"] = b.reads_cached
    # "Exactly at budget": a heartbeat must not do less than the contract's writes either (the
    # validation log and the stats entry are promises too), so also report whether it is equal.
    exact = kv["writes"]["min"] == kv["writes"]["max"] == b.writes
    return {
        "budget": budget,
        "within_budget": all(checks.values()),
        "checks": checks,
        "writes_exactly_budget": exact,
    }


async def run_async(n: int, warmup: int, licenses: int) -> dict[str, Any]:
    emu = make_emulator()
    fetch = Fetcher(emu)
    # Unknown keys are limited per (would-be) license id too: one key per request.
    keys, gone = await set_up(fetch, licenses, unknown=n + warmup)
    cases = build_cases(keys, gone)
    table = floor_table(keys)
    results: dict[str, Any] = {}
    if hasattr(emu, "reset_counters"):
        emu.reset_counters()
    # Each case has its own range of indices (licenses, unknown keys, client addresses).
    runs = [CaseRun(case, k * (n + warmup), table) for k, case in enumerate(cases)]
    signature = SignatureRun()
    for run in runs:
        await run.step(fetch, warmup, record=False)
    signature.step(warmup, record=False)
    per_round = max(1, n // ROUNDS)
    for _ in range(ROUNDS):
        for run in runs:
            await run.step(fetch, per_round)
        signature.step(per_round)
    for run in runs:
        results[run.case.name] = run.result()
    offset = len(cases) * (n + warmup)
    for case in cases:
        if case.name in ("heartbeat", "heartbeat_stats"):
            results[case.name]["handler_emulator_kv"] = await measure_with_emulator_bindings(
                emu, case, n, warmup, offset
            )
            offset += n + warmup
    totals = emu.kv_counters(KV) if hasattr(emu, "kv_counters") else None
    return {
        "lease_signature": signature.result(),
        "what": (
            "time.process_time_ns around each `await emu.fetch(...)` (Emulator, in-memory KV, "
            f"real clock), {n} requests per case after {warmup} warm-up, the cases taking turns "
            f"in {ROUNDS} slices; {licenses} licenses "
            "created once through the admin API and used round-robin so neither the per-license "
            "limiter (30/60 s) nor KV's one write per second per key (the stats entry) is hit; "
            "the 404 case uses a fresh well-formed unknown key per request (the limiter also "
            "counts would-be ids); a distinct cf-connecting-ip per request for the per-client "
            "limiter. Floor: the same payload through json.loads, one SHA-256 and "
            "one dict lookup, timed the same way."
        ),
        "cases": results,
        "kv_counters_total": None if totals is None else str(totals),
    }


async def probe_release_cache() -> dict[str, Any]:
    """KV reads around the release cache, on a fake clock: a heartbeat with a version reads
    the license and, once the isolate's cached release is older than RELEASE_CACHE_SECONDS,
    the release too (2 reads); an update check then reads nothing, or once when stale."""
    from workers_emulator import Emulator, ManualClock

    clock = ManualClock(start=time.time())
    emu = Emulator(
        str(CONFIG),
        clock=clock,
        secrets={"ADMIN_TOKEN": ADMIN_TOKEN, "LEASE_SIGNING_KEY": LEASE_SIGNING_KEY},
    )
    fetch = Fetcher(emu)
    keys, _ = await set_up(fetch, 3, 0)
    json_headers = {"content-type": "application/json"}

    async def heartbeat(i: int) -> tuple[int, int]:
        body = json.dumps({"license_key": keys[i], "version": "2.4.1"}).encode()
        resp = await fetch("POST", "/v1/validate", body, {**json_headers, **client_headers(i)})
        r, w, _li, _d = kv_ops_of(resp)
        return r, w

    async def update_check() -> int:
        resp = await fetch("GET", "/v1/update-check?version=2.4.1", b"", {})
        return kv_ops_of(resp)[0]

    cached = await heartbeat(0)
    clock.advance(seconds=61)  # past RELEASE_CACHE_SECONDS = 60 (wrangler.toml)
    stale = await heartbeat(1)
    clock.advance(seconds=61)
    stale_check = await update_check()
    cached_check = await update_check()
    return {
        "what": "fake clock; reads/writes of single requests around the 60 s release cache",
        "heartbeat_release_cached": {"reads": cached[0], "writes": cached[1]},
        "heartbeat_release_stale": {"reads": stale[0], "writes": stale[1]},
        "update_check_release_stale": {"reads": stale_check},
        "update_check_release_cached": {"reads": cached_check},
        "within_budget": cached == (1, 1)
        and stale == (2, 1)
        and stale_check <= 1
        and cached_check == 0,
    }


STEADY_LICENSES = 60


async def probe_steady_state(licenses: int = STEADY_LICENSES) -> dict[str, Any]:
    """KV reads and writes per heartbeat once a fleet beats hourly, from the emulator's
    per-request counters on a fake clock: ``licenses`` deployments, one second apart, each
    round an hour after the last; the first round sends stats, then a day of the same stats
    again (a daily rewrite would show), then changed stats, then none."""
    from workers_emulator import Emulator, ManualClock

    clock = ManualClock(start=time.time())
    emu = Emulator(
        str(CONFIG),
        clock=clock,
        secrets={"ADMIN_TOKEN": ADMIN_TOKEN, "LEASE_SIGNING_KEY": LEASE_SIGNING_KEY},
    )
    fetch = Fetcher(emu)
    keys, _ = await set_up(fetch, licenses, 0)
    changed = {**STATS, "secrets_total": STATS["secrets_total"] + 1}  # type: ignore[operator]
    rounds = [
        ("first", STATS, 1),
        ("same_stats", STATS, 24),
        ("changed_stats", changed, 1),
        ("no_stats", None, 1),
    ]
    out: dict[str, Any] = {
        "what": (
            f"{licenses} licenses beating hourly on a fake clock (one second apart, so the "
            "isolate's release cache expires about once a minute as under steady load): stats, "
            "then 24 hours of the same stats, then changed stats, then none; KV operations per "
            "heartbeat from each response's counters"
        )
    }
    for name, stats, hours in rounds:
        reads: list[int] = []
        writes: list[int] = []
        statuses: Counter[int] = Counter()
        for i, key in [(i, key) for _ in range(hours) for i, key in enumerate(keys)]:
            if i == 0:
                clock.advance(seconds=3600 - len(keys))
            clock.advance(seconds=1)
            doc: dict[str, Any] = {"license_key": key, "version": "2.4.1"}
            if stats is not None:
                doc["stats"] = stats
            headers = {"content-type": "application/json", **client_headers(i)}
            resp = await fetch("POST", "/v1/validate", json.dumps(doc).encode(), headers)
            statuses[resp.status_code] += 1
            r, w, _li, _d = kv_ops_of(resp)
            reads.append(r)
            writes.append(w)
        out[name] = {
            "reads": distribution(reads),
            "writes": distribution(writes),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
        }
    return out


NULL_WORKER = """
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response("{}", headers={"content-type": "application/json"})
"""


async def measure_dispatch(n: int, warmup: int) -> dict[str, Any]:
    """The emulator's own cost per request: a Worker that answers ``{}`` without reading."""
    import tempfile

    from workers_emulator import Emulator

    with tempfile.TemporaryDirectory(prefix="bench-null-") as tmp:
        folder = Path(tmp)
        (folder / "null_worker.py").write_text(NULL_WORKER)
        (folder / "wrangler.toml").write_text('name = "null"\nmain = "null_worker.py"\n')
        emu = Emulator(str(folder / "wrangler.toml"))
        fetch = Fetcher(emu)
        body = b'{"license_key":"CC-0000-0000-0000-0000-0000-0000-0000","version":"2.4.1"}'
        headers = {"content-type": "application/json", "cf-connecting-ip": "2001:db8::1"}
        for _ in range(warmup):
            await fetch("POST", "/v1/validate", body, headers)
        clock = time.process_time_ns
        samples = []
        for _ in range(n):
            t0 = clock()
            await fetch("POST", "/v1/validate", body, headers)
            samples.append(clock() - t0)
    return {
        "what": "Emulator.fetch of a heartbeat-sized POST to a Worker that answers {} at once",
        **summarize_ns(samples),
    }


class SignatureRun:
    """One lease signature (Ed25519 JWS through PyJWT, as a VALID heartbeat makes), timed the
    same way and in the same slices as the cases: the part of a heartbeat no implementation
    that returns a signed lease can skip. (Timed on its own, minutes apart from the cases, the
    same signature measured 49-91 us on this VM: it has to share their slow and fast spells.)"""

    def __init__(self) -> None:
        if str(SRC) not in sys.path:
            sys.path.insert(0, str(SRC))
        from license_server.lease import LeaseSigner

        signer = LeaseSigner.from_secret(LEASE_SIGNING_KEY)
        assert signer is not None
        self.signer = signer
        self.license_id = hashlib.sha256(b"bench license").hexdigest()[:32]
        self.now = int(time.time())
        self.samples: list[int] = []

    def time(self, count: int) -> list[int]:
        """``count`` signatures, each timed; the samples are returned, not kept."""
        clock = time.process_time_ns
        sign, license_id, now = self.signer.sign, self.license_id, self.now
        samples = []
        for i in range(count):
            t0 = clock()
            sign(license_id=license_id, code="VALID", issued_at=now + i, expires_at=now + i + 1)
            samples.append(clock() - t0)
        return samples

    def step(self, count: int, record: bool = True) -> None:
        samples = self.time(count)
        if record:
            self.samples += samples

    def result(self) -> dict[str, Any]:
        return {
            "what": "LeaseSigner.sign alone: one Ed25519 compact JWS through PyJWT, in the "
            "cases' slices",
            **summarize_ns(self.samples),
        }


def run_inprocess(n: int, warmup: int, licenses: int) -> dict[str, Any]:
    # The direct-handler phase runs first: the emulator then loads its own fresh copy of the
    # Worker's modules (its isolate purges them), so the two never share module-level caches.
    from bench.handler import run_handler

    try:
        handler: dict[str, Any] = run_handler(n, warmup, licenses)
    except Exception as exc:  # keep the emulator figures even if the direct path breaks
        handler = {"error": f"{type(exc).__name__}: {exc}"}
    results = asyncio.run(run_async(n, warmup, licenses))
    results["dispatch_only"] = asyncio.run(measure_dispatch(n, warmup))
    results["release_cache_probe"] = asyncio.run(probe_release_cache())
    results["steady_state"] = asyncio.run(probe_steady_state())
    for name, case in results["cases"].items():
        case["handler"] = handler.get(name)
    results["handler_error"] = handler.get("error")
    return results
