"""Conversions the SDK performs between JavaScript values and Python ones."""

from __future__ import annotations

import email._policybase
import http.client
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from ...errors import JsException, NotEmulatedError
from ..jsproxy import jsnull as jsnull  # the SDK's utils re-export it
from ._context import Env, current_env, wait_until
from ._headers import JsHeaders


class HTTPMessageMapping(http.client.HTTPMessage, Mapping):  # type: ignore[misc]
    """The headers type the SDK hands to Python: an ``HTTPMessage`` that is also a Mapping."""


# Under the compat32 policy ``message[name] = value`` appends ``(name, value)`` unchanged and
# caps no header's count, so the header list can be filled in one go, with the same result.
_policy = type(HTTPMessageMapping().policy)
_APPEND_AS_IS = (
    _policy.header_store_parse is email._policybase.Compat32.header_store_parse
    and _policy.header_max_count is email._policybase.Policy.header_max_count
    and HTTPMessageMapping.__setitem__ is http.client.HTTPMessage.__setitem__
)


def _js_headers_to_http_message(js_headers: JsHeaders) -> HTTPMessageMapping:
    # A fresh copy on every access, as in the SDK: mutating it changes nothing.
    result = HTTPMessageMapping()
    if _APPEND_AS_IS:
        result._headers.extend([(key, value.strip()) for key, value in js_headers])  # type: ignore[attr-defined]
        return result
    for key, value in js_headers:
        result[key] = value.strip()
    return result


# The JavaScript types a Response body may be (the SDK's list, by constructor name).
RESPONSE_ACCEPTED_TYPES = {
    "Blob",
    "File",
    "ArrayBuffer",
    "TypedArray",
    "DataView",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int8Array",
    "Uint16Array",
    "Int16Array",
    "Uint32Array",
    "Int32Array",
    "Float16Array",
    "Float32Array",
    "Float64Array",
    "BigInt64Array",
    "BigUint64Array",
    "FormData",
    "ReadableStream",
    "URLSearchParams",
    "Response",
}


def _to_python_exception(exc: JsException) -> Exception:
    # The SDK's mapping of the JS constructors' errors.
    if exc.name == "RangeError":
        return ValueError(exc.message)
    if exc.name == "TypeError":
        return TypeError(exc.message)
    return exc


def _is_iterable(obj: Any) -> bool:
    if isinstance(obj, str | bytes):
        return False
    try:
        iter(obj)
    except TypeError:
        return False
    return True


class _CloudflareWorkersModule:
    """``cloudflare:workers`` as Python sees it: ``env`` and ``waitUntil`` of the request."""

    @property
    def env(self) -> Env:
        env = current_env.get()
        if env is None:
            raise RuntimeError("cloudflare:workers env is only available inside a Worker")
        return env

    @property
    def waitUntil(self) -> Any:
        return wait_until

    def __getattr__(self, name: str) -> Any:
        raise NotEmulatedError(f"cloudflare:workers' {name}")


def import_from_javascript(module_name: str) -> Any:
    """A JavaScript module: ``cloudflare:workers`` is emulated, others are not."""
    if module_name == "cloudflare:workers":
        return _CloudflareWorkersModule()
    raise NotEmulatedError(f"the JavaScript module {module_name!r}")


async def import_sdk_javascript_module_async(name: str) -> Any:
    """One of the SDK's own JavaScript modules (used by Workflows; none is emulated)."""
    raise NotEmulatedError(f"the SDK's JavaScript module {name!r}")


@contextmanager
def patch_env(
    d: dict[str, Any] | Sequence[tuple[str, Any]] | None = None, **kwds: dict[str, Any]
) -> Iterator[None]:
    """Within the block, ``workers.env`` (the ``cloudflare:workers`` env) also holds these."""
    if d:
        kwds = dict(d) | kwds
    base = current_env.get()
    patched = Env(
        {**(vars(base) if base is not None else {}), **kwds},
        sdk_wraps_bindings=base is not None and base.sdk_wraps_bindings,
    )
    token = current_env.set(patched)
    try:
        yield
    finally:
        current_env.reset(token)


def get_compat_flag(flag: str) -> bool:
    """Whether a compatibility flag is on (the emulator runs with none of the optional ones)."""
    return False
