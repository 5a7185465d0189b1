"""Which binding kinds of the config the emulator provides, and how it builds each one.

``PROVIDERS`` maps a kind's config key (``workers_emulator.config.BINDING_KINDS``) to a
function building the object the Worker finds on ``env``. A kind missing from the table is
not emulated: the emulator warns at start-up and puts a ``NotEmulatedBinding`` on ``env``
that raises on first use. Adding a binding is one provider and one line here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..clock import Clock
from ..config import BindingConfig, WorkerConfig
from ..errors import NotEmulatedError
from .assets import provide_assets
from .d1 import provide_d1
from .durable_objects import provide_durable_objects
from .kv import KVNamespace, KVStore, MemoryKVStore, SqliteKVStore
from .queues import provide_queue_consumer, provide_queue_producer
from .r2 import provide_r2
from .ratelimit import RateLimiter
from .services import provide_service


def kv_store_path(persist_to: str | Path, namespace_id: str) -> Path:
    """Where a persisted KV namespace lives: ``<persist_to>/kv/<namespace id>.sqlite``."""
    return Path(persist_to) / "kv" / f"{namespace_id}.sqlite"


@dataclasses.dataclass
class BindingHost:
    """What a provider may use: the emulator's clock, where state persists (None: in
    memory), its switches, and objects shared between bindings (closed with the emulator)."""

    config: WorkerConfig
    clock: Clock
    persist_to: Path | None
    # KV's one write per second per key (a 429 as in production); off as in `wrangler dev`.
    kv_write_limit: bool = True
    # The dev session's Workers by name, for service bindings (filled as each one starts).
    workers: dict[str, Any] = dataclasses.field(default_factory=dict)
    # What the session's Workers share (``session_shared``): the same dict for all of them.
    session: dict[tuple[str, str], Any] = dataclasses.field(default_factory=dict)
    _shared: dict[tuple[str, str], Any] = dataclasses.field(default_factory=dict)

    def shared(self, kind: str, key: str, create: Callable[[], Any]) -> Any:
        """One object per ``(kind, key)``: e.g. two KV bindings of one namespace id share
        its store."""
        found = self._shared.get((kind, key))
        if found is None:
            found = self._shared[(kind, key)] = create()
        return found

    def session_shared(self, kind: str, key: str, create: Callable[[], Any]) -> Any:
        """One object per ``(kind, key)`` for every Worker of the dev session: e.g. the queue
        broker, so that one Worker consumes what another produces."""
        found = self.session.get((kind, key))
        if found is None:
            found = self.session[(kind, key)] = create()
        return found

    def close(self) -> None:
        """Close every shared object that can be closed (files stay on disk)."""
        for item in self._shared.values():
            close = getattr(item, "close", None)
            if close is not None:
                close()


Provider = Callable[[BindingConfig, BindingHost], Any]


def provide_kv(binding: BindingConfig, host: BindingHost) -> KVNamespace:
    namespace = host.config.kv_namespace(binding.name)

    def create() -> KVStore:
        if host.persist_to is None:
            return MemoryKVStore()
        return SqliteKVStore(kv_store_path(host.persist_to, namespace.id))

    store = host.shared("kv", namespace.id, create)
    return KVNamespace(
        binding.name, store, clock=host.clock, enforce_write_rate=host.kv_write_limit
    )


def provide_ratelimit(binding: BindingConfig, host: BindingHost) -> RateLimiter:
    (config,) = (rl for rl in host.config.ratelimits if rl.name == binding.name)
    return RateLimiter(binding.name, config.limit, config.period, clock=host.clock)


PROVIDERS: dict[str, Provider] = {
    "kv_namespaces": provide_kv,
    "ratelimits": provide_ratelimit,
    "d1_databases": provide_d1,
    "queues.producers": provide_queue_producer,
    "queues.consumers": provide_queue_consumer,
    "assets": provide_assets,
    "services": provide_service,
    "r2_buckets": provide_r2,
    "durable_objects.bindings": provide_durable_objects,
}


def not_emulated_message(binding: BindingConfig) -> str:
    """The start-up warning for a binding the emulator does not provide."""
    if binding.kind.on_env:
        return (
            f"{binding.description} is not emulated by workers-emulator: the Worker starts, "
            f"but using env.{binding.name} raises NotEmulatedError"
        )
    return f"{binding.description} is not emulated by workers-emulator: it is ignored"


class NotEmulatedBinding:
    """What ``env.NAME`` holds for a binding the emulator does not provide: reading it is
    fine (``hasattr``, ``repr``), using it (an attribute, a call, ``await``) raises
    ``NotEmulatedError`` naming it."""

    __slots__ = ("_binding",)

    def __init__(self, binding: BindingConfig) -> None:
        object.__setattr__(self, "_binding", binding)

    def _refuse(self, what: str = "") -> NotEmulatedError:
        binding: BindingConfig = object.__getattribute__(self, "_binding")
        used = f"env.{binding.name}{what}"
        return NotEmulatedError.with_message(
            used,
            f"{used}: {binding.description} is a binding workers-emulator does not emulate "
            f"(`{binding.kind.key}` in the Worker's config); "
            "run this Worker under wrangler dev to use it",
        )

    def __getattr__(self, name: str) -> Any:
        raise self._refuse(f".{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise self._refuse(f".{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise self._refuse("()")

    def __await__(self) -> Any:
        raise self._refuse()

    def __getitem__(self, key: Any) -> Any:
        raise self._refuse(f"[{key!r}]")

    def __iter__(self) -> Any:
        raise self._refuse()

    def __repr__(self) -> str:
        binding: BindingConfig = object.__getattribute__(self, "_binding")
        return f"<{binding.description}: not emulated>"
