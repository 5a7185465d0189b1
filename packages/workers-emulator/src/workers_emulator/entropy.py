"""Entropy is refused while a Worker's top level runs, as workerd refuses it.

Cloudflare runs a Python Worker's top level once, at deploy, and snapshots its memory: random
state made there would be shared by every isolate. workerd's Pyodide therefore raises, at top
level only (its ``_cloudflare/entropy_*`` modules):

- ``os.urandom`` and whatever reads it (``secrets``, ``uuid.uuid4``, ``random.SystemRandom``):
  ``OSError: [Errno 29] Cannot get entropy outside of request context``;
- seeding a generator from the system (``random.Random()``, ``Random.seed()`` with no seed):
  the same ``OSError``;
- the ``random`` module's functions (``random.random()``, ``randbytes``, ``choice``, ...), which
  would use a state seeded without entropy: ``RuntimeError: Cannot use random.random() outside
  of request context``; ``Random`` and ``SystemRandom`` themselves may be named there.

Inside requests all of them work, also through names bound at top level
(``from random import random``). The refusals apply to the thread loading the Worker (a
context variable), so an emulator loading a Worker never disturbs other threads of the process.

One difference, on purpose: workerd refuses entropy to every module run at top level. A
developer's environment holds packages the deployed Worker never imports (``import httpx``
imports ``rich`` when it is installed, which draws ``random.getrandbits``; FastAPI imports
``opentelemetry`` when installed, which calls ``uuid4``), so here the refusal applies when the
request for entropy comes from the Worker's own modules (its folder), directly or through the
standard library, and not when a third-party package asks for it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import random
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

ENTROPY_ERRNO = 29  # EIO in Emscripten's numbering: what getentropy() fails with there
ENTROPY_MESSAGE = "Cannot get entropy outside of request context"
# The random module's names workerd lets through at top level (they draw no entropy by being named).
RANDOM_ALLOWED = frozenset({"Random", "SystemRandom"})

# The folder of the Worker whose top level runs in this context (None: none runs).
_top_level: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "workers_emulator_top_level", default=None
)


def at_top_level() -> bool:
    """Whether a Worker's top level is running in this context."""
    return _top_level.get() is not None


# Frames that pass a request for entropy on: the standard library's and the emulator's own.
_STDLIB = os.path.dirname(os.__file__) + os.sep
_EMULATOR = os.path.dirname(__file__) + os.sep
_PACKAGES = (f"{os.sep}site-packages{os.sep}", f"{os.sep}dist-packages{os.sep}")


def _asked_by_the_worker(folder: str, depth: int) -> bool:
    """Whether the nearest caller outside the standard library (and the emulator) is one of
    the Worker's modules."""
    frame: Any = sys._getframe(depth + 1)
    while frame is not None:
        file = frame.f_code.co_filename
        passing_on = file.startswith(_EMULATOR) or (
            file.startswith(_STDLIB) and not any(p in file for p in _PACKAGES)
        )
        if not passing_on:
            return file.startswith(folder)
        frame = frame.f_back
    return False


def _refuse_entropy() -> None:
    folder = _top_level.get()
    if folder is not None and _asked_by_the_worker(folder, 2):
        raise OSError(ENTROPY_ERRNO, ENTROPY_MESSAGE)


def _guarded_urandom(original: Callable[[int], bytes]) -> Callable[[int], bytes]:
    @functools.wraps(original)
    def urandom(size: int) -> bytes:
        _refuse_entropy()
        return original(size)

    return urandom


def _guarded_seed(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def seed(self: random.Random, a: Any = None, *args: Any, **kwargs: Any) -> None:
        if a is None:  # a seed from the system's entropy
            _refuse_entropy()
        original(self, a, *args, **kwargs)

    return seed


class _RandomAtTopLevel:
    """What ``import random`` gives a Worker's top level: the module, whose functions refuse
    to run while the top level does (names bound there keep working in requests)."""

    def __init__(self, module: Any) -> None:
        object.__setattr__(self, "_module", module)

    def __getattribute__(self, name: str) -> Any:
        module = object.__getattribute__(self, "_module")
        value = getattr(module, name)
        folder = _top_level.get()
        if folder is None or not callable(value) or name in RANDOM_ALLOWED:
            return value
        if not _asked_by_the_worker(folder, 1):
            return value  # a library's top level (see the module's docstring)

        @functools.wraps(value)
        def refusing_at_top_level(*args: Any, **kwargs: Any) -> Any:
            if _top_level.get() is not None:
                raise RuntimeError(f"Cannot use random.{name}() outside of request context")
            return value(*args, **kwargs)

        return refusing_at_top_level

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "_module"), name, value)

    def __dir__(self) -> list[str]:
        return dir(object.__getattribute__(self, "_module"))


_lock = threading.Lock()
_depth = 0
_saved: dict[str, Any] = {}


@contextlib.contextmanager
def refused_at_top_level(folder: str) -> Iterator[None]:
    """Refuse entropy in this context while the block (the top level of the Worker in
    ``folder``) runs."""
    global _depth
    with _lock:
        if _depth == 0:
            _saved.update(
                urandom=os.urandom,
                random_urandom=getattr(random, "_urandom", None),
                seed=random.Random.seed,
                module=sys.modules.get("random"),
            )
            guarded = _guarded_urandom(os.urandom)
            os.urandom = guarded
            if _saved["random_urandom"] is not None:
                random._urandom = guarded  # type: ignore[attr-defined]
            random.Random.seed = _guarded_seed(random.Random.seed)  # type: ignore[method-assign]
            sys.modules["random"] = _RandomAtTopLevel(random)  # type: ignore[assignment]
        _depth += 1
    token = _top_level.set(folder.rstrip("/") + "/")
    try:
        yield
    finally:
        _top_level.reset(token)
        with _lock:
            _depth -= 1
            if _depth == 0:
                # The guards stay wherever the Worker bound them; they let everything through
                # outside a top level. Module attributes go back to what they were.
                os.urandom = _saved["urandom"]
                if _saved["random_urandom"] is not None:
                    random._urandom = _saved["random_urandom"]  # type: ignore[attr-defined]
                random.Random.seed = _saved["seed"]  # type: ignore[method-assign]
                if _saved["module"] is not None:
                    sys.modules["random"] = _saved["module"]
                _saved.clear()
