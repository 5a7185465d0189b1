"""D1 operations are counted per invocation (under the shared 1000-operation cap) and
cumulatively, and the one fault switch fails them as a D1 outage would, changing nothing."""

from __future__ import annotations

import asyncio

import pytest
from workers_emulator.errors import JsException
from workers_emulator.faults import FaultInjector
from workers_emulator.invocation import Invocation, OpCounts

from tests.support.d1 import error_of, make_db, rows, run


def test_reads_and_writes_are_counted_on_the_invocation_and_cumulatively() -> None:
    db = make_db()
    invocation = Invocation()

    async def body() -> None:
        with invocation.activate():
            await db.prepare("INSERT INTO t (s) VALUES ('a')").run()
            await db.prepare("SELECT * FROM t").all()
            await db.prepare("SELECT * FROM t").first()
            await db.prepare("SELECT * FROM t").raw()
            await db.batch([db.prepare("SELECT 1"), db.prepare("SELECT 2")])  # one operation
            await db.exec("SELECT 1\nSELECT 2")  # one operation

    run(body())
    assert invocation.counts("DB") == OpCounts(reads=3, writes=3)
    assert db.counters == OpCounts(reads=3, writes=3)


def test_a_failed_query_still_counts_it_left_the_isolate() -> None:
    db = make_db()
    error_of(db.prepare("SELECT * FROM missing").all())
    assert db.counters == OpCounts(reads=1)


def test_the_invocation_cap_refuses_the_next_query_uncounted() -> None:
    db = make_db()
    invocation = Invocation(max_operations=2)

    async def body() -> None:
        with invocation.activate():
            await db.prepare("SELECT 1").all()
            await db.prepare("INSERT INTO t (s) VALUES ('a')").run()
            await db.prepare("INSERT INTO t (s) VALUES ('b')").run()

    with pytest.raises(JsException, match="Too many API requests by single worker invocation"):
        run(body())
    assert invocation.total == 2
    assert rows(db, "SELECT s FROM t") == [["a"]]


def test_injected_faults_fail_with_d1s_network_error_and_write_nothing() -> None:
    db = make_db()
    db.faults = FaultInjector(1.0, seed=1, ops=("write",))
    message = error_of(db.batch([db.prepare("INSERT INTO t (s) VALUES ('x')")]))
    assert message == "Error: D1_ERROR: Network connection lost."
    # The request itself failed, so exec() has no line to blame: a plain D1_ERROR.
    assert error_of(db.exec("INSERT INTO t (s) VALUES ('y')")) == message
    assert rows(db, "SELECT count(*) FROM t") == [[0]]
    assert run(db.prepare("SELECT 1 AS a").first("a")) == 1  # reads were not targeted
    assert db.faults.injected == 2


def test_one_injector_draws_for_kv_and_d1_alike() -> None:
    db = make_db()
    injector = FaultInjector(0.5, seed=7)
    db.faults = injector
    outcomes = []
    for _ in range(40):
        try:
            run(db.prepare("SELECT 1").all())
            outcomes.append(True)
        except JsException:
            outcomes.append(False)
    again = FaultInjector(0.5, seed=7)
    assert outcomes == [not again.should_fail("read") for _ in range(40)]
    assert 0 < outcomes.count(False) < 40


def test_concurrent_batches_never_interleave() -> None:
    """Each batch moves one unit between two rows: whatever the interleaving of requests,
    the total never changes and every batch lands whole."""
    db = make_db(schema=None)
    setup = (
        "CREATE TABLE acct (id INTEGER PRIMARY KEY, n INTEGER)\nINSERT INTO acct VALUES (1, 100)"
    )
    run(db.exec(setup + ", (2, 100)"))
    db.reset_counters()

    async def move(i: int) -> None:
        src, dst = (1, 2) if i % 2 else (2, 1)
        await db.batch(
            [
                db.prepare("UPDATE acct SET n = n - 1 WHERE id = ?").bind(src),
                db.prepare("SELECT sum(n) FROM acct"),
                db.prepare("UPDATE acct SET n = n + 1 WHERE id = ?").bind(dst),
            ]
        )

    async def many() -> None:
        await asyncio.gather(*(move(i) for i in range(50)))

    run(many())
    assert rows(db, "SELECT sum(n) FROM acct") == [[200]]
    assert db.counters == OpCounts(writes=50)
