"""``python -m bench --ab REV``: this tree and REV measured in one run, each on its own code."""

from __future__ import annotations

import json
from pathlib import Path

from bench import ab


def test_the_verdict_is_ten_percent_of_revs_median() -> None:
    before = {case: [100_000] * 3 for case in ab.CASES}
    after = {"heartbeat": [110_000] * 3, "heartbeat_stats": [111_000] * 3, "dispatch": [90_000] * 3}
    result = ab.compare(before, after)
    assert result["heartbeat"]["ratio"] == 1.1 and result["heartbeat"]["within_10_percent"]
    assert not result["heartbeat_stats"]["within_10_percent"]
    assert result["dispatch"]["ratio"] == 0.9 and result["dispatch"]["within_10_percent"]


def test_both_trees_are_measured_in_turns_and_the_worktree_is_removed(tmp_path: Path) -> None:
    output = tmp_path / "ab.json"
    args = ["HEAD", "--rounds", "2", "--per-round", "5", "--warmup", "2", "--licenses", "20"]
    ab.main([*args, "--output", str(output)])
    result = json.loads(output.read_text())
    assert set(result["cases"]) == set(ab.CASES)
    for case in result["cases"].values():
        # Two rounds of five requests on each side, warm-up left out.
        assert case["rev"]["n"] == case["this_tree"]["n"] == 10
        assert case["rev"]["median_us"] > 0 and case["this_tree"]["median_us"] > 0
    worktrees = ab.subprocess.run(
        ["git", "-C", str(ab.ROOT), "worktree", "list"], capture_output=True, text=True, check=True
    ).stdout
    assert "bench-ab-" not in worktrees
