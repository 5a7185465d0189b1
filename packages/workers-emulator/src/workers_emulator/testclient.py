"""``TestClient``: drive an ``Emulator`` synchronously, in-process, Starlette-style."""

from __future__ import annotations

import asyncio
import json as jsonlib
import threading
import weakref
from collections.abc import Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

from .responses import EmulatorResponse

if TYPE_CHECKING:
    from .emulator import Emulator
    from .scheduled import ScheduledResult

T = TypeVar("T")
Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | str | None


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    if loop.is_closed():
        return
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    if not thread.is_alive():
        loop.close()


class TestClient:
    """``client.get("/path")`` and friends; returns ``EmulatorResponse`` objects.

    Requests run on one event loop in a helper thread, kept for the client's life, so
    the Worker's async code behaves as it would in a long-lived isolate.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        emulator: Emulator,
        *,
        base_url: str | None = None,
        client_ip: str = "127.0.0.1",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        from .emulator import DEFAULT_ORIGIN

        self.emulator = emulator
        self.base_url = (base_url or DEFAULT_ORIGIN).rstrip("/")
        self.client_ip = client_ip
        self.headers = dict(headers or {})
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- event loop -----------------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="workers-emulator-testclient", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
                # A client dropped without close() must not leave its thread spinning.
                self._finalizer = weakref.finalize(self, _stop_loop, loop, thread)
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    def close(self) -> None:
        """Stop the helper thread (the emulator stays usable)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:
            self._finalizer.detach()
            _stop_loop(loop, thread)

    def __enter__(self) -> TestClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- requests -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        params: Params = None,
    ) -> EmulatorResponse:
        """Send one request; ``json=`` sets the body and ``content-type``."""
        url = path if urlsplit(path).scheme else self.base_url + "/" + path.lstrip("/")
        if params:
            query = params if isinstance(params, str) else urlencode(params, doseq=True)
            parts = urlsplit(url)
            joined = f"{parts.query}&{query}" if parts.query else query
            url = urlunsplit(parts._replace(query=joined))
        merged = {**self.headers, **(headers or {})}
        lowered = {k.lower() for k in merged}
        body: bytes = b""
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":")).encode()
            if "content-type" not in lowered:
                merged["content-type"] = "application/json"
        elif content is not None:
            body = content.encode() if isinstance(content, str) else bytes(content)
        return self._run(
            self.emulator.fetch(
                method.upper(), url, list(merged.items()), body, client_ip=self.client_ip
            )
        )

    def get(self, path: str, **kwargs: Any) -> EmulatorResponse:
        return self.request("GET", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> EmulatorResponse:
        return self.request("HEAD", path, **kwargs)

    def options(self, path: str, **kwargs: Any) -> EmulatorResponse:
        return self.request("OPTIONS", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> EmulatorResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> EmulatorResponse:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> EmulatorResponse:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> EmulatorResponse:
        return self.request("DELETE", path, **kwargs)

    def rpc(self, entrypoint: str | None, method: str, *args: Any) -> Any:
        """``Emulator.rpc`` on this client's loop: ``method`` of the named entrypoint class
        (``None``: ``Default``), as a service binding's RPC call would make it."""
        return self._run(self.emulator.rpc(entrypoint, method, *args))

    # -- Cron Triggers --------------------------------------------------------------------

    def run_due_alarms(self) -> int:
        """Fire the Durable Object alarms due on the emulator's clock (see
        ``Emulator.run_due_alarms``), on this client's event loop."""
        return self._run(self.emulator.run_due_alarms())

    def scheduled(
        self, cron: str = "* * * * *", scheduled_time: float | None = None
    ) -> ScheduledResult:
        """Fire the Worker's Cron Trigger once: ``Emulator.scheduled`` on this client's loop
        (``scheduled_time`` in epoch seconds, default the emulator's clock now)."""
        return self._run(self.emulator.scheduled(cron, scheduled_time))
