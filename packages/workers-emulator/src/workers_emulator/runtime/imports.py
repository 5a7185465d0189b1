"""How a Worker's ``import workers`` / ``js`` / ``pyodide`` / ``asgi`` reach the stand-ins.

The Worker's modules (its main module and every module loaded from its directory) get their
own ``__builtins__`` whose ``__import__`` answers those names with the emulator's modules, at
import time and inside handlers alike. Nothing is put in ``sys.modules`` under those names,
so code outside the Worker (tests comparing with the real SDK) still imports the real ones.
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
    """Loads a module of the Worker's own directory with the Worker's builtins."""

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__["__builtins__"] = WORKER_BUILTINS
        super().exec_module(module)


class _WorkerModuleFinder(importlib.abc.MetaPathFinder):
    """Gives the modules found in registered Worker directories the Worker's builtins."""

    def __init__(self) -> None:
        self._directories: dict[str, set[Path]] = {}  # top-level name -> directories

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
        directories = self._directories.get(fullname.partition(".")[0])
        if not directories:
            return None
        # The import system's own search (sys.path order); only the loader is ours.
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        origin = Path(spec.origin or "").resolve()
        if not any(origin.is_relative_to(d) for d in directories):
            return None  # not the Worker's: the finders after this one decide
        spec.loader = _WorkerSourceLoader(spec.loader.name, spec.loader.path)
        return spec


_finder = _WorkerModuleFinder()
_finder_lock = threading.Lock()


def load_worker_modules_from(directory: Path) -> None:
    """From now on, modules imported from ``directory`` run with the Worker's builtins."""
    with _finder_lock:
        _finder.register(directory.resolve())
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)


@contextlib.contextmanager
def worker_imports(directory: Path, main: types.ModuleType) -> Iterator[None]:
    """Set up the Worker's main module (about to be executed) and its directory's modules
    so that their imports of the runtime's modules give the stand-ins."""
    load_worker_modules_from(directory)
    main.__dict__["__builtins__"] = WORKER_BUILTINS
    yield


@contextlib.contextmanager
def standin_workers_module() -> Iterator[None]:
    """Make ``import workers`` (and ``js``, ``pyodide``, ``asgi``) give the stand-ins to any
    code for the block, then restore what ``sys.modules`` held: for tests that import a
    Worker module by hand."""
    names = [
        name
        for name in sys.modules
        if name.partition(".")[0] in STANDIN_ROOTS and name not in NOT_EMULATED_MODULES
    ]
    saved = {name: sys.modules.pop(name) for name in names}
    for root, target in STANDIN_ROOTS.items():
        module = importlib.import_module(target)
        sys.modules[root] = module
        # Submodules too, or `from workers.request import X` would load a second copy.
        for info in pkgutil.walk_packages(getattr(module, "__path__", []), f"{target}."):
            sub = importlib.import_module(info.name)
            sys.modules[root + info.name.removeprefix(target)] = sub
    try:
        yield
    finally:
        for name in [n for n in sys.modules if n.partition(".")[0] in STANDIN_ROOTS]:
            del sys.modules[name]
        sys.modules.update(saved)
