"""``Emulator``: one Worker isolate with its bindings, driven in-process."""

from __future__ import annotations

import asyncio
import contextlib
import html
import traceback
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from .bindings.accounting import CountedBinding
from .bindings.assets import AssetsBinding, AssetServer, asset_server
from .bindings.d1 import D1Database
from .bindings.durable_objects import DurableObjectNamespace
from .bindings.kv import KVEntry, KVNamespace
from .bindings.providers import (
    PROVIDERS,
    BindingHost,
    NotEmulatedBinding,
    not_emulated_message,
)
from .bindings.queues import (
    MessageBatch,
    Queue,
    QueueBroker,
    QueueDelivery,
    queue_broker,
    queue_consumers,
)
from .bindings.r2 import R2Bucket
from .bindings.ratelimit import RateLimiter
from .bindings.services import ServiceBinding
from .clock import Clock, SystemClock, patched_time
from .config import ConfigError, WorkerConfig, generate_secret, load_config
from .devsecrets import dev_secrets_path, load_dev_secrets, save_dev_secrets
from .errors import WorkersEmulatorWarning, error_line
from .faults import FaultInjector
from .invocation import OP_KINDS, Invocation, OpCounts, OpKind
from .invocation import _current as _current_invocation
from .isolate import Isolate, global_handlers_allowed, sdk_wraps_bindings
from .jsdict import to_jsdict
from .logs import LineCollector, captured_output
from .responses import EmulatorResponse, Headers
from .runtime.workers._context import Env, ExecutionContext, current_env
from .runtime.workers._streams import ReadableStream
from .runtime.workers.request import Request
from .runtime.workers.response import FetchResponse, Response
from .scheduled import (
    NoScheduledHandlerError,
    ScheduledController,
    ScheduledOutcome,
    ScheduledResult,
)

if TYPE_CHECKING:
    from .testclient import TestClient

DEFAULT_ORIGIN = "http://localhost:8787"
# A dev server runs for days: keep the newest lines only.
MAX_LOG_LINES = 100_000

# The `request.cf` placeholder wrangler dev gives when offline (observed from wrangler 4.86).
DEV_CF: dict[str, Any] = {
    "asOrganization": "",
    "asn": 395747,
    "colo": "DFW",
    "city": "Austin",
    "region": "Texas",
    "regionCode": "TX",
    "metroCode": "635",
    "postalCode": "78701",
    "country": "US",
    "continent": "NA",
    "timezone": "America/Chicago",
    "latitude": "30.27130",
    "longitude": "-97.74260",
    "clientTcpRtt": 0,
    "httpProtocol": "HTTP/1.1",
    "requestPriority": "weight=192;exclusive=0",
    "tlsCipher": "AEAD-AES128-GCM-SHA256",
    "tlsVersion": "TLSv1.3",
    "edgeRequestKeepAliveStatus": 0,
    "clientTrustScore": 99,
    "botManagement": {
        "corporateProxy": False,
        "verifiedBot": False,
        "staticResource": False,
        "detectionIds": [],
        "score": 99,
    },
    "clientAcceptEncoding": "",
}

# isinstance() with a tuple: `bytes | bytearray | memoryview` would build a union per call.
_BYTES_LIKE = (bytes, bytearray, memoryview)

# Headers that say how long the body is: with either, an empty body gets no content-length.
_BODY_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})

_DISPATCH_FILES = {Path(__file__), Path(__file__).with_name("isolate.py")}

# What _clock_patch gives when the real clock is kept (a nullcontext holds no state: reusable).
_NO_CLOCK_PATCH = contextlib.nullcontext()

Respond = Callable[[FetchResponse], Awaitable[None]]


_ERROR_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{line}</title></head>'
    "<body><h1>{line}</h1><p>Uncaught exception in the Worker; the traceback is in the "
    "workers-emulator log.</p></body></html>"
)


def error_response(exc: BaseException, request: Request) -> Response:
    """What a request whose handler threw is answered, as wrangler dev answers it (checked by
    tests/differential/test_error_differential.py): a 500 whose body names the error's first
    line (``Name: message``); an HTML page for a client that accepts one and is not curl,
    plain text otherwise. wrangler dev adds the JavaScript stack (and source) to either; here
    the Python traceback goes to the log only."""
    line = error_line(exc)
    accept = (request._headers.get("accept") or "").lower()
    agent = (request._headers.get("user-agent") or "").lower()
    if "curl/" not in agent and any(t in accept for t in ("text/html", "*/*", "text/*")):
        page = _ERROR_PAGE.format(line=html.escape(line))
        return Response(page, status=500, headers={"content-type": "text/html;charset=utf-8"})
    return Response(line, status=500)


