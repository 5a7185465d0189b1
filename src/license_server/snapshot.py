"""Work the real runtime should do once, at deploy, rather than on an isolate's first request.

Cloudflare runs a Python Worker's top-level scope once when it is deployed and keeps a snapshot
of the interpreter's memory; every new isolate starts from that snapshot. Whatever the import
of ``src/entry.py`` did is therefore free at a cold start, and whatever it deferred is paid by
the first request of every isolate. Under CPython (the emulator, the tests, the benchmark)
there is no snapshot: there the Worker defers pydantic's schema builds (``defer_build``) and
the lease's PyJWT/cryptography import to first use, which keeps a plain import cheap.

:func:`prepare_for_snapshot` does that deferred work up front; ``src/entry.py`` calls
:func:`prepare_when_snapshotted`, which runs it only under Pyodide (``sys.platform ==
"emscripten"``), where the snapshot captures the result. It reads no secret and no clock, and
draws no randomness: a snapshot is shared by every isolate. Should it fail there, the Worker
still deploys and works: the first request then does the same work, as under CPython.
"""

from __future__ import annotations

import sys

from license_server.logs import log_event

__all__ = ["prepare_for_snapshot", "prepare_when_snapshotted", "runs_from_a_snapshot"]


def runs_from_a_snapshot() -> bool:
    """Whether this interpreter is the runtime's Pyodide (whose top level is snapshotted)."""
    return sys.platform == "emscripten"


def prepare_for_snapshot() -> None:
    """Build every model's validator and import the lease's crypto now.

    Everything here is what the first heartbeat (or admin call) would otherwise do: the same
    schemas, the same modules, nothing that depends on a request or on configuration.
    """
    # admin_models is imported for its models: every StrictModel subclass is built below.
    from license_server import admin_models, lease, models  # noqa: F401

    pending = list(models.StrictModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        model.model_rebuild(force=True)
    lease.warm_up()


def prepare_when_snapshotted() -> None:
    """:func:`prepare_for_snapshot` under the runtime's Pyodide; nothing under CPython."""
    if not runs_from_a_snapshot():
        return
    try:
        prepare_for_snapshot()
    except Exception as error:  # never fail the deploy: the first request does it instead
        log_event("snapshot_prepare_failed", error=type(error).__name__)
