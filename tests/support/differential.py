"""How a differential test compares workerd's answers with the emulator's, step by step, and
reports the steps where they differ (the label, both answers, and where inside them).

Each test keeps its own tolerance (a value the two runtimes cannot agree on to the letter) as a
``Tolerance``; everything else must be the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

# Called on each pair of values before they are compared: ``None`` when the rule does not
# apply there, else the differences it finds (``[]``: accepted as they are).
Tolerance = Callable[[str, Any, Any], list[str] | None]


def differences(
    workerd: Any,
    emulator: Any,
    *,
    tolerate: Tolerance | None = None,
    exact_types: bool = True,
    path: str = "",
) -> list[str]:
    """Where two answers differ, by path (``.key``, ``[index]``); with ``exact_types`` a leaf
    must also be of the same type (``2`` is not ``2.0``, ``1`` is not ``True``), without it
    the comparison is Python's ``==``."""
    if tolerate is not None:
        ruled = tolerate(path, workerd, emulator)
        if ruled is not None:
            return ruled
    if isinstance(workerd, dict) and isinstance(emulator, dict):
        if set(workerd) != set(emulator):
            return [f"{path}: keys {sorted(workerd)} != {sorted(emulator)}"]
        return [
            d
            for k in workerd
            for d in differences(
                workerd[k],
                emulator[k],
                tolerate=tolerate,
                exact_types=exact_types,
                path=f"{path}.{k}",
            )
        ]
    if isinstance(workerd, list) and isinstance(emulator, list):
        if len(workerd) != len(emulator):
            lengths = f"length {len(workerd)} != {len(emulator)}"
            return [f"{path}: {lengths}: {workerd!r} != {emulator!r}"]
        return [
            d
            for i, (a, b) in enumerate(zip(workerd, emulator, strict=True))
            for d in differences(
                a, b, tolerate=tolerate, exact_types=exact_types, path=f"{path}[{i}]"
            )
        ]
    if workerd != emulator or (exact_types and type(workerd) is not type(emulator)):
        return [f"{path}: {workerd!r} != {emulator!r}"]
    return []


def step_labels(scenario: Sequence[Any], width: int = 200) -> list[str]:
    """``step <i> <the step as JSON>`` for each step of a scenario, cut to ``width``."""
    return [
        f"step {i} {json.dumps(step, ensure_ascii=False)[:width]}"
        for i, step in enumerate(scenario)
    ]


def assert_same_answers(
    labels: Sequence[str],
    workerd: Sequence[Any],
    emulator: Sequence[Any],
    *,
    tolerate: Tolerance | None = None,
    exact_types: bool = True,
) -> None:
    """Fail unless each runtime answered every step, and alike (see ``differences``); the
    message lists every step that differs."""
    assert len(workerd) == len(emulator) == len(labels), (
        f"{len(labels)} steps, answered {len(workerd)} by workerd, {len(emulator)} by the emulator"
    )
    mismatches = []
    for label, a, b in zip(labels, workerd, emulator, strict=True):
        found = differences(a, b, tolerate=tolerate, exact_types=exact_types)
        if found:
            # Where inside the answers, unless they are plain values (shown in full already).
            where = "".join(f"\n  {d}" for d in found) if isinstance(a, dict | list) else ""
            mismatches.append(f"{label}\n  workerd:  {a}\n  emulator: {b}{where}")
    assert not mismatches, "\n".join(mismatches)


def assert_same_named_answers(
    workerd: dict[str, Any], emulator: dict[str, Any], *, apart: Sequence[str] = ()
) -> None:
    """``assert_same_answers`` for answers by step name, in the same order, leaving out the
    steps named in ``apart`` (each pinned on its own)."""
    assert list(emulator) == list(workerd)
    names = [name for name in workerd if name not in apart]
    assert_same_answers(names, [workerd[n] for n in names], [emulator[n] for n in names])
