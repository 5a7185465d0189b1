"""docs/COSTS.md shows what the emulator measures, priced at the figures it states."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.costs.bill import CPU_MS_PER_REQUEST, PRICES, SCENARIOS, monthly_bill, tables
from tests.costs.steady_state import FLEETS, Measurement, measure

DOC = Path(__file__).resolve().parents[2] / "docs" / "COSTS.md"


@pytest.fixture(scope="module")
def measured() -> Measurement:
    return measure()


def test_every_table_in_the_doc_is_measured_not_typed(measured: Measurement) -> None:
    text = DOC.read_text(encoding="utf-8")
    for heading, rows in tables(measured).items():
        for row in rows:
            assert row in text, (
                f"docs/COSTS.md, {heading}: expected the row\n{row}\n"
                "(`uv run python -m tests.costs.bill` prints every table from a new measurement)"
            )
    assert f"{measured.bytes_per_license:,} bytes" in text
    largest = FLEETS[-1]
    heartbeat = measured.changing_stats
    slower = monthly_bill(largest, heartbeat, measured, PRICES, 10.0).total_usd
    assumed = monthly_bill(largest, heartbeat, measured, PRICES, CPU_MS_PER_REQUEST).total_usd
    assert (
        f"At 10 ms per request the\n100,000-deployment bill grows by about ${slower - assumed:.0f}."
        in text
    )


def test_a_steady_state_heartbeat_keeps_the_contracts_kv_budget(measured: Measurement) -> None:
    # At most 2 read operations; at most 1 write without stats, 2 with accepted stats.
    for beat in (measured.changing_stats, measured.same_stats):
        assert beat.reads <= 2 and beat.writes <= 2
    assert measured.no_stats.reads <= 2 and measured.no_stats.writes == 1
    # Unchanged stats are rewritten once a day at most (the skip other branches measure too).
    assert measured.same_stats.writes <= 1 + 1 / 24


def test_the_sweep_stays_within_one_invocations_operations(measured: Measurement) -> None:
    for sweep in measured.sweeps:
        per_run = (sweep.reads + sweep.lists + sweep.writes + sweep.deletes) / 16
        assert per_run < 1000, sweep


@pytest.mark.parametrize("fleet", FLEETS[1:])
def test_kv_writes_are_the_largest_line_when_stats_change(
    measured: Measurement, fleet: int
) -> None:
    heartbeat = getattr(measured, SCENARIOS["stats change every hour"])
    bill = monthly_bill(fleet, heartbeat, measured, PRICES, 2.0)
    others = (bill.workers_usd, bill.kv_reads_usd, bill.kv_other_usd)
    assert bill.kv_writes_usd > max(others)
