"""``python -m bench --ab REV``: this tree and REV measured in one run, each on its own code."""

from __future__ import annotations

import json
from pathlib import Path

from bench import ab


def test_the_verdict_is_ten_percent_of_revs_median() -> None:
    before = {case: [[100_000] * 3, [100_000] * 3] for case in ab.CASES}
    after = {
        "heartbeat": [[110_000] * 3, [110_000] * 3],
        "heartbeat_stats": [[111_000] * 3, [111_000] * 3],
        "dispatch": [[90_000] * 3, [90_000] * 3],
    }
    result = ab.compare(before, after)
    assert result["heartbeat"]["ratio"] == 1.1 and result["heartbeat"]["within_10_percent"]
    assert not result["heartbeat_stats"]["within_10_percent"]
    assert result["dispatch"]["ratio"] == 0.9 and result["dispatch"]["within_10_percent"]


def test_one_disturbed_round_does_not_decide() -> None:
    before = {case: [[100_000], [100_000], [100_000]] for case in ab.CASES}
    # A burst of other work fell on this tree's second round: 50% slower there only.
    after = {case: [[101_000], [150_000], [102_000]] for case in ab.CASES}
    result = ab.compare(before, after)
    assert result["heartbeat"]["ratio"] == 1.02 and result["heartbeat"]["within_10_percent"]
    assert result["heartbeat"]["ratio_quartiles"] == [1.01, 1.5]


def test_both_trees_are_measured_in_turns_and_the_worktree_is_removed(tmp_path: Path) -> None:
    output = tmp_path / "ab.json"
    args = ["HEAD", "--rounds", "2", "--per-round", "5", "--warmup", "2", "--licenses", "20"]
    ab.main([*args, "--output", str(output)])
    result = json.loads(output.read_text())
    assert set(result["cases"]) == set(ab.CASES)
    for case in result["cases"].values():
        # Two rounds on each side (five requests, 25 for dispatch), warm-up left out.
        assert case["rev"]["n"] == case["this_tree"]["n"] in (10, 10 * ab.DISPATCH_SLICE)
        assert case["rev"]["median_us"] > 0 and case["this_tree"]["median_us"] > 0
    worktrees = ab.subprocess.run(
        ["git", "-C", str(ab.ROOT), "worktree", "list"], capture_output=True, text=True, check=True
    ).stdout
    assert "bench-ab-" not in worktrees
