"""Throughput, latency and memory of ``workers-emulator dev`` on loopback.

The dev server runs from a scratch folder holding a copy of ``wrangler.toml`` (``main`` pointed
back at this repository's ``src/entry.py``) and a ``.dev.vars`` with a known admin token, so the
repository's own ``.dev.vars`` and ``.wrangler/`` are never touched. KV persists to SQLite in
that folder, as the dev command does by default. The load generator (``bench.loadgen``) runs in a
separate process; the server's peak RSS is ``VmHWM`` from ``/proc/<pid>/status``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.cases import LATEST, STATS, VERSION
from bench.inprocess import ADMIN_TOKEN, CONFIG, LEASE_SIGNING_KEY, LICENSE_EXPIRES_AT

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def write_scratch_config(folder: Path) -> Path:
    text = CONFIG.read_text()
    entry = (ROOT / "src" / "entry.py").as_posix()
    text, count = re.subn(r'(?m)^main\s*=\s*".*"$', f'main = "{entry}"', text)
    if count != 1:
        raise RuntimeError("wrangler.toml: expected one `main = ...` line")
    config = folder / "wrangler.toml"
    config.write_text(text)
    (folder / ".dev.vars").write_text(
        f"ADMIN_TOKEN={ADMIN_TOKEN}\nLEASE_SIGNING_KEY={LEASE_SIGNING_KEY}\n"
    )
    return config


def dev_command(config: Path, port: int, persist: Path) -> list[str]:
    # The console script itself (not `uv run`), so the PID we hold is the server's own.
    script = Path(sys.executable).parent / "workers-emulator"
    return [
        str(script),
        "dev",
        "--config",
        str(config),
        "--port",
        str(port),
        "--ip",
        HOST,
        "--persist-to",
        str(persist),
    ]


@contextlib.contextmanager
def dev_server(folder: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    config = write_scratch_config(folder)
    port = free_port()
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(
        dev_command(config, port, folder / "state"),
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"dev server exited {proc.returncode}: {(folder / 'server.log').read_text()}"
                )
            with contextlib.suppress(OSError):
                status, _ = request(port, "GET", "/healthz")
                if status == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("dev server did not answer /healthz within 30 s")
        yield proc, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def request(
    port: int, method: str, path: str, body: object = None, token: str | None = None
) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


def set_up_licenses(port: int, count: int) -> list[str]:
    status, _ = request(port, "PUT", "/v1/admin/release", {"latest_version": LATEST}, ADMIN_TOKEN)
    if status != 200:
        raise RuntimeError(f"setting the release: {status}")
    keys = []
    for i in range(count):
        status, doc = request(
            port,
            "POST",
            "/v1/admin/licenses",
            {"customer": f"bench-{i}", "plan": "enterprise", "expires_at": LICENSE_EXPIRES_AT},
            ADMIN_TOKEN,
        )
        if status != 201:
            raise RuntimeError(f"creating a license: {status} {doc}")
        keys.append(doc["license_key"])
    return keys


def _status_kib(pid: int, field: str) -> int | None:
    """A ``kB`` field (``VmHWM``, ``VmRSS``…) of ``/proc/<pid>/status``, or None if unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def vm_hwm_kib(pid: int) -> int | None:
    """Peak resident set size of a process (kernel's high-water mark), in KiB."""
    return _status_kib(pid, "VmHWM")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (from /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the ")" of the command name: state is field 3, utime and stime fields 14 and 15.
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def vm_rss_kib(pid: int) -> int | None:
    """Current resident set size of a process, in KiB."""
    return _status_kib(pid, "VmRSS")


def run_loadgen(
    port: int, requests_file: Path, concurrency: int, duration: float, warmup: float
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "bench.loadgen",
        "--host",
        HOST,
        "--port",
        str(port),
        "--concurrency",
        str(concurrency),
        "--duration",
        str(duration),
        "--warmup",
        str(warmup),
        "--requests-file",
        str(requests_file),
    ]
    out = subprocess.run(
        cmd, check=True, capture_output=True, text=True, cwd=ROOT, timeout=duration + warmup + 60
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def group_cpu_seconds(pgid: int) -> float | None:
    """User + system CPU time of every live process in a process group (wrangler, workerd)."""
    total, seen = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state, ppid, pgrp, ...; utime and stime are fields 14 and 15.
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            seen = True
    return total if seen else None


def heartbeat_specs(keys: list[str]) -> list[dict[str, Any]]:
    """Heartbeats with version and stats, one per license (the load, for either server)."""
    return [
        {
            "method": "POST",
            "path": "/v1/validate",
            "headers": {"content-type": "application/json"},
            "body": json.dumps(
                {"license_key": k, "version": VERSION, "stats": STATS}, separators=(",", ":")
            ),
        }
        for k in keys
    ]


def measure_level(
    port: int, requests_file: Path, concurrency: int, duration: float, warmup: float, cpu: Any
) -> dict[str, Any]:
    """One load level; ``cpu()`` reads the server's CPU seconds so far."""
    cpu_before = cpu()
    level = run_loadgen(port, requests_file, concurrency, duration, warmup)
    cpu_after = cpu()
    # The server's CPU per request (warm-up included in both counts): unlike requests per
    # second it hardly moves when other work shares the machine.
    served = level["requests"] + level["warmup_requests"]
    if cpu_before is not None and cpu_after is not None and served:
        per_request = (cpu_after - cpu_before) / served
        level["server_cpu_us_per_request"] = round(per_request * 1e6, 1)
        level["one_core_capacity_rps"] = round(1 / per_request) if per_request else None
    return level


def ratios(python: dict[str, Any], js: dict[str, Any]) -> dict[str, float | None]:
    """The Python dev server's figures over the twin's under wrangler dev, for one level."""

    def ratio(name: str) -> float | None:
        a, b = python.get(name), js.get(name)
        return round(a / b, 2) if a is not None and b else None

    return {
        "rps": ratio("rps"),
        "p99_ms": ratio("p99_ms"),
        "server_cpu_us_per_request": ratio("server_cpu_us_per_request"),
    }


def run_http(
    duration: float, warmup: float, licenses: int, levels: tuple[int, ...] = (1, 32)
) -> dict[str, Any]:
    from bench import twin

    twin_reason = twin.unavailable()
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-dev-")))
        proc, port = stack.enter_context(dev_server(folder))
        rss_idle = vm_rss_kib(proc.pid)
        t0 = time.perf_counter()
        keys = set_up_licenses(port, licenses)
        setup_s = time.perf_counter() - t0
        requests_file = folder / "requests.json"
        requests_file.write_text(json.dumps(heartbeat_specs(keys)))
        twin_port = twin_pgid = None
        if twin_reason is None:
            twin_folder = folder / "twin"
            twin_folder.mkdir()
            url, twin_pgid = stack.enter_context(twin.twin_server(twin_folder))
            twin_port = int(url.rsplit(":", 1)[1])
            emu, twin_keys = twin.python_worker(licenses)
            twin.seed(url, twin.kv_entries(emu))
            twin_requests = twin_folder / "requests.json"
            twin_requests.write_text(json.dumps(heartbeat_specs(twin_keys)))
        levels_out: dict[str, Any] = {}
        twin_levels: dict[str, Any] = {}
        for c in levels:
            # The two servers take turns per level, so a slow spell falls on both alike.
            levels_out[str(c)] = measure_level(
                port, requests_file, c, duration, warmup, lambda: cpu_seconds(proc.pid)
            )
            if twin_port is not None and twin_pgid is not None:
                group = twin_pgid
                twin_levels[str(c)] = measure_level(
                    twin_port,
                    twin_requests,
                    c,
                    duration,
                    warmup,
                    lambda group=group: group_cpu_seconds(group),
                )
        hwm = vm_hwm_kib(proc.pid)
        server_log_tail = (folder / "server.log").read_text(errors="replace")[-2000:]
    twin_out: dict[str, Any] = {
        "what": (
            "bench/twin/worker.js (the heartbeat as a JavaScript Worker: same key check, KV "
            "reads and writes, answer and one Ed25519 lease via WebCrypto) under `wrangler dev "
            "--local` (real workerd, its local KV), seeded with the Python Worker's own KV "
            "entries for as many licenses, driven by the same load generator and load, the two "
            "servers taking turns per level; server CPU: wrangler's whole process group"
        ),
        "unavailable": twin_reason,
        "levels": twin_levels,
        "ratios": {c: ratios(levels_out[c], twin_levels[c]) for c in twin_levels},
    }
    return {
        "what": (
            "`workers-emulator dev` (SQLite persistence in a scratch folder) on 127.0.0.1; "
            "bench.loadgen in a separate process, HTTP/1.1 keep-alive, one connection per "
            f"concurrent client; heartbeat with version and stats, round-robin over {licenses} "
            f"licenses (a license comes back after more than a second, so neither the 30/60 s "
            f"per-license limiter nor KV's 1 write/s per key is hit); {warmup:g} s "
            f"warm-up then {duration:g} s measured per level"
        ),
        "server_cmd": "workers-emulator dev --config <scratch>/wrangler.toml --port N "
        "--persist-to <scratch>/state",
        "license_setup_s": round(setup_s, 2),
        "levels": levels_out,
        "workerd_twin": twin_out,
        "memory": {
            "rss_idle_mib": None if rss_idle is None else round(rss_idle / 1024, 1),
            "peak_rss_mib": None if hwm is None else round(hwm / 1024, 1),
        },
        "server_log_tail": server_log_tail if os.environ.get("BENCH_KEEP_LOG") else None,
    }
