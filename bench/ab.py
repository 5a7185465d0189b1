"""The emulator's in-process dispatch figure, A/B against another git revision in one run.

``uv run python -m bench.ab [--against main] [--rounds 10] [-n 3000]`` extracts the
revision's ``packages/workers-emulator/src`` into a temporary folder, then measures
``bench.inprocess.measure_dispatch`` (a Worker answering ``{}``) in fresh subprocesses, the
two trees alternating round by round, so a slow spell of the machine falls on both alike.
Prints each round's medians and the median of the per-round ratios (this tree / the other).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "packages/workers-emulator/src"

_MEASURE = """
import asyncio, json, sys
import workers_emulator
from bench.inprocess import measure_dispatch
result = asyncio.run(measure_dispatch({n}, {warmup}))
print(json.dumps({{"median_us": result["median_us"], "file": workers_emulator.__file__}}))
"""


def extract(revision: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, PACKAGE],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / PACKAGE


def measure(source: Path, n: int, warmup: int) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), str(ROOT)])}
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(n=n, warmup=warmup)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    ).stdout
    doc = json.loads(out.strip().splitlines()[-1])
    if not doc["file"].startswith(str(source)):
        raise RuntimeError(f"measured {doc['file']}, not the tree under {source}")
    return float(doc["median_us"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", default="main")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as tmp:
        other = extract(args.against, Path(tmp))
        this = ROOT / PACKAGE
        ratios, mine, theirs = [], [], []
        for round_ in range(args.rounds):
            order = [(this, mine), (other, theirs)]
            if round_ % 2:
                order.reverse()
            for source, samples in order:
                samples.append(measure(source, args.n, args.warmup))
            ratios.append(mine[-1] / theirs[-1])
            print(
                f"round {round_ + 1}: this {mine[-1]:.1f} us, {args.against} "
                f"{theirs[-1]:.1f} us, ratio {ratios[-1]:.3f}",
                flush=True,
            )
    print(
        f"median: this {statistics.median(mine):.1f} us, {args.against} "
        f"{statistics.median(theirs):.1f} us; median ratio {statistics.median(ratios):.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
