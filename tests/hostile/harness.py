"""Harness of the hostile tests: a configured Emulator, a raw-request runner, dev servers.

It lives outside conftest.py so that every test module imports the very same objects.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from workers_emulator import Emulator, EmulatorResponse, JsException

from tests.support.devserver import DevServer
from tests.support.worker import (
    ADMIN,
    ADMIN_TOKEN,
    LEASE_SIGNING_KEY,
    REPO,
    SECRETS,
    START,
    NewLicense,
    create_license,
    make_emulator,
)

__all__ = [
    "ADMIN",
    "ADMIN_TOKEN",
    "FIGURES",
    "LEASE_SIGNING_KEY",
    "REPO",
    "START",
    "DevServer",
    "NewLicense",
    "Runner",
    "Undeliverable",
    "create_license",
    "make_emulator",
    "start_dev_server",
]


class Undeliverable(Exception):
    """The request cannot exist on the wire (e.g. a NUL in a header): the runtime refuses it."""


class Runner:
    """Sends raw requests (any method, headers, body) through an Emulator on one event loop.

    The TestClient normalises methods and bodies; hostile traffic must not be normalised.
    A ``chunks`` body is streamed without a Content-Length, as a chunked upload is, and
    ``pulled`` records how many of its bytes the Worker read.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.loop = asyncio.new_event_loop()
        self.pulled = 0

    def send(
        self,
        method: str,
        path: str,
        headers: list[tuple[str, str]] | tuple[tuple[str, str], ...] | None = None,
        body: bytes | None = b"",
        client_ip: str = "203.0.113.7",
        chunks: list[bytes] | None = None,
    ) -> EmulatorResponse:
        items = list(headers or [])
        try:  # the same construction fetch() does, to tell refusal from a Worker fault
            self.emulator.build_request(method, path, items, body, client_ip=client_ip)
        except (TypeError, ValueError, JsException) as error:
            raise Undeliverable(str(error)) from None
        payload: bytes | AsyncIterator[bytes] | None = body
        if chunks is not None:
            payload = self._stream(chunks)
        return self.loop.run_until_complete(
            self.emulator.fetch(method, path, items, payload, client_ip=client_ip)
        )

    async def _stream(self, chunks: list[bytes]) -> AsyncIterator[bytes]:
        self.pulled = 0
        for chunk in chunks:
            self.pulled += len(chunk)
            yield chunk

    def close(self) -> None:
        self.loop.close()


# ---- dev server (a real `workers-emulator dev` subprocess) -----------------------------------


def start_dev_server(folder: Path, *extra_args: str, timeout: float = 30.0) -> DevServer:
    """The Worker served by `workers-emulator dev` from ``folder``, with this harness's secrets."""
    return DevServer(folder, dict(SECRETS), *extra_args, timeout=timeout).start()


# ---- figures ---------------------------------------------------------------------------------

# Filled by the hostile and fault tests; printed once at the end of the run.
FIGURES: dict[str, dict[str, Any]] = {}
