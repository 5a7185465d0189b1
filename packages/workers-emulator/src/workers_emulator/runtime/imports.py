"""How the Worker's ``import workers`` / ``js`` / ``pyodide`` / ``asgi`` reach the stand-ins.

On the platform those names exist once per isolate, the runtime's, and every module in it gets
them: the Worker's own and the packages it ships (``django_cf`` imports ``workers`` and
``pyodide.ffi``). Here the answer depends on what else shares the process:

- ``workers-emulator dev`` is the Worker's process, as an isolate is: for its life
  (``standin_workers_module()``) the stand-ins are in ``sys.modules``, so every way of
  importing (``import``, ``importlib.import_module``, ``find_spec``) from every module gets
  them, as there.
- An ``Emulator`` inside a test suite shares the process with code that must keep the real
  modules (tests comparing the stand-in with the real SDK), so nothing is put in
  ``sys.modules`` under those names. The Worker's modules get their own ``__builtins__``
  whose ``__import__`` answers those names with the stand-ins, at import time and inside
  handlers alike. The Worker's modules are those of its directory and every module first
  imported while the Worker runs (its top level, a handler: ``current_env`` is set in that
  context only, so other threads and tasks are untouched), which is how its packages arrive.
  A package imported before the Worker first ran, and ``importlib.import_module("workers")``
  (not an ``import`` statement), still get the real modules there.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import importlib.abc
import importlib.machinery
import pkgutil
import sys
import threading
import types
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import NotEmulatedError
from .workers._context import current_env

_PACKAGE = __name__.rpartition(".")[0]  # workers_emulator.runtime

# The runtime's module names and the stand-in answering each ("asgi" is the SDK's
# top-level compatibility alias of workers.asgi).
STANDIN_ROOTS: dict[str, str] = {
    "workers": f"{_PACKAGE}.workers",
    "js": f"{_PACKAGE}.js",
    "pyodide": f"{_PACKAGE}.pyodide",
    "asgi": f"{_PACKAGE}.workers.asgi",
}

# Pyodide modules a Worker could import on the platform that have no stand-in here.
NOT_EMULATED_MODULES = frozenset(
    {
        "pyodide.code",
        "pyodide.console",
        "pyodide.webloop",
        "pyodide.ffi.wrappers",
        "pyodide.http.pyxhr",
    }
)

_builtin_import = builtins.__import__


def standin_module(name: str) -> types.ModuleType | None:
    """The stand-in for runtime module ``name`` (``workers.asgi``), None if not one of them.

    Raises ``NotEmulatedError`` for a runtime module without a stand-in and
    ``ModuleNotFoundError`` (naming ``name``) for one the runtime does not have either.
    """
    top, _, rest = name.partition(".")
    target = STANDIN_ROOTS.get(top)
    if target is None:
        return None
    if name in NOT_EMULATED_MODULES:
        raise NotEmulatedError(f"the module {name}")
    full = f"{target}.{rest}" if rest else target
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.startswith(target):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name) from None
        raise


def _worker_import(
    name: str,
    globals: dict[str, Any] | None = None,
    locals: dict[str, Any] | None = None,
    fromlist: Sequence[str] | None = (),
    level: int = 0,
) -> types.ModuleType:
    """``__import__`` of the Worker's modules: the runtime's names go to the stand-ins."""
    if level == 0 and name.partition(".")[0] in STANDIN_ROOTS:
        module = standin_module(name)
        assert module is not None
        if not fromlist:
            # `import workers.asgi` binds `workers`.
            top = standin_module(name.partition(".")[0])
            assert top is not None
            return top
        for item in fromlist:
            # `from workers import wsgi`: a submodule is loaded on demand, as import does.
            if item != "*" and not hasattr(module, item) and hasattr(module, "__path__"):
                with contextlib.suppress(ModuleNotFoundError):
                    standin_module(f"{name}.{item}")
        return module
    return _builtin_import(name, globals, locals, fromlist or (), level)


# The builtins every Worker module runs with: the interpreter's, with the import above.
WORKER_BUILTINS: dict[str, Any] = dict(builtins.__dict__)
WORKER_BUILTINS["__import__"] = _worker_import


class _WorkerSourceLoader(importlib.machinery.SourceFileLoader):
    """Loads a module from source with the Worker's builtins."""

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__["__builtins__"] = WORKER_BUILTINS
        super().exec_module(module)


class _WorkerSourcelessLoader(importlib.machinery.SourcelessFileLoader):
    """Loads a module shipped as bytecode only with the Worker's builtins."""

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__["__builtins__"] = WORKER_BUILTINS
        super().exec_module(module)


