"""``uv run python -m bench [--quick] [--skip-http] [--ab REV]``: measure, print, write JSON."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.machine import load_average, machine_info, wait_until_quiet
from bench.report import render, targets

RESULTS = Path(__file__).resolve().parent / "results.json"
# --quick writes here (git-ignored) so a smoke run never overwrites the committed full run.
QUICK_RESULTS = Path(__file__).resolve().parent / "results.local.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short smoke run (minutes -> s)")
    parser.add_argument("--skip-http", action="store_true", help="no dev-server load test")
    parser.add_argument("--skip-cold", action="store_true", help="no cold-start measurement")
    parser.add_argument("--requests", type=int, help="requests per in-process case")
    parser.add_argument("--output", type=Path, help="where to write the JSON results")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each phase, wait up to this long for the 1-min load average to drop",
    )
    parser.add_argument(
        "--quiet-load", type=float, default=0.7, help="the load average --wait-quiet waits for"
    )
    parser.add_argument(
        "--ab",
        metavar="REV",
        help="instead: this tree against REV, interleaved in one run (see bench/ab.py)",
    )
    args = parser.parse_args(argv)
    if args.ab:
        from bench import ab

        return ab.main([args.ab, *(["--output", str(args.output)] if args.output else [])])

    n = args.requests or (500 if args.quick else 5000)
    warmup = 50 if args.quick else 500
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine_info(), "quick": args.quick}

    def phase(name: str) -> None:
        waited = wait_until_quiet(args.wait_quiet, args.quiet_load) if args.wait_quiet else 0.0
        results.setdefault("load_average", {})[name] = {
            "before": load_average(),
            "waited_s": waited,
        }

    from bench.inprocess import run_inprocess

    phase("inprocess")

    # Enough licenses that one comes back only after more than a second: KV allows one write
    # per second per key (the stats entry), and a refused write would be retried, which the
    # KV counts would show as a third write. 30 requests per 60 s per license is then far away.
    licenses = n + warmup if args.quick else 4096
    results["inprocess"] = run_inprocess(n=n, warmup=warmup, licenses=licenses)
    print("in-process: done", file=sys.stderr)

    if not args.skip_cold:
        from bench.coldstart import run_cold_start

        phase("cold_start")
        results["cold_start"] = run_cold_start(runs=3 if args.quick else 10)
        print("cold start: done", file=sys.stderr)

    if not args.skip_http:
        from bench.devserver import run_http

        phase("http")
        results["http"] = run_http(
            duration=2.0 if args.quick else 10.0,
            warmup=1.0 if args.quick else 3.0,
            licenses=500 if args.quick else 5000,
        )
        print("http: done", file=sys.stderr)

    results["load_average"]["end"] = load_average()
    results["targets"] = targets(results)
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    out = args.output or (QUICK_RESULTS if args.quick else RESULTS)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(render(results))
    print(f"\nwrote {out}")
    if out == RESULTS:
        from bench import readme

        readme.main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
