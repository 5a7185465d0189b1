"""``workers-emulator dev``: the Worker on uvicorn, like ``wrangler dev``."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import signal
import socket
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TextIO

import uvicorn

from .asgi import create_app
from .bindings.d1 import d1_databases
from .bindings.providers import NotEmulatedBinding
from .bindings.queues import queue_producers
from .devsecrets import dev_secrets_path
from .emulator import Emulator
from .httpconn import HTTP_LIMITS, HTTPLimits, protocol_with_limits


def _version() -> str:
    try:
        return version("workers-emulator")
    except PackageNotFoundError:
        return "dev"


# How wrangler marks a warning on the terminal (without colour).
WARNING_MARK = "▲ [WARNING] "


def default_persist_to(config_path: str | Path) -> Path:
    """``.wrangler/state`` beside the config, as wrangler uses."""
    return Path(config_path).resolve().parent / ".wrangler" / "state"


def banner(emulator: Emulator) -> list[str]:
    """The startup lines: the bindings table as wrangler prints it, then generated secrets."""
    rows: list[tuple[str, str, str]] = []
    details = {ns.binding: ns.id for ns in emulator.config.kv_namespaces}
    details.update(
        (rl.name, f"{rl.limit} requests/{rl.period}s") for rl in emulator.config.ratelimits
    )
    details.update((db.binding, db.database_id) for db in d1_databases(emulator.config))
    details.update((p.binding, p.queue) for p in queue_producers(emulator.config).values())
    service_bindings = [b for b in emulator.config.bindings if b.kind.key == "services"]
    services = {b.name: str(b.options.get("service")) for b in service_bindings}
    for b in service_bindings:
        entrypoint = b.options.get("entrypoint")
        # As wrangler shows it: `service#Entrypoint` for a named entrypoint.
        details[b.name] = services[b.name] + (f"#{entrypoint}" if entrypoint else "")
    details.update(
        (b.name, str(b.options.get("bucket_name") or b.name))
        for b in emulator.config.bindings
        if b.kind.key == "r2_buckets"
    )
    details.update(
        (b.name, str(b.options.get("class_name", "")))
        for b in emulator.config.bindings
        if b.kind.key == "durable_objects.bindings"
    )
    for binding in emulator.config.bindings:
        if not binding.kind.on_env:
            continue
        detail = details.get(binding.name)
        shown = f"env.{binding.name}" + (f" ({detail})" if detail else "")
        provided = not isinstance(emulator.env.__dict__.get(binding.name), NotEmulatedBinding)
        mode = "local" if provided else "not emulated"
        if binding.name in services and services[binding.name] not in emulator.workers:
            mode = "local [not connected]"  # wrangler's words: no such Worker in the session
        rows.append((shown, binding.kind.label, mode))
    for name, value in emulator.vars.items():
        rows.append((f"env.{name} ({json.dumps(value)})", "Environment Variable", "local"))
    for name in emulator.secrets:
        rows.append((f'env.{name} ("(hidden)")', "Environment Variable", "local"))
    width = max([len("Binding"), *(len(b) for b, _, _ in rows)]) + 2
    kind_width = max([len("Resource"), *(len(k) for _, k, _ in rows)]) + 2
    lines = [f"workers-emulator {_version()} (emulating wrangler dev, Python Workers)", ""]
    if rows:
        lines.append("Your Worker has access to the following bindings:")
        lines.append(f"{'Binding':<{width}}{'Resource':<{kind_width}}Mode")
        lines.extend(f"{b:<{width}}{k:<{kind_width}}{mode}" for b, k, mode in rows)
        lines.append("")
    if emulator.persist_to is not None:
        lines.append(f"Local KV state: {emulator.persist_to.resolve() / 'kv'}")
    where = f"not set in {emulator.config.directory / '.dev.vars'}"
    kept_in = (
        None if emulator.persist_to is None else dev_secrets_path(emulator.persist_to).resolve()
    )
    for name in emulator.kept_secrets:
        lines.append(f"{name} {where}: using the development value kept in {kept_in}")
    for name, value in emulator.generated_secrets.items():
        if kept_in is None:
            kept = "it changes on every start"
        else:
            kept = f"kept in {kept_in} for the next starts"
        if "TOKEN" in name.upper():
            # Shown this once so the developer can use it; never logged again.
            lines.append(f"{name} {where}: generated a development value ({kept}): {value}")
        else:
            lines.append(f"{name} {where}: using a generated development value ({kept})")
    return lines


def scheduled_warning(host: str) -> list[str]:
    """What wrangler dev prints for a Worker with Cron Triggers without ``--test-scheduled``:
    the schedule does not run locally, and how to fire it. ``{port}`` is filled in later."""
    if host in ("0.0.0.0", "::", "*"):  # noqa: S104 (compared with, not bound to)
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return [
        "▲ [WARNING] Scheduled Workers are not automatically triggered during local development.",
        "",
        "  To manually trigger a scheduled event, run:",
        f'    curl "http://{host}:{{port}}/cdn-cgi/handler/scheduled"',
        "  For more details, see "
        "https://developers.cloudflare.com/workers/configuration/cron-triggers/"
        "#test-cron-triggers-locally",
        "",
    ]


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` for the dev server; OSError if it cannot be (the
    port is taken), before anything about the server is printed."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # As uvicorn binds: a restart can reuse the port while old connections wind down.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def cannot_listen_message(host: str, port: int, exc: OSError) -> str:
    shown = f"[{host}]" if ":" in host else host
    reason = exc.strerror or str(exc)
    return f"cannot listen on {shown}:{port}: {reason} (another server there? try --port)"


def uvicorn_config(
    emulator: Emulator,
    *,
    host: str,
    port: int,
    access_log: Callable[[str], None] | None = None,
    test_scheduled: bool = False,
    limits: HTTPLimits = HTTP_LIMITS,
) -> uvicorn.Config:
    """How the dev server runs uvicorn: the Worker's ASGI app behind connections bounded by
    ``limits``, the client address from the socket, uvicorn's own logging off."""
    return uvicorn.Config(
        create_app(emulator, access_log=access_log, test_scheduled=test_scheduled, limits=limits),
        host=host,
        port=port,
        lifespan="off",
        # The client address is the socket peer: X-Forwarded-For must not change it.
        proxy_headers=False,
        access_log=False,
        log_level="warning",
        server_header=False,
        http=protocol_with_limits(limits),
    )


