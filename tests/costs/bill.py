"""What a month of the service costs on Cloudflare: measured operations (steady_state) at the
published prices. `uv run python -m tests.costs.bill` prints docs/COSTS.md's tables."""

from __future__ import annotations

from dataclasses import dataclass

from tests.costs.steady_state import (
    FLEETS,
    SWEEP_EVERY,
    SWEEP_RUNS_PER_CYCLE,
    Heartbeat,
    Measurement,
    measure,
)

DAYS_PER_MONTH = 30
HEARTBEATS_PER_DAY = 24
SWEEP_RUNS_PER_DAY = 24 * 3600 // SWEEP_EVERY
# Python on WebAssembly is slower than CPython's ~0.2-0.5 ms here (bench/README.md): assumed.
CPU_MS_PER_REQUEST = 2.0


@dataclass(frozen=True)
class Prices:
    """Workers Paid (Standard usage model) and Workers KV, USD per month."""

    subscription: float = 5.00
    requests_included: float = 10e6
    per_million_requests: float = 0.30
    cpu_ms_included: float = 30e6
    per_million_cpu_ms: float = 0.02
    kv_reads_included: float = 10e6
    per_million_kv_reads: float = 0.50
    kv_writes_included: float = 1e6
    per_million_kv_writes: float = 5.00
    kv_lists_included: float = 1e6
    per_million_kv_lists: float = 5.00
    kv_gb_included: float = 1.0
    per_kv_gb_month: float = 0.50


# Cloudflare's pricing pages (developers.cloudflare.com/workers/platform/pricing/ and
# /kv/platform/pricing/) as read on 2026-12-02.
PRICES = Prices()


@dataclass(frozen=True)
class Bill:
    fleet: int
    requests: float
    cpu_ms: float
    kv_reads: float
    kv_writes: float
    kv_lists: float
    kv_gb: float
    workers_usd: float
    kv_reads_usd: float
    kv_writes_usd: float
    kv_other_usd: float  # lists and storage
    total_usd: float


def _over(used: float, included: float, per_unit: float, unit: float = 1e6) -> float:
    return max(0.0, used - included) / unit * per_unit


def monthly_bill(
    fleet: int, heartbeat: Heartbeat, m: Measurement, prices: Prices, cpu_ms_per_request: float
) -> Bill:
    sweep = next(s for s in m.sweeps if s.fleet == fleet)
    cycles = SWEEP_RUNS_PER_DAY * DAYS_PER_MONTH / SWEEP_RUNS_PER_CYCLE
    beats = fleet * HEARTBEATS_PER_DAY * DAYS_PER_MONTH
    requests = beats + SWEEP_RUNS_PER_DAY * DAYS_PER_MONTH
    cpu_ms = requests * cpu_ms_per_request
    reads = beats * heartbeat.keys_read + cycles * sweep.keys_read
    writes = beats * heartbeat.writes + cycles * sweep.writes
    lists = cycles * sweep.lists
    gb = fleet * m.bytes_per_license / 1e9
    workers = (
        prices.subscription
        + _over(requests, prices.requests_included, prices.per_million_requests)
        + _over(cpu_ms, prices.cpu_ms_included, prices.per_million_cpu_ms)
    )
    kv_reads = _over(reads, prices.kv_reads_included, prices.per_million_kv_reads)
    kv_writes = _over(writes, prices.kv_writes_included, prices.per_million_kv_writes)
    kv_other = _over(lists, prices.kv_lists_included, prices.per_million_kv_lists) + _over(
        gb, prices.kv_gb_included, prices.per_kv_gb_month, unit=1
    )
    usd = (workers, kv_reads, kv_writes, kv_other, workers + kv_reads + kv_writes + kv_other)
    return Bill(fleet, requests, cpu_ms, reads, writes, lists, gb, *usd)


SCENARIOS = {
    "stats change every hour": "changing_stats",
    "stats unchanged since the last heartbeat": "same_stats",
    "no stats (fleet visibility off)": "no_stats",
}


