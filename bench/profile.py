"""Profile one case: ``uv run python -m bench.profile [--case heartbeat_stats] [--emulator]``.

Runs the case's requests under pyinstrument (wall-clock sampler, single thread, so it is CPU time
here) and prints the call tree; ``--cprofile`` prints cProfile's top functions instead, which
counts calls exactly (useful for "how many times is X derived per request").
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.cases import build_cases
from bench.handler import AllowAll, FakeKV, quiet
from bench.inprocess import (
    ADMIN_TOKEN,
    LEASE_SIGNING_KEY,
    SRC,
    Fetcher,
    client_headers,
    make_emulator,
    set_up,
    unknown_keys,
)


async def _handler_requests(case_name: str, n: int) -> tuple[Any, list[Any], Any]:
    sys.path.insert(0, str(SRC))
    from license_server.app import handle
    from license_server.context import Bindings
    from license_server.http import HttpRequest

    bindings = Bindings(
        kv=FakeKV(),
        license_limiter=AllowAll(),
        client_limiter=AllowAll(),
        admin_token=ADMIN_TOKEN,
        lease_signing_key=LEASE_SIGNING_KEY,
    )

    class _Direct:
        async def fetch(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Any:
            path = url.split("8787", 1)[1]
            path, _, qs = path.partition("?")
            query = dict(p.split("=", 1) for p in qs.split("&")) if qs else {}
            resp = await handle(
                HttpRequest(method, path, query, headers, body, headers.get("cf-connecting-ip")),
                bindings,
                int(time.time()),
            )
            return SimpleNamespace(status_code=resp.status, content=resp.body)

    fetch = Fetcher(_Direct())
    # One license per request (indices run to n + 1200): no per-license limit, no KV write
    # refused for coming back to the same key within a second.
    keys, _ = await set_up(fetch, n + 1200, 0)
    case = next(c for c in build_cases(keys, unknown_keys(n + 1200)) if c.name == case_name)
    return fetch, [case] * n, None


async def _emulator_requests(case_name: str, n: int) -> tuple[Any, list[Any], Any]:
    emu = make_emulator()
    fetch = Fetcher(emu)
    keys, gone = await set_up(fetch, n + 1200, n + 1200)
    case = next(c for c in build_cases(keys, gone) if c.name == case_name)
    return fetch, [case] * n, emu


async def _drive(fetch: Fetcher, cases: list[Any], start: int) -> None:
    for i, case in enumerate(cases, start):
        headers = {**case.headers, **client_headers(i)}
        await fetch(case.method, case.path, case.body_for(i), headers)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--case", default="heartbeat_stats")
    parser.add_argument("--emulator", action="store_true", help="through Emulator.fetch")
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--html", help="write pyinstrument's HTML report here")
    args = parser.parse_args(argv)

    async def go() -> None:
        maker = _emulator_requests if args.emulator else _handler_requests
        fetch, cases, _emu = await maker(args.case, args.n)
        await _drive(fetch, cases[:200], 0)  # warm-up: caches, lazy imports
        if args.cprofile:
            prof = cProfile.Profile()
            prof.enable()
            await _drive(fetch, cases, 1000)
            prof.disable()
            pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(35)
        else:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002, async_mode="disabled")
            profiler.start()
            await _drive(fetch, cases, 1000)
            profiler.stop()
            if args.html:
                Path(args.html).write_text(profiler.output_html())  # noqa: ASYNC240
            sys.stderr.write(profiler.output_text(unicode=False, color=False, show_all=False))

    with quiet():
        asyncio.run(go())


if __name__ == "__main__":
    main()