class _Server(uvicorn.Server):
    """uvicorn, announcing readiness once the socket listens (after ``warning``, if any,
    on ``err``: both name the port, known only then)."""

    def __init__(
        self,
        config: uvicorn.Config,
        ready_line: str,
        out: TextIO,
        warning: list[str] | None = None,
        err: TextIO | None = None,
        background: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        super().__init__(config)
        self._background = background
        self._background_task: asyncio.Task[None] | None = None
        self._ready_line = ready_line
        self._out = out
        self._warning = warning or []
        self._err = err or out
        # Called on the server's loop once it starts (background work: alarms, queues).
        self.on_start: Callable[[], None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.on_start is not None:
            self.on_start()
        if self.started:
            port = self.config.port
            for server in self.servers:  # the real port when 0 was asked for
                for sock in server.sockets:
                    port = sock.getsockname()[1]
            if self._warning:
                text = "".join(line.format(port=port) + "\n" for line in self._warning)
                self._err.write(text)
                self._err.flush()
            print(self._ready_line.format(port=port), file=self._out, flush=True)
            if self._background is not None:
                self._background_task = asyncio.create_task(self._background())

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._background_task is not None:
            self._background_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._background_task
        await super().shutdown(sockets)


def run_dev_server(
    emulator: Emulator,
    *,
    host: str = "127.0.0.1",
    port: int = 8787,
    out: TextIO | None = None,
    err: TextIO | None = None,
    test_scheduled: bool = False,
    limits: HTTPLimits = HTTP_LIMITS,
    sock: socket.socket | None = None,
    others: Sequence[Emulator] = (),
) -> int:
    """Serve until SIGINT/SIGTERM (uvicorn finishes in-flight requests first).

    ``others``: the session's further Workers (``dev -c a -c b``), not served on the port but
    reachable through service bindings; their output joins the log, and they close with it.

    ``test_scheduled``: also fire the Cron Trigger at ``/__scheduled``, as
    ``wrangler dev --test-scheduled`` does (``/cdn-cgi/handler/scheduled`` always does).
    ``sock``: a socket ``listen_socket`` already bound (else it is bound here, before
    anything is printed). Returns 1 if the address cannot be listened on.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    if sock is None:
        try:
            sock = listen_socket(host, port)
        except OSError as exc:
            for worker in (emulator, *others):
                worker.close()
            print(f"workers-emulator: {cannot_listen_message(host, port, exc)}", file=err)
            return 1

    lines = _LineBuffer(out, err)

    def access_log(line: str) -> None:
        lines.write("stdout", line)

    for worker in (emulator, *others):
        worker.log_sink = lines.write
        # The list only matters to tests; a long-running server keeps nothing.
        worker.log_lines = _Discard()
        for text in worker.warnings:
            err.write(f"{WARNING_MARK}{text}\n\n")
    err.flush()
    for line in banner(emulator):
        print(line, file=out)
    for other in others:
        print(f"Also running Worker {other.config.name!r} ({other.config.path})", file=out)
    out.flush()
    config = uvicorn_config(
        emulator,
        host=host,
        port=port,
        access_log=access_log,
        test_scheduled=test_scheduled,
        limits=limits,
    )
    display_host = f"[{host}]" if ":" in host else host
    warning = None
    # wrangler's test for its warning: [triggers] crons lists a schedule.
    if not test_scheduled and emulator.config.crons:
        warning = scheduled_warning(host)
    # Queue batches are delivered as they fall due, on the real clock, while the server runs.
    deliveries = emulator.run_queue_deliveries if emulator.queue_broker.consumers else None
    server = _Server(
        config, f"Ready on http://{display_host}:{{port}}", out, warning, err, deliveries
    )

    # Durable Object alarms persisted by an earlier start are polled for, in every Worker.
    def start_background_work() -> None:
        for worker in (emulator, *others):
            worker.start_background_work()

    server.on_start = start_background_work
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the
    # handler that was there before it: make that a no-op so we can finish cleanly.
    previous = {sig: signal.signal(sig, _note_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with _gc_tuned_for_serving():
            server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        lines.flush()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for worker in (emulator, *others):
            worker.close()
    print("Shutting down", file=out, flush=True)
    return 0 if server.started else 1


# A request in flight holds a few hundred objects the cyclic GC tracks. With tens of requests
# in flight, the default first-generation threshold (700) ran a collection every few requests,
# each walking and promoting objects that were about to be freed anyway: 35-90 us of CPU per
# request at concurrency 32 (4-10% of the server's, measured). Garbage cycles now wait for
# 10,000 new objects instead (a few MB at most; peak RSS under load did not move).
GC_YOUNG_THRESHOLD = 10_000


@contextlib.contextmanager
def _gc_tuned_for_serving() -> Iterator[None]:
    """The cyclic GC set for a long-running server, put back afterwards.

    What start-up loaded (modules, the Worker, its schemas) lives as long as the server:
    frozen, full collections no longer walk it each time (they took up to ~70 ms, a pause
    every request in flight waited through).
    """
    threshold = gc.get_threshold()
    gc.freeze()
    if threshold[0]:  # 0: collections were turned off by whoever runs us; leave them off
        gc.set_threshold(max(threshold[0], GC_YOUNG_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


class _LineBuffer:
    """The request lines and what the Worker prints, in order, written out in batches.

    A print and a flush per line was a write system call per line: lines are kept in
    arrival order and written ``FLUSH_AFTER`` seconds after the first unwritten one (and at
    shutdown), each stream flushed when the batch moves to the other stream, so a terminal
    or a file sees the same lines in the same order, a fraction of a second later at most.
    Outside a running event loop a line is written at once.
    """

    FLUSH_AFTER = 0.05

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self._streams = {"stdout": out, "stderr": err}
        self._pending: list[tuple[str, str]] = []
        self._scheduled = False

    def write(self, stream: str, line: str) -> None:
        self._pending.append((stream, line))
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._scheduled = True
        loop.call_later(self.FLUSH_AFTER, self.flush)

    def flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        current: TextIO | None = None
        run: list[str] = []
        for stream, line in pending:
            target = self._streams["stderr" if stream == "stderr" else "stdout"]
            if target is not current:
                if current is not None:
                    current.write("".join(run))
                    current.flush()
                current, run = target, []
            run.append(line + "\n")
        if current is not None:
            current.write("".join(run))
            current.flush()


def _note_signal(signum: int, frame: Any) -> None:
    """Stands in for the default handlers while uvicorn runs (it stops on its own)."""


class _Discard(list[Any]):
    """A log list that keeps nothing."""

    def append(self, item: Any) -> None:
        pass
