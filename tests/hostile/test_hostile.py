"""Hostile traffic through the Worker in-process: it holds, writes nothing it should not, leaks
nothing. One test per generator; the figures are printed in pytest's terminal summary.

Invariants for every answer (docs/API.md "HTTP API"):
- no status >= 500, no traceback or source path anywhere in the answer;
- every error is exactly ``{"error": {"code", "message"}}`` with a code docs/API.md defines for that
  status, ``Retry-After`` on 429 and 503;
- no KV write or delete unless the answer is a success (2xx);
- where the generator says so, the exact (status, code) and zero KV operations of any kind.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from workers_emulator import Emulator, EmulatorResponse, ManualClock, OpCounts

from tests.hostile.generators import GENERATORS, Case, Target
from tests.hostile.harness import (
    ADMIN_TOKEN,
    FIGURES,
    Runner,
    Undeliverable,
    create_license,
    make_emulator,
)

# Codes docs/API.md defines, by status, plus the router's own two (unknown path, wrong method).
DEFINED_CODES: dict[int, set[str]] = {
    400: {"invalid_json", "invalid_request"},
    401: {"unauthorized"},
    404: {"license_not_found", "not_found"},
    405: {"method_not_allowed"},
    409: {"license_revoked"},
    413: {"request_too_large"},
    429: {"rate_limited"},
    503: {"storage_unavailable"},
}
# What a leaked stack trace or source location looks like.
LEAK = re.compile(
    # "/x.py", not ".py" alone: a lease (base64url, no "/") may contain ".py-" by chance.
    r"Traceback|File \"|/[\w.-]+\.py\b|line \d+, in|site-packages|/work/|/home/|/usr/lib|"
    r"Error\(|Exception\(|JsException|<module>",
)
CHUNK = 1024
# Per request the clock moves on: every rate-limit window sees at most 20 of them, so the
# generators reach the parsers and handlers instead of the limiter (tested on its own).
TICK_SECONDS = 3


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[Emulator, Runner, Target]]:
    clock = ManualClock(start=1_798_761_600.0)
    emu = make_emulator(clock)
    runner = Runner(emu)
    license_ = create_license(runner.emulator, expires_at="2099-01-01T00:00:00Z")
    yield emu, runner, Target(license_.key, license_.id, ADMIN_TOKEN)
    runner.close()
    emu.close()


def check_answer(case: Case, response: EmulatorResponse) -> list[str]:
    """Every broken promise of one answer, as text (empty: the answer is fine)."""
    problems: list[str] = []
    status = response.status_code
    text = response.content.decode("utf-8", "replace")
    headers = dict(response.headers.items())
    ops = response.kv_ops["LICENSE_KV"]
    if status >= 500:
        problems.append(f"status {status}")
    leaked = LEAK.search(text) or LEAK.search(json.dumps(headers))
    if leaked:
        problems.append(f"leak {leaked.group()!r} in answer")
    if not 200 <= status < 300 and (ops.writes or ops.deletes):
        problems.append(f"{status} after {ops.writes} writes / {ops.deletes} deletes")
    if case.zero_ops and ops.total:
        problems.append(f"{ops.total} KV operations where the contract promises none")
    code: str | None = None
    if status >= 400:
        code, shape_problem = _error_code(response)
        if shape_problem:
            problems.append(shape_problem)
        elif code not in DEFINED_CODES.get(status, set()):
            problems.append(f"code {code!r} is not defined for {status}")
        if status in (429, 503) and not re.fullmatch(r"\d+", headers.get("retry-after", "")):
            problems.append(f"{status} without a numeric Retry-After")
    if case.expect is not None and (status, code) not in case.expect:
        problems.append(f"({status}, {code}) not in {sorted(case.expect, key=str)}")
    if case.check_stats and status == 200:
        verdict = response.json().get("stats")
        got = None if verdict is None or verdict.get("accepted") else verdict.get("reason")
        if verdict is None or got != case.stats_reason:
            problems.append(f"stats verdict {verdict} but the oracle says {case.stats_reason}")
    return problems


def _error_code(response: EmulatorResponse) -> tuple[str | None, str | None]:
    try:
        data: Any = json.loads(response.content)
    except ValueError:
        return None, f"{response.status_code} error body is not JSON: {response.content[:80]!r}"
    if (
        not isinstance(data, dict)
        or set(data) != {"error"}
        or not isinstance(data["error"], dict)
        or set(data["error"]) != {"code", "message"}
        or not all(isinstance(v, str) for v in data["error"].values())
    ):
        return None, f"error body is not the contract's shape: {response.content[:120]!r}"
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None, "error answer is not application/json"
    return data["error"]["code"], None


def run_generator(name: str, emu: Emulator, runner: Runner, target: Target) -> dict[str, Any]:
    clock: ManualClock = emu.clock
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    figures = {"requests": 0, "undeliverable": 0, "ge_500": 0, "leaks": 0, "bad_writes": 0}
    log_start = len(emu.log_lines)
    for case in GENERATORS[name](target, random.Random(f"hostile-{name}")):
        clock.advance(TICK_SECONDS)
        chunks = None
        if case.chunked and case.body:
            chunks = [case.body[i : i + CHUNK] for i in range(0, len(case.body), CHUNK)]
        try:
            response = runner.send(case.method, case.path, case.headers, case.body, chunks=chunks)
        except Undeliverable:
            figures["undeliverable"] += 1
            continue
        figures["requests"] += 1
        statuses[response.status_code] += 1
        problems = check_answer(case, response)
        figures["ge_500"] += response.status_code >= 500
        figures["leaks"] += any(p.startswith("leak") for p in problems)
        figures["bad_writes"] += any(" writes / " in p for p in problems)
        if problems and len(failures) < 15:
            body = case.body if case.body is None else case.body[:160]
            failures.append(f"{case.method} {case.path[:80]} {body!r}: {'; '.join(problems)}")
        elif problems:
            failures.append("…")
    logs = emu.log_lines[log_start:]
    leaked_logs = [line for line in logs if "Traceback" in line or "internal_error" in line]
    figures["log_tracebacks"] = len(leaked_logs)
    figures["statuses"] = dict(sorted(statuses.items()))
    figures["failures"] = len(failures)
    FIGURES[name] = figures
    assert not leaked_logs, leaked_logs[:5]
    assert not failures, "\n".join(failures[:15]) + f"\n({len(failures)} failing answers)"
    return figures


@pytest.mark.parametrize("name", list(GENERATORS))
def test_hostile_generator(name: str, hostile: tuple[Emulator, Runner, Target]) -> None:
    emu, runner, target = hostile
    figures = run_generator(name, emu, runner, target)
    assert figures["requests"] > 0


def test_at_least_ten_thousand_hostile_requests() -> None:
    target = Target("CC-0000-0000-0000-0000-0000-0000-0000", "0" * 32, ADMIN_TOKEN)
    total = sum(
        1 for name, gen in GENERATORS.items() for _ in gen(target, random.Random(f"hostile-{name}"))
    )
    assert total >= 10_000, total


def test_wrong_admin_tokens_are_indistinguishable(hostile: tuple[Emulator, Runner, Target]) -> None:
    """Every refused admin call gets the same bytes: nothing tells a near miss from garbage."""
    _emu, runner, target = hostile
    answers: set[tuple[int, bytes, tuple[tuple[str, str], ...]]] = set()
    for case in GENERATORS["admin_tokens"](target, random.Random(7)):
        try:
            response = runner.send(case.method, case.path, case.headers, case.body)
        except Undeliverable:
            continue
        assert response.kv_ops["LICENSE_KV"].total == 0
        headers = tuple(sorted(response.headers.items()))
        answers.add((response.status_code, response.content, headers))
    assert len(answers) == 1, answers


def _answer(status: int, body: bytes, writes: int = 0, **headers: str) -> EmulatorResponse:
    ops = {"LICENSE_KV": OpCounts(writes=writes)}
    items = [("content-type", "application/json"), *headers.items()]
    return EmulatorResponse(status, items, body, ops, "")


@pytest.mark.parametrize(
    ("answer", "broken"),
    [
        (_answer(500, b'{"error":{"code":"internal_error","message":"x"}}'), "status 500"),
        (_answer(400, b'Traceback (most recent call last):\n  File "/app/x.py"'), "leak"),
        (_answer(400, b'{"error":{"code":"invalid_json","message":"at /srv/a.py"}}'), "leak"),
        (_answer(400, b'{"error":{"code":"invalid_json"}}'), "contract's shape"),
        (_answer(400, b'{"error":{"code":"nope","message":"m"}}'), "not defined"),
        (_answer(404, b'{"error":{"code":"not_found","message":"m"}}', writes=1), "writes"),
        (_answer(429, b'{"error":{"code":"rate_limited","message":"m"}}'), "Retry-After"),
    ],
)
def test_the_invariant_checker_catches_each_broken_promise(
    answer: EmulatorResponse, broken: str
) -> None:
    case = Case("POST", "/v1/validate", (), b"{}")
    problems = check_answer(case, answer)
    assert any(broken in problem for problem in problems), problems
    assert check_answer(case, _answer(200, b"{}")) == []
