"""The README's benchmark figures are generated from bench/results.json, never typed by hand."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bench import readme


def _results() -> dict[str, Any]:
    return json.loads(readme.RESULTS.read_text(encoding="utf-8"))


def test_readme_block_is_what_the_results_file_generates() -> None:
    text = readme.README.read_text(encoding="utf-8")
    assert text.count(readme.BEGIN) == 1 and text.count(readme.END) == 1
    assert readme.rewrite(text, readme.figures(_results())) == text
    assert readme.main(["--check"]) == 0


def test_a_changed_result_changes_the_block() -> None:
    results = copy.deepcopy(_results())
    before = readme.figures(results)
    results["machine"]["date"] = "1999-01-01T00:00:00Z"
    assert "1999-01-01T00:00:00Z" in readme.figures(results) != before


def test_the_handler_row_says_missed_above_the_target() -> None:
    case = {
        "within_budget": True,
        "handler": {"ratio_to_floor_plus_signature": readme.HANDLER_RATIO_TARGET + 0.01},
    }
    results = {
        "machine": {
            "date": "d",
            "cpu_model": "c",
            "cores": 2,
            "implementation": "CPython",
            "python": "3.11",
        },
        "inprocess": {"cases": {"heartbeat": case, "heartbeat_stats": case}},
    }
    row = next(r for r in readme.figures(results).splitlines() if "lease signature" in r)
    assert "| missed without stats, missed with stats (<= 2x) |" in row


def test_rewrite_needs_the_markers() -> None:
    with pytest.raises(ValueError, match="no"):
        readme.rewrite("# a README without the block\n", "figures")
