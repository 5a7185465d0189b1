"""A/B in one run: ``uv run python -m bench --ab REV`` (or ``python -m bench.ab REV``).

This tree and REV (checked out into a temporary ``git worktree``) each run in a process of
their own: the Worker from their ``src/`` and ``wrangler.toml``, the emulator from their
``packages/workers-emulator``, the same installed libraries. The parent hands both the same
slices in turn (the order flipping every round), so the machine's slow and fast spells fall on
both alike; the figures are CPU medians per request. Cases: a heartbeat and a heartbeat with
stats through ``Emulator.fetch`` (the Worker and the emulator), and the emulator's dispatch of
a Worker answering ``{}`` at once (the emulator alone). The verdicts are the clean-up issues'
"heartbeat CPU within 10% of before" and "emulator dispatch cost not more than 10% up".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.cases import LATEST, STATS, VERSION
from bench.inprocess import ADMIN_TOKEN, LEASE_SIGNING_KEY, NULL_WORKER
from bench.stats import median, percentile, summarize_ns

ROOT = Path(__file__).resolve().parent.parent
CASES = ("heartbeat", "heartbeat_stats", "dispatch")
WITHIN = 1.10  # "within 10%": this tree's median at most 1.1x REV's
DISPATCH_SLICE = 5
# Each heartbeat case has its own pool, so a license comes back only after more than a second
# (KV's one write per key per second would otherwise make the stats write retry).
LICENSES_PER_CASE = 2500


# --- the measuring process, one per tree ------------------------------------------------------


BASE = "http://127.0.0.1:8787"
JSON = {"content-type": "application/json"}


async def _set_up(emu: Any, count: int) -> list[str]:
    """The release and ``count`` licenses, through the tree's own admin API."""
    admin = {"authorization": f"Bearer {ADMIN_TOKEN}", **JSON}
    release = json.dumps({"latest_version": LATEST}).encode()
    resp = await emu.fetch("PUT", f"{BASE}/v1/admin/release", headers=admin, body=release)
    assert resp.status_code == 200, resp.content
    keys = []
    for i in range(count):
        body = json.dumps(
            {"customer": f"ab-{i}", "plan": "enterprise", "expires_at": "2036-01-01T00:00:00Z"}
        ).encode()
        resp = await emu.fetch("POST", f"{BASE}/v1/admin/licenses", headers=admin, body=body)
        assert resp.status_code == 201, resp.content
        keys.append(json.loads(resp.content)["license_key"])
    return keys


class Tree:
    """One tree's emulators, and its requests for each case (licenses round-robin)."""

    def __init__(self, emu: Any, null: Any, keys: list[str]) -> None:
        half = len(keys) // 2
        self.emu = emu
        self.null = null
        self.pools = {"heartbeat": keys[:half], "heartbeat_stats": keys[half:]}
        self.used = {"heartbeat": 0, "heartbeat_stats": 0}
        self.null_body = json.dumps({"license_key": keys[0], "version": VERSION}).encode()

    async def measure(self, case: str, count: int) -> list[int]:
        clock = time.process_time_ns
        samples = []
        if case == "dispatch":
            headers = {**JSON, "cf-connecting-ip": "2001:db8::1"}
            for _ in range(count):
                t0 = clock()
                await self.null.fetch(
                    "POST", f"{BASE}/v1/validate", headers=headers, body=self.null_body
                )
                samples.append(clock() - t0)
            return samples
        pool = self.pools[case]
        extra = {"stats": STATS} if case == "heartbeat_stats" else {}
        for _ in range(count):
            i = self.used[case]
            self.used[case] += 1
            doc = {"license_key": pool[i % len(pool)], "version": VERSION, **extra}
            body = json.dumps(doc).encode()
            headers = {**JSON, "cf-connecting-ip": f"2001:db8::{i:x}"}
            t0 = clock()
            resp = await self.emu.fetch("POST", f"{BASE}/v1/validate", headers=headers, body=body)
            samples.append(clock() - t0)
            if resp.status_code != 200:
                raise RuntimeError(f"{case}: {resp.status_code} {resp.content[:200]!r}")
        return samples


def serve(tree: Path, licenses: int) -> None:
    """Answer ``CASE COUNT`` lines on stdin with a JSON list of CPU samples (ns) on stdout."""
    # This tree's emulator, not the installed one (an editable install of the current tree).
    sys.path.insert(0, str(tree / "packages" / "workers-emulator" / "src"))
    import asyncio

    from workers_emulator import Emulator

    answers = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (stray prints must not reach the pipe)

    async def main(null_folder: Path) -> None:
        secrets = {"ADMIN_TOKEN": ADMIN_TOKEN, "LEASE_SIGNING_KEY": LEASE_SIGNING_KEY}
        emu = Emulator(str(tree / "wrangler.toml"), secrets=secrets)
        (null_folder / "null_worker.py").write_text(NULL_WORKER)
        (null_folder / "wrangler.toml").write_text('name = "null"\nmain = "null_worker.py"\n')
        null = Emulator(str(null_folder / "wrangler.toml"))
        measuring = Tree(emu, null, await _set_up(emu, 2 * licenses))
        answers.write("ready\n")
        for line in sys.stdin:
            case, count = line.split()
            answers.write(json.dumps(await measuring.measure(case, int(count))) + "\n")

    with tempfile.TemporaryDirectory(prefix="bench-ab-null-") as tmp:
        asyncio.run(main(Path(tmp)))