# The interpreter's file loaders, and ours for each; other loaders (extension modules, zip
# imports, import hooks' own) are left as they are.
_WORKER_LOADERS: dict[type, type[importlib.abc.FileLoader]] = {
    importlib.machinery.SourceFileLoader: _WorkerSourceLoader,
    importlib.machinery.SourcelessFileLoader: _WorkerSourcelessLoader,
}


def _worker_is_running() -> bool:
    """Whether this context runs the Worker: its top level loading, or one of its events."""
    return current_env.get() is not None


class _WorkerModuleFinder(importlib.abc.MetaPathFinder):
    """Gives the Worker's builtins to the modules of registered Worker directories, and to
    every module first imported while the Worker runs; the spec itself is the other
    finders' (sys.path order, import hooks), only its loader is ours."""

    def __init__(self) -> None:
        self._directories: dict[str, set[Path]] = {}  # top-level name -> directories
        self._searching = threading.local()  # names being looked up: re-entry is not ours

    def register(self, directory: Path) -> None:
        for entry in directory.iterdir():
            name = entry.stem if entry.suffix == ".py" else entry.name
            if name.isidentifier() and (entry.is_dir() or entry.suffix == ".py"):
                self._directories.setdefault(name, set()).add(directory)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        top = fullname.partition(".")[0]
        if _standins_registered and fullname in NOT_EMULATED_MODULES:
            raise NotEmulatedError(f"the module {fullname}")
        # The runtime's names are answered by __import__, and the emulator is not the Worker.
        if top in STANDIN_ROOTS or top == "workers_emulator":
            return None
        directories = self._directories.get(top)
        running = _worker_is_running()
        if not directories and not running:
            return None
        spec = self._others_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return None
        ours = _WORKER_LOADERS.get(type(spec.loader))
        if ours is None:
            return None
        if not running:
            origin = Path(spec.origin or "").resolve()
            if not any(origin.is_relative_to(d) for d in directories or ()):
                return None  # not the Worker's: the finders after this one decide
        loader = spec.loader
        assert isinstance(loader, importlib.abc.FileLoader)
        spec.loader = ours(loader.name, loader.path)
        return spec

    def _others_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None
    ) -> importlib.machinery.ModuleSpec | None:
        """The spec the finders after this one give, as if this one were not there."""
        searching: set[str] = self._searching.__dict__.setdefault("names", set())
        if fullname in searching:
            return None  # a finder that asks every finder in turn has asked us back
        searching.add(fullname)
        try:
            for finder in list(sys.meta_path):
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    return spec
            return None
        finally:
            searching.discard(fullname)


_finder = _WorkerModuleFinder()
_finder_lock = threading.Lock()
_standins_registered = 0  # standin_workers_module() blocks open: the stand-ins are in sys.modules


def _install_finder() -> None:
    with _finder_lock:
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)


def load_worker_modules_from(directory: Path) -> None:
    """From now on, modules imported from ``directory`` run with the Worker's builtins."""
    with _finder_lock:
        _finder.register(directory.resolve())
    _install_finder()


@contextlib.contextmanager
def worker_imports(directory: Path, main: types.ModuleType) -> Iterator[None]:
    """Set up the Worker's main module (about to be executed) and its directory's modules
    so that their imports of the runtime's modules give the stand-ins."""
    load_worker_modules_from(directory)
    main.__dict__["__builtins__"] = WORKER_BUILTINS
    yield


def _register_standins() -> dict[str, types.ModuleType]:
    """Put the stand-ins in ``sys.modules`` under the runtime's names; what they replaced."""
    names = [name for name in sys.modules if name.partition(".")[0] in STANDIN_ROOTS]
    saved = {name: sys.modules.pop(name) for name in names}
    for root, target in STANDIN_ROOTS.items():
        module = importlib.import_module(target)
        sys.modules[root] = module
        # Submodules too, or `from workers.request import X` would load a second copy.
        for info in pkgutil.walk_packages(getattr(module, "__path__", []), f"{target}."):
            sub = importlib.import_module(info.name)
            sys.modules[root + info.name.removeprefix(target)] = sub
    return saved


@contextlib.contextmanager
def standin_workers_module() -> Iterator[None]:
    """Make ``import workers`` (and ``js``, ``pyodide``, ``asgi``) give the stand-ins to any
    code, by any means, for the block, then restore what ``sys.modules`` held: for
    ``workers-emulator dev`` (the Worker's process) for its life, and for tests that import a
    Worker module by hand."""
    global _standins_registered
    with _finder_lock:
        saved = _register_standins()
        _standins_registered += 1
    _install_finder()  # it refuses the Pyodide modules without a stand-in
    try:
        yield
    finally:
        with _finder_lock:
            _standins_registered -= 1
            for name in [n for n in sys.modules if n.partition(".")[0] in STANDIN_ROOTS]:
                del sys.modules[name]
            sys.modules.update(saved)