def bill_table(m: Measurement, heartbeat: Heartbeat, prices: Prices = PRICES) -> list[str]:
    """One scenario's cost table, Markdown rows."""
    rows = [
        "| deployments | requests | KV reads | KV writes | KV lists | KV stored | Workers "
        "| KV reads | KV writes | KV lists + storage | total |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for fleet in FLEETS:
        b = monthly_bill(fleet, heartbeat, m, prices, CPU_MS_PER_REQUEST)
        rows.append(
            f"| {fleet:,} | {b.requests / 1e6:,.2f} M | {b.kv_reads / 1e6:,.2f} M "
            f"| {b.kv_writes / 1e6:,.2f} M | {b.kv_lists / 1e3:,.1f} k | {b.kv_gb:,.2f} GB "
            f"| ${b.workers_usd:,.2f} | ${b.kv_reads_usd:,.2f} | ${b.kv_writes_usd:,.2f} "
            f"| ${b.kv_other_usd:,.2f} | **${b.total_usd:,.2f}** |"
        )
    return rows


def operations_table(m: Measurement) -> list[str]:
    """What the emulator counted, Markdown rows."""
    rows = [
        "| what | KV reads: operations (keys) | KV writes | KV lists | KV deletes |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, attribute in SCENARIOS.items():
        beat: Heartbeat = getattr(m, attribute)
        rows.append(
            f"| one heartbeat (a day's average), {label} | {beat.reads:g} ({beat.keys_read:g}) "
            f"| {beat.writes:.2f} | 0 | 0 |"
        )
    for sweep in m.sweeps:
        rows.append(
            f"| sixteen sweep runs (a full cycle), {sweep.fleet:,} licenses "
            f"| {sweep.reads:,} ({sweep.keys_read:,}) | {sweep.writes} "
            f"| {sweep.lists:,} | {sweep.deletes} |"
        )
    return rows


def prices_table(prices: Prices = PRICES) -> list[str]:
    """The prices used, Markdown rows."""
    p = prices
    lines = [
        ("Workers Paid subscription", "", f"${p.subscription:.2f} per month"),
        (
            "Workers requests",
            f"{p.requests_included / 1e6:g} M",
            f"${p.per_million_requests:.2f} per M",
        ),
        (
            "Workers CPU time",
            f"{p.cpu_ms_included / 1e6:g} M ms",
            f"${p.per_million_cpu_ms:.2f} per M ms",
        ),
        ("KV reads", f"{p.kv_reads_included / 1e6:g} M", f"${p.per_million_kv_reads:.2f} per M"),
        ("KV writes", f"{p.kv_writes_included / 1e6:g} M", f"${p.per_million_kv_writes:.2f} per M"),
        ("KV lists", f"{p.kv_lists_included / 1e6:g} M", f"${p.per_million_kv_lists:.2f} per M"),
        ("KV stored data", f"{p.kv_gb_included:g} GB", f"${p.per_kv_gb_month:.2f} per GB-month"),
    ]
    header = ["| item | included per month | beyond that |", "|---|---:|---:|"]
    return header + [f"| {item} | {included} | {beyond} |" for item, included, beyond in lines]


def tables(m: Measurement) -> dict[str, list[str]]:
    """Every table docs/COSTS.md shows, by its heading."""
    shown = {"prices": prices_table(), "operations": operations_table(m)}
    for label, attribute in SCENARIOS.items():
        shown[label] = bill_table(m, getattr(m, attribute))
    return shown


if __name__ == "__main__":
    measured = measure()
    print(f"bytes per license (90 days of hourly timestamps): {measured.bytes_per_license:,}")
    print(f"CPU per request (assumed): {CPU_MS_PER_REQUEST} ms")
    for heading, rows in tables(measured).items():
        print(f"\n{heading}\n")
        print("\n".join(rows))
