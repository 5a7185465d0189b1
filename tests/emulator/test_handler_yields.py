"""A handler's awaits let the isolate's other work run, as on the platform: concurrent requests
interleave at their binding calls, and a handler waiting on ``asyncio.sleep(0)`` in a loop
still sees timers fire (bare yields with nothing else ready are resumed at once, but never
indefinitely)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from tests.support.worker_files import worker_emulator

KV = '[[kv_namespaces]]\nbinding = "KV"\nid = "kv"\n'


def test_concurrent_requests_interleave_at_their_kv_calls(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        from workers import Response, WorkerEntrypoint

        EVENTS = []

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                name = request.url.rsplit("/", 1)[-1]
                for step in range(3):
                    EVENTS.append(f"{name}{step}")
                    await self.env.KV.get("k")
                return Response(" ".join(EVENTS))
        """,
        KV,
    )

    async def both() -> str:
        await asyncio.gather(emu.fetch("GET", "/a"), emu.fetch("GET", "/b"))
        return (await emu.fetch("GET", "/c")).text

    events = asyncio.run(both()).split()
    assert events[:6] == ["a0", "b0", "a1", "b1", "a2", "b2"]


def test_a_handler_spinning_on_sleep_zero_sees_a_timer_fire(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        import asyncio
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                fired = []
                asyncio.get_running_loop().call_later(0.05, fired.append, True)
                spins = 0
                while not fired:
                    spins += 1
                    await asyncio.sleep(0)
                return Response(f"fired after {spins > 0} spins")
        """,
    )
    answers: list[str] = []
    # Run beside the test: a handler that never lets the loop run would hang the thread.
    worker = threading.Thread(
        target=lambda: answers.append(asyncio.run(emu.fetch("GET", "/")).text), daemon=True
    )
    worker.start()
    worker.join(timeout=10)
    assert answers == ["fired after True spins"]
