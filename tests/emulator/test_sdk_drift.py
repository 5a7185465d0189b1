"""The stand-in ``workers`` module must not drift from the real Python Workers SDK.

The real SDK (``workers-runtime-sdk``) cannot be imported on CPython (it needs ``js`` and
Pyodide), so both are read as source with ``ast``: every public class, function, method
and property the stand-in defines must exist in the SDK with the same parameters (names,
kinds, defaults), the same decorator kind and the same sync/async nature.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
from pathlib import Path

import pytest
import workers_emulator.runtime.workers as standin_package

STANDIN_DIR = Path(standin_package.__file__).parent
# Methods that are part of the API although they start with an underscore.
PUBLIC_DUNDERS = {"__init__", "__call__", "__getattr__"}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # a top-level name: nothing is imported
    assert spec is not None and spec.submodule_search_locations, f"{name} is not installed"
    return Path(next(iter(spec.submodule_search_locations)))


@dataclasses.dataclass(frozen=True)
class Signature:
    kind: str  # function | method | property | staticmethod | classmethod
    is_async: bool
    params: tuple[tuple[str, str, str | None], ...]  # (name, parameter kind, default source)

    def describe(self) -> str:
        parts = [f"{n}{'=' + d if d is not None else ''} [{k}]" for n, k, d in self.params]
        prefix = "async " if self.is_async else ""
        return f"{prefix}{self.kind}({', '.join(parts)})"


@dataclasses.dataclass
class ClassInfo:
    bases: list[str]
    members: dict[str, Signature]
    module: ModuleInfo


@dataclasses.dataclass
class ModuleInfo:
    path: Path
    classes: dict[str, ClassInfo]
    functions: dict[str, Signature]
    assigned: set[str]
    all_names: list[str] | None
    reexported: set[str] = dataclasses.field(default_factory=set)  # from relative imports


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> Signature:
    kind = "method" if in_class else "function"
    for decorator in node.decorator_list:
        name = ast.unparse(decorator)
        if name == "property" or name.endswith((".setter", ".getter")):
            kind = "property"
        elif name in ("staticmethod", "classmethod"):
            kind = name
    a = node.args
    positional = [*a.posonlyargs, *a.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(
        a.defaults
    )
    params: list[tuple[str, str, str | None]] = []
    for i, arg in enumerate(positional):
        pkind = "positional_only" if i < len(a.posonlyargs) else "positional_or_keyword"
        default = defaults[i]
        params.append((arg.arg, pkind, ast.unparse(default) if default is not None else None))
    if a.vararg:
        params.append((a.vararg.arg, "var_positional", None))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        params.append(
            (arg.arg, "keyword_only", ast.unparse(default) if default is not None else None)
        )
    if a.kwarg:
        params.append((a.kwarg.arg, "var_keyword", None))
    return Signature(kind, isinstance(node, ast.AsyncFunctionDef), tuple(params))


def parse_module(source: str, path: Path) -> ModuleInfo:
    tree = ast.parse(source)
    info = ModuleInfo(path, {}, {}, set(), None)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members: dict[str, Signature] = {}
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    # A property setter keeps the getter's entry.
                    members.setdefault(item.name, _signature(item, in_class=True))
            info.classes[node.name] = ClassInfo([ast.unparse(b) for b in node.bases], members, info)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            info.functions[node.name] = _signature(node, in_class=False)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            info.reexported.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    info.assigned.add(target.id)
                    if target.id == "__all__" and isinstance(node.value, ast.List):
                        info.all_names = [ast.literal_eval(e) for e in node.value.elts]
    return info


def _parse_file(path: Path) -> ModuleInfo:
    return parse_module(path.read_text(encoding="utf-8"), path)


class RealSDK:
    """The installed SDK's source, with base classes resolved (including Pyodide's)."""

    def __init__(self) -> None:
        self.dir = _package_dir("workers")
        assert self.dir.resolve() != STANDIN_DIR.resolve(), "the stand-in shadows the real SDK"
        self.modules = _modules_under(self.dir)
        self._pyodide_http: ModuleInfo | None = None

    def _resolve_base(self, base: str, module: ModuleInfo) -> ClassInfo | None:
        if base in module.classes:
            return module.classes[base]
        if base == "pyodide.http.FetchResponse":
            if self._pyodide_http is None:
                self._pyodide_http = _pyodide_fetch_response_module()
            return self._pyodide_http.classes.get("FetchResponse")
        for other in self.modules.values():
            if base in other.classes:
                return other.classes[base]
        return None

    def find_member(
        self, cls: ClassInfo, name: str, *, with_pyodide: bool = True
    ) -> Signature | None:
        """Look ``name`` up along the class's bases, as attribute lookup would (Pyodide's
        ``FetchResponse`` included unless ``with_pyodide`` is false)."""
        if name in cls.members:
            return cls.members[name]
        for base in cls.bases:
            if not with_pyodide and base.startswith("pyodide."):
                continue
            resolved = self._resolve_base(base, cls.module)
            if resolved is not None and (
                found := self.find_member(resolved, name, with_pyodide=with_pyodide)
            ):
                return found
        return None


def _extends(mine: Signature, real: Signature) -> bool:
    """``mine`` takes every positional call ``real`` takes: parameters of the same kinds and
    defaults first, then only ones with defaults. For members from Pyodide, which change
    between its versions (0.29 added ``FetchResponse``'s abort parameters and renamed ``url``
    to ``request``), so one stand-in fits the Pyodide of Python 3.11 and of 3.13."""
    head, tail = mine.params[: len(real.params)], mine.params[len(real.params) :]
    return (
        (mine.kind, mine.is_async) == (real.kind, real.is_async)
        and [p[1:] for p in head] == [p[1:] for p in real.params]
        and all(default is not None for _, _, default in tail)
    )


def _modules_under(directory: Path) -> dict[str, ModuleInfo]:
    """Every module of a package, keyed by its path without ``.py`` (``gateway/options``)."""
    return {
        p.relative_to(directory).with_suffix("").as_posix(): _parse_file(p)
        for p in sorted(directory.rglob("*.py"))
    }


def _pyodide_fetch_response_module() -> ModuleInfo:
    """Where the installed Pyodide defines ``FetchResponse``: ``pyodide/http.py`` (0.25,
    Python 3.11) or ``pyodide/http/_pyfetch.py`` (0.29, Python 3.13)."""
    http = _package_dir("pyodide") / "http"
    for candidate in (http.with_suffix(".py"), http / "_pyfetch.py"):
        if candidate.is_file():
            return _parse_file(candidate)
    raise AssertionError(f"no FetchResponse under {http}")


def _is_public(name: str) -> bool:
    return not name.startswith("_") or name in PUBLIC_DUNDERS


def drift(standin: dict[str, ModuleInfo], sdk: RealSDK) -> list[str]:
    """Every way the stand-in differs from the SDK, as readable lines (empty: no drift)."""
    problems: list[str] = []
    for module_name, module in sorted(standin.items()):
        real = sdk.modules.get(module_name)
        if real is None:
            problems.append(f"workers/{module_name}.py: the SDK has no such module")
            continue
        if module.all_names is not None:
            extra = set(module.all_names) - set(real.all_names or [])
            for name in sorted(extra):
                problems.append(f"workers.{name}: exported, but the SDK does not export it")
        real_names = (
            set(real.all_names or [])
            | real.reexported
            | real.assigned
            | set(real.functions)
            | set(real.classes)
        )
        # Only the package's __init__ is API by import; elsewhere imports are incidental.
        for name in sorted(module.reexported if module_name.endswith("__init__") else ()):
            if _is_public(name) and name not in real_names:
                problems.append(f"{module_name}.{name}: imported into the module, not in the SDK's")
        for name in sorted(module.assigned):
            if _is_public(name) and name != "__all__" and name not in real.assigned:
                problems.append(f"{module_name}.{name}: the SDK module does not define it")
        for name, sig in sorted(module.functions.items()):
            if not _is_public(name) or name == "__getattr__":
                continue
            real_sig = real.functions.get(name)
            if real_sig is None:
                problems.append(f"{module_name}.{name}(): the SDK does not define it")
            elif real_sig != sig:
                problems.append(
                    f"{module_name}.{name}: {sig.describe()} != SDK {real_sig.describe()}"
                )
        for cls_name, cls in sorted(module.classes.items()):
            if not _is_public(cls_name):
                continue
            real_cls = real.classes.get(cls_name)
            if real_cls is None:
                problems.append(f"{module_name}.{cls_name}: the SDK does not define this class")
                continue
            for member, sig in sorted(cls.members.items()):
                if not _is_public(member):
                    continue
                real_sig = sdk.find_member(real_cls, member)
                where = f"{module_name}.{cls_name}.{member}"
                from_pyodide = sdk.find_member(real_cls, member, with_pyodide=False) is None
                if real_sig is None:
                    problems.append(f"{where}: the SDK class has no such member")
                elif from_pyodide and _extends(sig, real_sig):
                    continue
                elif real_sig != sig:
                    problems.append(f"{where}: {sig.describe()} != SDK {real_sig.describe()}")
    return problems


def _find_in(modules: dict[str, ModuleInfo], cls: ClassInfo, name: str) -> Signature | None:
    """``name`` along the stand-in class's bases (classes of the stand-in's modules)."""
    if name in cls.members:
        return cls.members[name]
    for base in cls.bases:
        for module in modules.values():
            if base in module.classes and (found := _find_in(modules, module.classes[base], name)):
                return found
    return None


def missing(standin: dict[str, ModuleInfo], sdk: RealSDK) -> list[str]:
    """Every public name of the SDK the stand-in lacks or defines differently (the reverse
    of ``drift``): modules, functions, classes and their own members, module constants and
    the package's exports. Members a class inherits from Pyodide are left out: Pyodide's
    differ per Python version (``drift`` holds the stand-in to the installed one)."""
    problems: list[str] = []
    for module_name, real in sorted(sdk.modules.items()):
        if module_name.rpartition("/")[2].startswith("_") and not module_name.endswith("__init__"):
            continue
        mine = standin.get(module_name)
        if mine is None:
            problems.append(f"workers/{module_name}.py: the stand-in has no such module")
            continue
        names = set(mine.functions) | set(mine.classes) | mine.assigned | mine.reexported
        for name in sorted(set(real.all_names or []) - set(mine.all_names or [])):
            problems.append(f"workers.{name}: the SDK exports it, the stand-in does not")
        exported = real.reexported if module_name.endswith("__init__") else set()
        for name in sorted(exported | real.assigned):
            if _is_public(name) and name != "__all__" and name not in names:
                problems.append(f"{module_name}.{name}: in the SDK, not in the stand-in")
        for name, sig in sorted(real.functions.items()):
            if not _is_public(name):
                continue
            if name not in mine.functions:
                problems.append(f"{module_name}.{name}(): in the SDK, not in the stand-in")
            elif (my_function := mine.functions[name]) != sig:
                problems.append(
                    f"{module_name}.{name}: SDK {sig.describe()} != {my_function.describe()}"
                )
        for cls_name, cls in sorted(real.classes.items()):
            if not _is_public(cls_name):
                continue
            my_cls = mine.classes.get(cls_name)
            if my_cls is None:
                problems.append(f"{module_name}.{cls_name}: an SDK class the stand-in lacks")
                continue
            for member, sig in sorted(cls.members.items()):
                if not _is_public(member):
                    continue
                my_sig = _find_in(standin, my_cls, member)
                where = f"{module_name}.{cls_name}.{member}"
                if my_sig is None:
                    problems.append(f"{where}: in the SDK, not in the stand-in")
                elif my_sig != sig:
                    problems.append(f"{where}: SDK {sig.describe()} != {my_sig.describe()}")
    return problems


def _standin_modules() -> dict[str, ModuleInfo]:
    # Private modules (_headers.py...) are the stand-in's own; package __init__s are API.
    return {
        name: module
        for name, module in _modules_under(STANDIN_DIR).items()
        if not name.rpartition("/")[2].startswith("_") or name.endswith("__init__")
    }


@pytest.fixture(scope="module")
def sdk() -> RealSDK:
    return RealSDK()


def test_the_real_sdk_is_found_without_importing_it(sdk: RealSDK) -> None:
    assert (sdk.dir / "request.py").is_file()
    assert "Response" in sdk.modules["response"].classes
    # It needs Pyodide's `js` module, which CPython lacks: that is why it is read, not imported.
    assert "import js" in (sdk.dir / "request.py").read_text(encoding="utf-8")


def test_standin_matches_the_real_sdk(sdk: RealSDK) -> None:
    assert drift(_standin_modules(), sdk) == []


def test_every_public_name_of_the_sdk_is_in_the_standin(sdk: RealSDK) -> None:
    assert missing(_standin_modules(), sdk) == []


def test_the_sdks_top_level_asgi_alias_is_answered_too() -> None:
    from workers_emulator.runtime.imports import STANDIN_ROOTS

    sdk_root = _package_dir("workers").parent
    assert (sdk_root / "asgi.py").is_file()  # `import asgi` exists in the real SDK
    assert STANDIN_ROOTS["asgi"].endswith("workers.asgi")


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        # A class member the SDK has and the stand-in lacks.
        (
            "class Request:\n    def __init__(self, input, **other_options): ...\n",
            "request",
            "request.Request.mode: in the SDK, not in the stand-in",
        ),
        # A module function missing.
        (
            "def patch_env(d=None, **kwds): ...\n",
            "utils",
            "utils.import_from_javascript(): in the SDK, not in the stand-in",
        ),
        # A module constant missing.
        (
            "NULL_BODY_STATUSES = frozenset()\n",
            "asgi",
            "asgi.ASGI: in the SDK, not in the stand-in",
        ),
        # Another signature.
        ("def fetch(app, req, env): ...\n", "asgi", "asgi.fetch: SDK"),
    ],
)
def test_a_missing_or_different_sdk_name_is_reported(
    sdk: RealSDK, source: str, module: str, expected: str
) -> None:
    modules = _standin_modules() | {module: parse_module(source, Path(f"{module}.py"))}
    problems = missing(modules, sdk)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_missing_submodule_is_reported(sdk: RealSDK) -> None:
    modules = {k: v for k, v in _standin_modules().items() if k != "wsgi"}
    assert "workers/wsgi.py: the stand-in has no such module" in missing(modules, sdk)


def test_standin_covers_what_workers_use(sdk: RealSDK) -> None:
    modules = _standin_modules()
    assert {"Request", "Response", "FetchResponse", "WorkerEntrypoint", "handler"} <= set(
        modules["__init__"].all_names or []
    )
    response = modules["response"].classes["FetchResponse"].members
    assert {"json", "from_json", "redirect", "status", "headers", "text"} <= set(response)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # A changed default.
        (
            "class Response:\n"
            "    def __init__(self, body=None, status=200, status_text='', headers=None,"
            " web_socket=None): ...\n",
            "response.Response.__init__",
        ),
        # A renamed parameter.
        (
            "class FetchResponse:\n"
            "    @staticmethod\n"
            "    def redirect(location, status=HTTPStatus.FOUND): ...\n",
            "response.FetchResponse.redirect",
        ),
        # Sync where the SDK is async (Request lives in request.py).
        ("class FetchResponse:\n    def text(self): ...\n", "response.FetchResponse.text"),
        # A property turned into a method.
        ("class FetchResponse:\n    def status(self): ...\n", "response.FetchResponse.status"),
        # A public name the SDK does not have.
        ("class FetchResponse:\n    def stream(self): ...\n", "response.FetchResponse.stream"),
        ("def helper(x): ...\n", "response.helper"),
    ],
)
def test_drift_is_detected(sdk: RealSDK, source: str, expected: str) -> None:
    fake = {"response": parse_module(source, Path("response.py"))}
    problems = drift(fake, sdk)
    assert problems and any(expected in p for p in problems), problems


def test_a_reexported_name_the_sdk_lacks_is_reported(sdk: RealSDK) -> None:
    source = "from ._context import Env, current_env as _current_env\nfrom typing import Any\n"
    fake = {"__init__": parse_module(source, Path("__init__.py"))}
    assert drift(fake, sdk) == ["__init__.Env: imported into the module, not in the SDK's"]


def test_a_module_the_sdk_lacks_is_reported(sdk: RealSDK) -> None:
    fake = {"streams": parse_module("class ReadableStream: ...\n", Path("streams.py"))}
    assert drift(fake, sdk) == ["workers/streams.py: the SDK has no such module"]