_Binding = TypeVar("_Binding")


def _named(bindings: dict[str, _Binding], binding: str, kind: str) -> _Binding:
    """``bindings[binding]``, or a KeyError naming the kind and the binding asked for."""
    try:
        return bindings[binding]
    except KeyError:
        raise KeyError(f"no {kind} binding named {binding!r}") from None


class Emulator:
    """One isolate of the Worker configured by ``config_path`` (default: the config wrangler
    would find from the working directory), with its bindings."""

    def __init__(
        self,
        config_path: str | Path | None = None,
        *,
        persist_to: str | Path | None = None,
        clock: Clock | None = None,
        vars: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
        dev_defaults: bool = False,
        kv_write_limit: bool = True,
        workers: dict[str, Emulator] | None = None,
    ) -> None:
        """``workers``: the dev session's Workers by name, shared by every Emulator of the
        session (this one adds itself); service bindings call into them."""
        self.config: WorkerConfig = load_config(config_path)
        self.persist_to = Path(persist_to) if persist_to is not None else None
        # Only a clock given by the caller replaces time.time inside requests.
        self._patch_clock = clock is not None
        self.clock: Any = clock if clock is not None else SystemClock()
        self.log_lines: list[str] = []
        # Called with each line the Worker prints (the dev server forwards them live).
        self.log_sink: Callable[[str, str], None] | None = None

        # Secrets: `secrets=` stands in for .dev.vars (so tests do not see a developer's file).
        resolved = dict(self.config.dev_vars if secrets is None else secrets)
        self.generated_secrets: dict[str, str] = {}  # generated by this start
        self.kept_secrets: dict[str, str] = {}  # generated by an earlier one, kept in the state
        if dev_defaults:
            self._default_secrets(resolved)
        self.secrets = resolved
        self.vars = {**self.config.vars, **(vars or {})}

        bindings: dict[str, Any] = {k: to_jsdict(v) for k, v in self.vars.items()}
        bindings.update(self.secrets)
        self.workers: dict[str, Emulator] = {} if workers is None else workers
        # The session's shared objects: those of the Workers already in it, if any.
        session: dict[tuple[str, str], Any] = next(
            (worker.binding_host.session for worker in self.workers.values()), {}
        )
        self._host = BindingHost(
            self.config, self.clock, self.persist_to, kv_write_limit, self.workers, session
        )
        self._kv: dict[str, KVNamespace] = {}
        self._ratelimiters: dict[str, RateLimiter] = {}
        self._d1: dict[str, D1Database] = {}
        self._queues: dict[str, Queue] = {}
        self._assets: dict[str, AssetsBinding] = {}
        self._services: dict[str, ServiceBinding] = {}
        self._r2: dict[str, R2Bucket] = {}
        self._durable_objects: dict[str, DurableObjectNamespace] = {}
        # Start-up warnings, in wrangler's words where wrangler has them (also warnings.warn).
        self.warnings: list[str] = list(self.config.warnings)
        for binding in self.config.bindings:
            provider = PROVIDERS.get(binding.kind.key)
            if provider is None:
                self.warnings.append(not_emulated_message(binding))
                if binding.kind.on_env:
                    bindings[binding.name] = NotEmulatedBinding(binding)
                continue
            provided = provider(binding, self._host)
            if binding.kind.on_env:
                bindings[binding.name] = provided
            if isinstance(provided, KVNamespace):
                self._kv[binding.name] = provided
            elif isinstance(provided, RateLimiter):
                self._ratelimiters[binding.name] = provided
            elif isinstance(provided, D1Database):
                self._d1[binding.name] = provided
            elif isinstance(provided, Queue):
                self._queues[binding.name] = provided
            elif isinstance(provided, AssetsBinding):
                self._assets[binding.name] = provided
            elif isinstance(provided, ServiceBinding):
                self._services[binding.name] = provided
            elif isinstance(provided, R2Bucket):
                self._r2[binding.name] = provided
            elif isinstance(provided, DurableObjectNamespace):
                self._durable_objects[binding.name] = provided
        # Static Assets answer in front of the Worker (None: the config has no `assets`).
        self.asset_server: AssetServer | None = asset_server(self._host)
        for text in self.warnings:
            warnings.warn(text, WorkersEmulatorWarning, stacklevel=2)
        self.env = Env(
            bindings,
            sdk_wraps_bindings=sdk_wraps_bindings(
                self.config.compatibility_date, self.config.compatibility_flags
            ),
        )

        collector = LineCollector(self._emit)
        try:
            with self._clock_patch(), captured_output(collector):
                self.isolate = Isolate(
                    self.config.main,
                    self.env,
                    global_handlers=global_handlers_allowed(
                        self.config.compatibility_date, self.config.compatibility_flags
                    ),
                )
        finally:
            collector.close()
        if self.workers.get(self.config.name, self) is not self:
            raise ConfigError(
                f"{self.config.path}: two Workers of the session are named "
                f"{self.config.name!r}; service bindings find Workers by name"
            )
        self.workers[self.config.name] = self
        self._attach_durable_objects()
        consumed = queue_consumers(self.config)
        if consumed:
            # Joins the session's broker: a queue another Worker produces to comes here.
            self.queue_broker.add_consumers(
                self.config.name,
                consumed,
                self._queue_event,
                lambda line: self._emit("stderr", line),
            )

    @property
    def binding_host(self) -> BindingHost:
        """What this Worker's bindings were built with (its config, clock, shared objects)."""
        return self._host

    def _attach_durable_objects(self) -> None:
        """Give each namespace its class from the loaded Worker (a bound class it does not
        define stops the start, as under wrangler dev)."""
        for name, namespace in self._durable_objects.items():
            cls = getattr(self.isolate.module, namespace.class_name, None)
            if not isinstance(cls, type):
                raise ConfigError(
                    f"env.{name} is bound to Durable Object class {namespace.class_name!r}, "
                    f"but {self.config.main.name} does not define it"
                )

            async def invoke(run: Callable[[Any], Awaitable[None]]) -> None:
                # An alarm is the Worker's event too: `workers.env`, the Worker's imports.
                token = current_env.set(self.env)
                try:
                    await self._invoke(run)
                finally:
                    current_env.reset(token)

            namespace.attach(cls, self.env, invoke)
            namespace.alarm_failed = self._alarm_failed

    def start_background_work(self) -> None:
        """On the running loop: poll for the Durable Object alarms pending (persisted by an
        earlier start); the dev server calls this."""
        for namespace in self._durable_objects.values():
            namespace.resume_polling()

    def _alarm_failed(self, binding: str, exc: BaseException) -> None:
        self._log_exception(f"Uncaught exception in alarm() of env.{binding}", exc)

    def _default_secrets(self, resolved: dict[str, str]) -> None:
        """Fill the secrets .dev.vars.example names and ``resolved`` lacks: from the state
        folder's dev-secrets.json if an earlier start kept them, else freshly generated (and
        kept there)."""
        missing = [name for name in self.config.secret_names if not resolved.get(name)]
        if not missing:
            return
        path = None if self.persist_to is None else dev_secrets_path(self.persist_to)
        kept = {} if path is None else load_dev_secrets(path)
        for name in missing:
            if name in kept:
                resolved[name] = self.kept_secrets[name] = kept[name]
            else:
                resolved[name] = self.generated_secrets[name] = generate_secret()
        if path is not None and self.generated_secrets:
            save_dev_secrets(path, {**kept, **self.generated_secrets})

    # -- bindings -------------------------------------------------------------------------

    def kv(self, binding: str) -> KVNamespace:
        """The KV binding object the Worker sees as ``env.<binding>``."""
        return _named(self._kv, binding, "KV")

    def kv_entries(self, binding: str) -> list[KVEntry]:
        """The binding's live (unexpired) entries, in key order."""
        return self.kv(binding).entries()

    def kv_counters(self, binding: str) -> OpCounts:
        """Operations on the binding since creation or ``reset_counters()``."""
        return self.kv(binding).counters

    def d1(self, binding: str) -> D1Database:
        """The D1 binding object the Worker sees as ``env.<binding>``."""
        return _named(self._d1, binding, "D1")

    def queue(self, binding: str) -> Queue:
        """The Queue producer binding the Worker sees as ``env.<binding>``."""
        return _named(self._queues, binding, "Queue")

    @property
    def queue_broker(self) -> QueueBroker:
        """The broker holding every queue's messages, shared by the dev session's Workers
        (``workers=``); each queue's consumer is the Worker whose config consumes it."""
        return queue_broker(self._host)

    async def deliver_queues(self) -> list[QueueDelivery]:
        """Hand every queue batch that is due at the broker's clock's now (full, or its
        ``max_batch_timeout`` passed, delays over) to its consumer's ``queue`` handler (this
        Worker's or another's of the session), one invocation per batch; returns what became
        of each batch's messages."""
        return await self.queue_broker.deliver_due()

    async def run_queue_deliveries(self, interval: float = 0.05) -> None:
        """Deliver queue batches as they fall due, until cancelled (the dev server runs this)."""
        while True:
            try:
                await self.deliver_queues()
            except Exception as exc:  # the broker's own failure must not stop deliveries
                self._log_exception("Queue delivery failed", exc)
            await asyncio.sleep(interval)

    async def _queue_event(self, batch: MessageBatch) -> bool:
        """One queue event: the handler's invocation; False if it (or its waitUntil) raised."""
        ok = True

        async def run_queue(ctx: ExecutionContext) -> None:
            nonlocal ok
            try:
                await self.isolate.queue(batch, ctx)
            except Exception as exc:
                self._log_exception("Uncaught exception in queue handler", exc)
                ok = False

        _, wait_until_succeeded = await self._invoke(run_queue)
        return ok and wait_until_succeeded

    def assets(self, binding: str) -> AssetsBinding:
        """The Static Assets binding the Worker sees as ``env.<binding>``."""
        return _named(self._assets, binding, "Assets")

    def service(self, binding: str) -> ServiceBinding:
        """The service binding the Worker sees as ``env.<binding>``."""
        return _named(self._services, binding, "service")

    def r2(self, binding: str) -> R2Bucket:
        """The R2 bucket the Worker sees as ``env.<binding>``."""
        return _named(self._r2, binding, "R2")

    def durable_objects(self, binding: str) -> DurableObjectNamespace:
        """The Durable Object namespace the Worker sees as ``env.<binding>``."""
        return _named(self._durable_objects, binding, "Durable Object")

    async def run_due_alarms(self) -> int:
        """Fire the Durable Object alarms due on the emulator's clock; how many ran."""
        fired = 0
        for namespace in self._durable_objects.values():
            fired += await namespace.run_due_alarms()
        return fired

    def _counted(self) -> tuple[Mapping[str, CountedBinding], ...]:
        """The bindings whose operations are counted (and can be made to fail), by kind, each
        by its name in the config."""
        return (
            self._kv,
            self._ratelimiters,
            self._d1,
            self._queues,
            self._assets,
            self._services,
            self._r2,
            self._durable_objects,
        )

    def reset_counters(self) -> None:
        for kind in self._counted():
            for counted in kind.values():
                counted.reset_counters()

    def inject_faults(
        self, rate: float, seed: int | None = 0, ops: Iterable[OpKind] = OP_KINDS
    ) -> FaultInjector:
        """Make a fraction ``rate`` of the operations of the given kinds fail, on every counted
        binding (one injector: one reproducible sequence of draws across them)."""
        injector = FaultInjector(rate, seed, tuple(ops))
        for kind in self._counted():
            for counted in kind.values():
                counted.faults = injector
        return injector

    def inject_kv_faults(
        self, rate: float, seed: int | None = 0, ops: Iterable[OpKind] = OP_KINDS
    ) -> FaultInjector:
        """Make a fraction ``rate`` of KV operations of the given kinds fail (all bindings)."""
        injector = FaultInjector(rate, seed, tuple(ops))
        for namespace in self._kv.values():
            namespace.faults = injector
        return injector

    def ratelimiter(self, name: str) -> RateLimiter:
        return self._ratelimiters[name]

    # -- requests -------------------------------------------------------------------------

    def test_client(self, **kwargs: Any) -> TestClient:
        """A synchronous, in-process client (see ``TestClient``)."""
        from .testclient import TestClient

        return TestClient(self, **kwargs)

    async def fetch(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
        body: bytes | str | AsyncIterator[bytes] | None = b"",
        *,
        client_ip: str = "127.0.0.1",
        entrypoint: str | None = None,
    ) -> EmulatorResponse:
        """Run one request through the Worker (through its named ``entrypoint`` class, if
        given, as a service binding to it would); returns once its ``waitUntil`` work is
        done."""
        request = self.build_request(method, url, headers, body, client_ip=client_ip)
        result: dict[str, Any] = {}

        async def respond(response: FetchResponse) -> None:
            # Read the body inside the request, as the platform streams it out.
            result["status"] = response.status
            result["reason"] = response.status_text
            result["headers"] = Headers._of_lowercase(response.js_response.headers.raw_items())
            result["content"] = await response.js_response.read()

        invocation = await self.handle(request, respond, entrypoint=entrypoint)
        return EmulatorResponse(
            result["status"],
            result["headers"],
            result["content"],
            self._ops_of(invocation),
            result["reason"],
        )

    def build_request(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
        body: bytes | str | AsyncIterator[bytes] | None = b"",
        *,
        client_ip: str | None = "127.0.0.1",
        cf: dict[str, Any] | None = None,
    ) -> Request:
        """The Request the runtime would deliver for these parts."""
        parts = urlsplit(url)
        if not parts.scheme:
            url = DEFAULT_ORIGIN + ("" if url.startswith("/") else "/") + url
            parts = urlsplit(url)
        items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        names = {k.lower() for k, _ in items}
        if "host" not in names:
            items.append(("host", parts.netloc))
        if client_ip is not None and "cf-connecting-ip" not in names:
            items.append(("cf-connecting-ip", client_ip))
        stream: ReadableStream | None
        if isinstance(body, str):
            body = body.encode()
        declared = not names.isdisjoint(_BODY_FRAMING_HEADERS)
        if body is None or body == b"":
            # As under wrangler dev: GET/HEAD without a body get `body = None`; any other
            # method gets an empty stream and `content-length: 0`.
            stream = None
            if declared or method.upper() not in ("GET", "HEAD"):
                stream = ReadableStream.from_bytes(b"")
                if not declared:
                    items.append(("content-length", "0"))
        elif isinstance(body, _BYTES_LIKE):
            stream = ReadableStream.from_bytes(bytes(body))
            if "content-length" not in names:
                items.append(("content-length", str(len(body))))
        else:
            stream = ReadableStream(body)
        # Request.cf converts this into JsDicts on first access (a fresh tree per request).
        return Request._incoming(
            url, method, items, stream, DEV_CF if cf is None else to_jsdict(cf)
        )

    async def handle(
        self,
        request: Request,
        respond: Respond,
        *,
        entrypoint: str | None = None,
        propagate: bool = False,
    ) -> Invocation:
        """Run the Worker on ``request``; ``respond`` gets its response (``error_response``
        if it threw), then ``waitUntil`` work is awaited. Returns the invocation's counts.
        ``propagate``: what the handler raised is raised here instead, unlogged (a service
        binding's caller gets it, as workerd rejects its ``fetch``)."""

        # _invoke's steps written out: every request comes this way (a closure and a coroutine
        # less per request); scheduled() and rpc() share _invoke.
        assets = self.asset_server
        if assets is not None and entrypoint is None and not assets.worker_first(request):
            # The router answers from the asset folder; the Worker is not invoked.
            await respond(assets.fetch(request))
            return Invocation()
        invocation = Invocation()
        ctx = ExecutionContext()
        collector = LineCollector(self._emit)
        token = _current_invocation.set(invocation)
        raised: Exception | None = None
        try:
            with self._clock_patch(), captured_output(collector):
                try:
                    response: FetchResponse = await self.isolate.fetch(request, ctx, entrypoint)
                    neuter = "Can't read from request stream after response has been sent."
                except Exception as exc:
                    neuter = "Can't read from request stream after responding with an exception."
                    if propagate:
                        raised = exc
                    else:
                        self._log_exception("Uncaught exception in fetch handler", exc)
                        response = error_response(exc, request)
                if raised is None:
                    await respond(response)
                if request.body is not None:
                    request.body._neuter(neuter)
                if ctx._tasks:
                    await self._drain_wait_until(ctx)
        finally:
            if invocation._cleanups:
                await invocation.end()
            _current_invocation.reset(token)
            collector.close()
        if raised is not None:
            raise raised
        return invocation

    async def scheduled(
        self, cron: str = "* * * * *", scheduled_time: float | None = None
    ) -> ScheduledResult:
        """Run the Worker's ``scheduled`` handler once, as a Cron Trigger would.

        ``scheduled_time`` is in epoch seconds (default: ``self.clock`` now); the handler
        sees it as ``controller.scheduledTime`` in milliseconds. One invocation, as for
        ``fetch``: the same operation cap, clock patch and log capture, and ``waitUntil``
        work is awaited. A handler that raises gives ``outcome == "exception"`` and a
        traceback in the log, never an exception here.
        """
        if not self.isolate.has_scheduled:
            raise NoScheduledHandlerError(
                f"{self.config.main}: the Worker has no scheduled handler (define "
                "`async def scheduled(self, controller, env, ctx)` on class Default), "
                "so it cannot have Cron Triggers"
            )
        when = self.clock.now() if scheduled_time is None else scheduled_time
        controller = ScheduledController(cron, round(when * 1000))
        outcome: ScheduledOutcome = "ok"
        error: BaseException | None = None

        async def run_scheduled(ctx: ExecutionContext) -> None:
            nonlocal outcome, error
            try:
                await self.isolate.scheduled(controller, ctx)
            except Exception as exc:
                self._log_exception("Uncaught exception in scheduled handler", exc)
                outcome, error = "exception", exc

        invocation, wait_until_succeeded = await self._invoke(run_scheduled)
        # On the platform a scheduled event also fails when its waitUntil work does.
        if not wait_until_succeeded:
            outcome = "exception"
        return ScheduledResult(outcome, self._ops_of(invocation), controller._no_retry, error)

    async def rpc(self, entrypoint: str | None, method: str, *args: Any) -> Any:
        """Call ``method`` of a fresh instance of the named entrypoint class (``None``: the
        ``Default`` class) as a service binding's RPC call would: one invocation, its
        ``waitUntil`` work awaited. What the method raises is raised here."""
        outcome: dict[str, Any] = {}

        async def run_call(ctx: ExecutionContext) -> None:
            outcome["result"] = await self.isolate.call(entrypoint, method, args, ctx)

        await self._invoke(run_call)
        return outcome["result"]

    async def _invoke(
        self, run: Callable[[ExecutionContext], Awaitable[None]]
    ) -> tuple[Invocation, bool]:
        """One Worker invocation, whatever the event: ``run(ctx)`` under the invocation's
        operation cap, clock patch and log capture, then its ``waitUntil`` work awaited.
        Returns the invocation and whether all ``waitUntil`` work succeeded."""
        invocation = Invocation()
        ctx = ExecutionContext()
        collector = LineCollector(self._emit)
        token = _current_invocation.set(invocation)
        try:
            with self._clock_patch(), captured_output(collector):
                await run(ctx)
                # Most requests leave no waitUntil work: no coroutine then.
                wait_until_succeeded = not ctx._tasks or await self._drain_wait_until(ctx)
        finally:
            if invocation._cleanups:
                await invocation.end()
            _current_invocation.reset(token)
            collector.close()
        return invocation, wait_until_succeeded

    async def _drain_wait_until(self, ctx: ExecutionContext) -> bool:
        """Await all ``waitUntil`` work (including work it adds); False if any raised."""
        succeeded = True
        while tasks := ctx._take_tasks():
            for outcome in await asyncio.gather(*tasks, return_exceptions=True):
                if isinstance(outcome, BaseException):
                    self._log_exception("Uncaught (in waitUntil)", outcome)
                    succeeded = False
        return succeeded

    def _ops_of(self, invocation: Invocation) -> dict[str, OpCounts]:
        return {name: invocation.counts(name) for kind in self._counted() for name in kind}

    # -- logs -----------------------------------------------------------------------------

    def _clock_patch(self) -> contextlib.AbstractContextManager[Any]:
        return patched_time(self.clock) if self._patch_clock else _NO_CLOCK_PATCH

    def _emit(self, stream: str, line: str) -> None:
        self.log_lines.append(line)
        if len(self.log_lines) > MAX_LOG_LINES:
            del self.log_lines[: MAX_LOG_LINES // 2]
        if self.log_sink is not None:
            self.log_sink(stream, line)

    def _log_exception(self, title: str, exc: BaseException) -> None:
        # Start the traceback at the Worker's code: the emulator's own frames are noise.
        tb = exc.__traceback__
        while tb is not None and Path(tb.tb_frame.f_code.co_filename) in _DISPATCH_FILES:
            tb = tb.tb_next
        text = "".join(traceback.format_exception(type(exc), exc, tb)).rstrip("\n")
        self._emit("stderr", f"{title}: {exc!r}")
        for line in text.split("\n"):
            self._emit("stderr", line)

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Release persisted stores (files stay on disk)."""
        self._host.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
