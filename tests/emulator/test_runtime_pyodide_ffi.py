"""``pyodide.ffi`` converts as Pyodide does on the runtime."""

from __future__ import annotations

import pytest
from workers_emulator import NotEmulatedError
from workers_emulator.runtime import js
from workers_emulator.runtime.pyodide import ffi, http


def test_bytes_become_a_uint8array_with_a_buffer() -> None:
    array = ffi.to_js(b"\x00\x01\x02")
    assert array.constructor.name == "Uint8Array"
    assert (array.length, array[1], array.buffer.byteLength) == (3, 1, 3)
    assert array.buffer.to_bytes() == b"\x00\x01\x02"
    assert bytes(array.to_py()) == b"\x00\x01\x02"  # a memoryview, as Pyodide gives
    view = js.Uint8Array.new(array.buffer, 1, 2)
    view[0] = 9  # a view shares its buffer
    assert array.to_bytes() == b"\x00\x09\x02"


def test_dicts_become_maps_or_objects_with_a_dict_converter() -> None:
    as_map = ffi.to_js({"a": 1})
    assert as_map.constructor.name == "Map" and as_map.get("a") == 1
    obj = ffi.to_js({"a": {"b": [1, (2, 3)]}}, dict_converter=js.Object.fromEntries)
    assert obj.constructor.name == "Object"
    assert obj.a.b[1].constructor.name == "Array"
    assert obj.to_py() == {"a": {"b": [1, [2, 3]]}}


def test_lists_become_arrays_and_other_objects_proxies() -> None:
    class Thing:
        def hello(self) -> str:
            return "hi"

    converted = ffi.to_js([1, "x", {3}, Thing()])
    assert converted.constructor.name == "Array" and converted.length == 4
    assert converted[2].constructor.name == "Set"
    proxy = converted[3]
    assert isinstance(proxy, ffi.JsProxy) and proxy.hello() == "hi"
    with pytest.raises(ffi.ConversionError):
        ffi.to_js(Thing(), create_pyproxies=False)
    assert ffi.to_js(Thing(), default_converter=lambda v, convert, cache: "converted") == (
        "converted"
    )


def test_proxies_can_be_destroyed_and_once_callables_run_once() -> None:
    proxy = ffi.create_proxy(lambda: "called")
    assert proxy() == "called"
    proxy.destroy()
    with pytest.raises(ffi.JsException, match="already been destroyed"):
        proxy()
    once = ffi.create_once_callable(lambda: "once")
    assert once() == "once"
    with pytest.raises(ffi.JsException):
        once()
    many = js.Array.new()
    ffi.to_js([object(), object()], pyproxies=many)
    ffi.destroy_proxies(many)
    assert many.length == 2 and all(p._destroyed for p in many)


def test_a_buffer_proxy_gives_its_bytes_as_data() -> None:
    buffer = ffi.create_proxy(b"abc").getBuffer()
    assert buffer.data.to_bytes() == b"abc"
    buffer.release()


def test_jsnull_is_falsy_and_not_none() -> None:
    assert ffi.jsnull is not None and not ffi.jsnull


def test_what_cannot_be_emulated_says_so() -> None:
    with pytest.raises(NotEmulatedError, match=r"open_url\(\) is not emulated"):
        http.open_url("https://example.com/")
