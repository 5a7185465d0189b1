"""JavaScript values as Pyodide shows them to Python, and the conversions between the two.

Every JavaScript object the stand-ins hand out is a ``JsProxy``: ``value.constructor.name``
names its JavaScript class (the SDK dispatches on it), ``to_py()`` converts it back.
``to_js`` / ``create_proxy`` follow Pyodide's rules (``pyodide.ffi`` re-exports them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from ..errors import JsException


class ConversionError(Exception):
    """A value that has no JavaScript (or Python) counterpart (Pyodide's error)."""


class JsConstructor:
    """``value.constructor``: the JavaScript class, with its ``name`` and ``new``."""

    __slots__ = ("cls",)

    def __init__(self, cls: type[JsProxy]) -> None:
        self.cls = cls

    @property
    def name(self) -> str:
        return self.cls.js_name

    def new(self, *args: Any, **kwargs: Any) -> Any:
        return self.cls.new(*args, **kwargs)

    def __repr__(self) -> str:
        return f"[class {self.name}]"


def with_options(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """A JavaScript call's arguments: Pyodide passes keyword arguments as a last object."""
    return (*args, JsObject(kwargs)) if kwargs else args


def option(options: Any, name: str, default: Any = None) -> Any:
    """``options[name]`` of a JavaScript options argument (object, dict, JsProxy or absent)."""
    if options is None:
        return default
    if isinstance(options, dict):
        return options.get(name, default)
    if isinstance(options, JsObject):
        return options._props.get(name, default)
    return getattr(options, name, default)


class JsProxy:
    """A JavaScript object seen from Python (Pyodide's ``JsProxy``)."""

    js_name: ClassVar[str] = "Object"
    typeof: ClassVar[str] = "object"

    @property
    def constructor(self) -> JsConstructor:
        return JsConstructor(type(self))

    @classmethod
    def new(cls, *args: Any, **kwargs: Any) -> Any:
        """``new Class(...)``; keyword arguments become the last (options) argument."""
        return cls(*with_options(args, kwargs))

    def to_py(
        self,
        *,
        depth: int = -1,
        default_converter: Callable[[Any, Callable[[Any], Any], Callable[[Any, Any], None]], Any]
        | None = None,
    ) -> Any:
        """This value as Python data; objects without a Python counterpart stay themselves
        unless ``default_converter`` says otherwise."""
        if default_converter is None:
            return self
        return default_converter(self, lambda v: to_py(v, depth, default_converter), _no_cache)

    def __repr__(self) -> str:
        return f"[object {self.js_name}]"


def _no_cache(_js: Any, _py: Any) -> None:
    return None


class _JsNull:
    """JavaScript's ``null`` (Pyodide's ``jsnull``): falsy, distinct from None."""

    _instance: ClassVar[_JsNull | None] = None

    def __new__(cls) -> _JsNull:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "jsnull"


JsNull = _JsNull
jsnull = _JsNull()


class JsObject(JsProxy):
    """A plain JavaScript object: its properties are attributes."""

    def __init__(self, props: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_props", dict(props or {}))

    @classmethod
    def new(cls, *args: Any, **kwargs: Any) -> JsObject:
        return cls(kwargs)

    def __getattr__(self, name: str) -> Any:
        props = object.__getattribute__(self, "_props")
        try:
            return props[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._props[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._props[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return sorted(self._props)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def object_keys(self) -> JsArray:
        return JsArray(list(self._props))

    def object_values(self) -> JsArray:
        return JsArray(list(self._props.values()))

    def object_entries(self) -> JsArray:
        return JsArray([JsArray([k, v]) for k, v in self._props.items()])

    def as_object_map(self) -> dict[str, Any]:
        """The properties as a live mapping."""
        return self._props

    def to_py(self, *, depth: int = -1, default_converter: Any = None) -> Any:
        if depth == 0:
            return self
        return {k: to_py(v, depth - 1, default_converter) for k, v in self._props.items()}


class JsArray(JsProxy):
    """A JavaScript Array: a mutable sequence with the JavaScript methods Workers use."""

    js_name = "Array"

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._items = list(items)

    @classmethod
    def new(cls, *args: Any, **kwargs: Any) -> JsArray:
        if len(args) == 1 and isinstance(args[0], int) and not isinstance(args[0], bool):
            return cls([None] * args[0])
        return cls(args)

    @classmethod
    def from_(cls, iterable: Iterable[Any]) -> JsArray:
        return cls(iterable)

    @staticmethod
    def isArray(value: Any) -> bool:
        return isinstance(value, JsArray)

    @classmethod
    def of(cls, *items: Any) -> JsArray:
        return cls(items)

    @property
    def length(self) -> int:
        return len(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def __setitem__(self, index: int, value: Any) -> None:
        self._items[index] = value

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __contains__(self, value: object) -> bool:
        return value in self._items

    def append(self, value: Any) -> None:
        self._items.append(value)

    def extend(self, values: Iterable[Any]) -> None:
        self._items.extend(values)

    def push(self, *values: Any) -> int:
        self._items.extend(values)
        return len(self._items)

    def pop(self, index: int = -1) -> Any:
        return self._items.pop(index)

    def includes(self, value: Any) -> bool:
        return value in self._items

    def indexOf(self, value: Any) -> int:
        try:
            return self._items.index(value)
        except ValueError:
            return -1

    def join(self, separator: str = ",") -> str:
        return separator.join("" if v is None else str(v) for v in self._items)

    def slice(self, start: int = 0, end: int | None = None) -> JsArray:
        return JsArray(self._items[start:end])

    def map(self, fn: Callable[..., Any]) -> JsArray:
        return JsArray(fn(v) for v in self._items)

    def forEach(self, fn: Callable[..., Any]) -> None:
        for v in self._items:
            fn(v)

    def to_py(self, *, depth: int = -1, default_converter: Any = None) -> Any:
        if depth == 0:
            return self
        return [to_py(v, depth - 1, default_converter) for v in self._items]

    def __repr__(self) -> str:
        return ",".join(repr(v) for v in self._items)


class JsMap(JsProxy):
    """A JavaScript Map (what ``to_js`` makes of a dict without a ``dict_converter``)."""

    js_name = "Map"

    def __init__(self, entries: Iterable[Any] = ()) -> None:
        self._data: dict[Any, Any] = {}
        for key, value in entries:
            self._data[key] = value

    @property
    def size(self) -> int:
        return len(self._data)

    def get(self, key: Any, default: Any = None) -> Any:
        return self._data.get(key, default)

    def set(self, key: Any, value: Any) -> JsMap:
        self._data[key] = value
        return self

    def has(self, key: Any) -> bool:
        return key in self._data

    def delete(self, key: Any) -> bool:
        return self._data.pop(key, _MISSING) is not _MISSING

    def keys(self) -> Iterator[Any]:
        return iter(list(self._data))

    def values(self) -> Iterator[Any]:
        return iter(list(self._data.values()))

    def entries(self) -> Iterator[JsArray]:
        return iter([JsArray([k, v]) for k, v in self._data.items()])

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._data[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def to_py(self, *, depth: int = -1, default_converter: Any = None) -> Any:
        if depth == 0:
            return self
        return {k: to_py(v, depth - 1, default_converter) for k, v in self._data.items()}


_MISSING = object()


class JsSet(JsProxy):
    """A JavaScript Set (what ``to_js`` makes of a Python set)."""

    js_name = "Set"

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._items = dict.fromkeys(items)

    @property
    def size(self) -> int:
        return len(self._items)

    def add(self, value: Any) -> JsSet:
        self._items[value] = None
        return self

    def has(self, value: Any) -> bool:
        return value in self._items

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def to_py(self, *, depth: int = -1, default_converter: Any = None) -> Any:
        return set(self._items)


class PyProxy(JsProxy):
    """What ``create_proxy`` returns: a Python object JavaScript can hold (and call)."""

    js_name = "PyProxy"

    def __init__(self, obj: Any, *, once: bool = False) -> None:
        self._obj = obj
        self._once = once
        self._destroyed = False

    @property
    def typeof(self) -> str:  # type: ignore[override]
        return "function" if callable(self._obj) else "object"

    def _target(self) -> Any:
        if self._destroyed:
            raise JsException("Error", "Object has already been destroyed")
        return self._obj

    def unwrap(self) -> Any:
        return self._target()

    def destroy(self) -> None:
        self._destroyed = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        target = self._target()
        if self._once:
            self._destroyed = True
        return target(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # JavaScript reading a property of the proxied Python object.
        return getattr(self._target(), name)

    def getBuffer(self, type: str = "u8") -> PyBufferView:
        return PyBufferView(self._target())

    def to_py(self, *, depth: int = -1, default_converter: Any = None) -> Any:
        return self._target()

    def __repr__(self) -> str:
        return f"PyProxy({self._obj!r})"


class PyBufferView:
    """``proxy.getBuffer()``: the bytes of a Python buffer as a ``Uint8Array`` in ``data``."""

    def __init__(self, obj: Any) -> None:
        from .js.buffers import Uint8Array

        self.data = Uint8Array(bytes(memoryview(obj)))

    def release(self) -> None:
        """Nothing to free here: ``data`` holds its own copy."""


def create_proxy(obj: Any, *, capture_this: bool = False, roundtrip: bool = True) -> PyProxy:
    """A proxy JavaScript can keep beyond the call (``pyodide.ffi.create_proxy``)."""
    return PyProxy(obj)


def create_once_callable(obj: Callable[..., Any], *, _may_syncify: bool = False) -> PyProxy:
    """A proxy that frees itself after its first call (``pyodide.ffi.create_once_callable``)."""
    return PyProxy(obj, once=True)


def destroy_proxies(proxies: Iterable[Any]) -> None:
    """Destroy each ``PyProxy`` of ``proxies`` (a JavaScript array of them)."""
    for proxy in proxies:
        if isinstance(proxy, PyProxy):
            proxy.destroy()


def to_js(
    obj: Any,
    *,
    depth: int = -1,
    pyproxies: Any = None,
    create_pyproxies: bool = True,
    dict_converter: Callable[[Iterable[JsArray]], Any] | None = None,
    default_converter: Callable[[Any, Callable[[Any], Any], Callable[[Any, Any], None]], Any]
    | None = None,
    eager_converter: Callable[[Any, Callable[[Any], Any], Callable[[Any, Any], None]], Any]
    | None = None,
) -> Any:
    """Python data to JavaScript, as Pyodide's ``to_js`` converts it: bytes-likes become a
    ``Uint8Array`` (a copy), lists and tuples Arrays, dicts a ``Map`` (or what
    ``dict_converter`` makes of their ``[key, value]`` entries, ``Object.fromEntries`` for
    plain objects), sets a ``Set``; immutable values and JavaScript objects stay as they
    are; anything else becomes a ``PyProxy`` (or ``default_converter``'s answer)."""
    from .js.buffers import Uint8Array

    def convert(value: Any, level: int) -> Any:
        if value is None or isinstance(value, str | int | float | bool | JsProxy | _JsNull):
            return value
        if eager_converter is not None:
            return eager_converter(value, lambda v: convert(v, level), _no_cache)
        if level == 0:
            return _proxy(value)
        if isinstance(value, bytes | bytearray | memoryview):
            return Uint8Array(bytes(value))
        if isinstance(value, list | tuple):
            return JsArray(convert(v, level - 1) for v in value)
        if isinstance(value, dict):
            entries = [JsArray([k, convert(v, level - 1)]) for k, v in value.items()]
            if dict_converter is not None:
                return dict_converter(JsArray(entries))
            return JsMap(entries)
        if isinstance(value, set | frozenset):
            return JsSet(convert(v, level - 1) for v in value)
        if default_converter is not None:
            return default_converter(value, lambda v: convert(v, level - 1), _no_cache)
        return _proxy(value)

    def _proxy(value: Any) -> Any:
        if not create_pyproxies:
            raise ConversionError(
                f"No conversion known for x and create_pyproxies=False: {value!r}"
            )
        proxy = create_proxy(value)
        if pyproxies is not None:
            pyproxies.push(proxy) if isinstance(pyproxies, JsArray) else pyproxies.append(proxy)
        return proxy

    return convert(obj, depth)


def to_py(value: Any, depth: int = -1, default_converter: Any = None) -> Any:
    """A JavaScript value back to Python (what ``JsProxy.to_py`` does for each member)."""
    if isinstance(value, JsProxy):
        return value.to_py(depth=depth, default_converter=default_converter)
    return value
