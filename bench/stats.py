"""Order statistics for timing samples (nearest-rank, so p99 is a sample that really happened)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; ``pct`` in [0, 100]."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])


def median(samples: Sequence[float]) -> float:
    if not samples:
        return math.nan
    ordered = sorted(samples)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def summarize_ns(samples_ns: Sequence[int]) -> dict[str, float | int]:
    """Median / p99 / mean in microseconds of nanosecond samples."""
    return {
        "n": len(samples_ns),
        "median_us": round(median(samples_ns) / 1000, 2),
        "p99_us": round(percentile(samples_ns, 99) / 1000, 2),
        "mean_us": round(sum(samples_ns) / len(samples_ns) / 1000, 2) if samples_ns else math.nan,
    }


def distribution(values: Sequence[int]) -> dict[str, int | float | dict[str, int]]:
    """Min/max/mode/mean of small integer counts (KV operations per request)."""
    if not values:
        return {"min": 0, "max": 0, "mode": 0, "mean": 0.0, "histogram": {}}
    counts = Counter(values)
    return {
        "min": min(values),
        "max": max(values),
        "mode": counts.most_common(1)[0][0],
        "mean": round(sum(values) / len(values), 4),
        "histogram": {str(k): v for k, v in sorted(counts.items())},
    }
