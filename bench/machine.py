"""What the figures were measured on: they mean nothing without it."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path


def _cpu_model() -> str:
    # lscpu's "Model name" comes from /proc/cpuinfo's "model name"; read it directly.
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _package_versions() -> dict[str, str]:
    from importlib import metadata

    versions: dict[str, str] = {}
    for name in (
        "pydantic",
        "pydantic-core",
        "pyjwt",
        "cryptography",
        "uvicorn",
        "httptools",
        "uvloop",
        "workers-emulator",
    ):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def load_average() -> list[float] | None:
    """1/5/15-minute load: other work on a 2-core machine shows up in every figure."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def wait_until_quiet(max_wait_s: float, threshold: float = 0.7) -> float:
    """Wait (at most ``max_wait_s``) for the 1-minute load to drop under ``threshold``."""
    start = time.monotonic()
    while time.monotonic() - start < max_wait_s:
        load = load_average()
        if load is None or load[0] < threshold:
            break
        time.sleep(2)
    return round(time.monotonic() - start, 1)


def machine_info() -> dict[str, object]:
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _mem_total_gib(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": _package_versions(),
        "load_average_at_start": load_average(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