# --- the driver ------------------------------------------------------------------------------


@contextlib.contextmanager
def checked_out(rev: str) -> Iterator[tuple[Path, str]]:
    """REV in a temporary detached worktree (removed afterwards), and its short hash."""
    short = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", f"{rev}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    folder = Path(tempfile.mkdtemp(prefix="bench-ab-")) / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder), rev],
        check=True,
    )
    try:
        yield folder, short
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False
        )
        with contextlib.suppress(OSError):
            folder.parent.rmdir()


class Side:
    """One tree's measuring process."""

    def __init__(self, label: str, tree: Path, licenses: int) -> None:
        self.label = label
        self.tree = tree
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.ab", "--serve", str(tree), "--licenses", str(licenses)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        # Per case, one list of samples per round (the verdict compares round by round).
        self.rounds: dict[str, list[list[int]]] = {case: [] for case in CASES}
        if self._read() != "ready":
            raise RuntimeError(f"{label}: the measuring process did not start")

    def _read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(
                f"{self.label}: the measuring process exited ({self.process.wait()})"
            )
        return line.strip()

    def run(self, case: str, count: int, record: bool = True) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{case} {count}\n")
        samples = json.loads(self._read())
        if record:
            self.rounds[case].append(samples)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def compare(
    before: dict[str, list[list[int]]], after: dict[str, list[list[int]]]
) -> dict[str, Any]:
    """Per case: both medians over all rounds, and this tree's over REV's as the median of the
    rounds' ratios (robust to a round that a burst of other work fell on), with its quartiles
    and the 10% verdict."""
    out: dict[str, Any] = {}
    for case in CASES:
        ratios = sorted(
            median(b) / median(a) for a, b in zip(before[case], after[case], strict=True)
        )
        ratio = round(median(ratios), 3)
        out[case] = {
            "rev": summarize_ns([x for r in before[case] for x in r]),
            "this_tree": summarize_ns([x for r in after[case] for x in r]),
            "ratio": ratio,
            "ratio_quartiles": [round(percentile(ratios, 25), 3), round(percentile(ratios, 75), 3)],
            "within_10_percent": ratio <= WITHIN,
        }
    return out


def render(rev: str, result: dict[str, Any]) -> str:
    lines = [
        f"{'case':<18}{'REV ' + rev + ' us':>18}{'this tree us':>15}{'this/REV':>10}"
        f"{'rounds p25-p75':>17}  within 10%",
    ]
    for case, r in result.items():
        low, high = r["ratio_quartiles"]
        lines.append(
            f"{case:<18}{r['rev']['median_us']:>18.1f}{r['this_tree']['median_us']:>15.1f}"
            f"{r['ratio']:>9.3f}x{low:>9.3f}-{high:.3f}  "
            f"{'yes' if r['within_10_percent'] else 'NO'}"
        )
    return "\n".join(lines)


def run_ab(rev: str, rounds: int, per_round: int, warmup: int, licenses: int) -> dict[str, Any]:
    with checked_out(rev) as (tree, short):
        sides = [Side(f"REV {short}", tree, licenses), Side("this tree", ROOT, licenses)]
        try:
            for side in sides:
                for case in CASES:
                    side.run(case, warmup, record=False)
            for k in range(rounds):
                for case in CASES:
                    # Dispatch is ~15x cheaper than a heartbeat: longer slices, same duration.
                    count = per_round * DISPATCH_SLICE if case == "dispatch" else per_round
                    for side in sides if k % 2 == 0 else sides[::-1]:
                        side.run(case, count)
        finally:
            for side in sides:
                side.close()
        result = compare(sides[0].rounds, sides[1].rounds)
    return {
        "rev": rev,
        "rev_commit": short,
        "what": f"{rounds} rounds of {per_round} requests per case and tree "
        f"({per_round * DISPATCH_SLICE} for dispatch) after {warmup} warm-up, the two trees "
        "taking turns (order flipped every round); CPU medians; ratio: the median of the "
        "rounds' ratios",
        "cases": result,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("rev", nargs="?", help="the revision to compare this tree with")
    parser.add_argument("--against", metavar="REV", help="the same, as an option")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--licenses", type=int, default=LICENSES_PER_CASE)
    parser.add_argument("--output", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        serve(args.serve, args.licenses)
        return 0
    rev = args.rev or args.against
    if not rev:
        parser.error("give the revision to compare with (e.g. main, HEAD~3)")
    result = run_ab(rev, args.rounds, args.per_round, args.warmup, args.licenses)
    print(render(result["rev_commit"], result["cases"]))
    if args.output:
        args.output.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if all(r["within_10_percent"] for r in result["cases"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
