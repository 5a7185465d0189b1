"""``KVNamespace``: the KV binding object a Python Worker finds on ``self.env``.

Call shapes and result types follow what the Python Workers SDK makes of the JS binding:
keyword arguments are the JS options object, JS objects come back as ``JsDict``, ``null``
as ``None``, a bulk get's ``Map`` as a dict.
"""

from __future__ import annotations

import asyncio
import base64
import builtins
import re
from typing import Any, ClassVar

from ...clock import Clock
from ...errors import JsException
from ...faults import FaultInjector
from ...invocation import OpKind
from ...jsdict import JsDict, to_jsdict
from ...jsjson import parse as js_json_parse
from ...jsjson import parse_stringified, stringify
from ...runtime.jsproxy import JsObject
from ..accounting import CountedBinding
from . import validation as v
from .limits import KV_LIMITS, KVLimits
from .store import KVEntry, KVStore

# isinstance() with a tuple: `builtins.list | tuple` would build a union object on every get.
_KEY_LISTS = (builtins.list, tuple)

# The write-rate table drops keys last written before the window once it holds this many.
_PRUNE_WRITES_FLOOR = 10_000


def _options(positional: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Merge a JS-style options argument (an object or a dict, or a bare type string) with
    kwargs."""
    if positional is None:
        return kwargs  # the usual call: keywords only, already collected into a fresh dict
    opts: dict[str, Any] = {}
    if isinstance(positional, str):
        opts["type"] = positional
    elif isinstance(positional, dict):
        opts.update(positional)
    elif isinstance(positional, JsObject):  # to_js(..., dict_converter=Object.fromEntries)
        opts.update(positional.as_object_map())
    opts.update(kwargs)
    return opts


def _key_name(key: Any) -> str:
    """A key argument as the key name it stands for (JS ``String(key)``), checked runtime-side."""
    name = v.key_to_str(key)
    v.check_key_name(name)
    return name


def encode_cursor(key: str) -> str:
    """The list cursor workerd's local KV hands out: base64 of the last key returned."""
    return base64.b64encode(key.encode()).decode()


_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")


def decode_cursor(cursor: str) -> bytes:
    """The key (as UTF-8 bytes) a cursor continues after.

    Decoded as leniently as Node's base64 decoder (junk ignored, never an error), then read
    as UTF-8 text as the local KV does: invalid bytes become U+FFFD.
    """
    text = cursor.split("=", 1)[0].replace("-", "+").replace("_", "/")
    text = _NOT_BASE64.sub("", text)
    if len(text) % 4 == 1:
        text = text[:-1]
    raw = base64.b64decode(text + "=" * (-len(text) % 4))
    return raw.decode("utf-8", errors="replace").encode()


def _decode(value: bytes, value_type: str) -> Any:
    """A stored value as ``get`` returns it for a (validated) ``type``."""
    if value_type == "arrayBuffer":
        # Pyodide's to_py() turns an ArrayBuffer into a memoryview, not bytes.
        return memoryview(value)
    if value_type == "stream":
        # The runtime half's ReadableStream stand-in (imported late: KV needs no runtime).
        from ...runtime.workers._streams import ReadableStream

        return ReadableStream.from_bytes(value)
    text = value.decode("utf-8", errors="replace")  # TextDecoder replaces bad bytes
    if value_type == "json":
        return to_jsdict(js_json_parse(text))
    return text


class KVNamespace(CountedBinding):
    """One KV namespace binding over a ``KVStore``, with the platform's limits and errors.

    Operations are counted on the current ``Invocation`` (which enforces the per-request
    cap) and in cumulative counters. An operation counts once it would have left the
    isolate: runtime-side ``TypeError``s cost nothing, service errors (4xx, 5xx) do.

    ``enforce_write_rate`` applies the platform's one write per second per key (a 429), which
    wrangler's local KV does not enforce; turn it off only to mimic wrangler exactly.
    """

    # workerd's class name for it: the SDK decides by it what to wrap.
    js_name: ClassVar[str] = "KvNamespace"

    def __init__(
        self,
        binding_name: str,
        store: KVStore,
        *,
        clock: Clock,
        faults: FaultInjector | None = None,
        limits: KVLimits = KV_LIMITS,
        enforce_write_rate: bool = True,
    ) -> None:
        super().__init__(binding_name, faults)
        self.store = store
        self.clock = clock
        self.limits = limits
        self.enforce_write_rate = enforce_write_rate
        self._last_write: dict[str, float] = {}
        self._prune_writes_at = _PRUNE_WRITES_FLOOR

    def __repr__(self) -> str:
        return f"<KVNamespace {self.binding_name}>"

    # -- accounting ----------------------------------------------------------------------------

    def _send(self, kind: OpKind, wire_op: str) -> None:
        """Account for one operation leaving the isolate; may fail it like the platform.

        An injected fault is the KV service's 500 for ``wire_op`` (list() travels as a GET,
        a bulk get as GET_BULK)."""
        if self._count(kind):
            raise v.kv_error(wire_op, 500, "Internal Server Error")

    # -- reads ---------------------------------------------------------------------------------

    async def get(self, key: Any, type: Any = None, /, **options: Any) -> Any:
        """``get(key, type="text"|"json"|"arrayBuffer", cacheTtl=...)``; a list of keys is a
        bulk get (<= 100 keys, text or json, one operation) returning ``{key: value|None}``."""
        await asyncio.sleep(0)  # real KV calls are I/O: let other tasks run
        opts = _options(type, options)
        if isinstance(key, _KEY_LISTS):
            found = self._bulk(key, opts)
            value_type = self._value_type(opts)
            return JsDict(
                {k: None if e is None else _decode(e.value, value_type) for k, e in found}
            )
        name, value_type = self._check_single(key, opts)
        # The value alone: a store need not build the entry or parse its metadata.
        value = self.store.get_value(name, self.clock.now())
        return None if value is None else _decode(value, value_type)

    async def getWithMetadata(self, key: Any, type: Any = None, /, **options: Any) -> Any:
        """``{"value", "metadata", "cacheStatus": None}``; a list of keys is a bulk get
        returning ``{key: {"value", "metadata"} | None}``."""
        await asyncio.sleep(0)
        opts = _options(type, options)
        if isinstance(key, _KEY_LISTS):
            found = self._bulk(key, opts)
            value_type = self._value_type(opts)
            return JsDict(
                {
                    k: None
                    if e is None
                    else JsDict(value=_decode(e.value, value_type), metadata=to_jsdict(e.metadata))
                    for k, e in found
                }
            )
        name, value_type = self._check_single(key, opts)
        entry = self.store.get(name, self.clock.now())
        if entry is None:
            return JsDict(value=None, metadata=None, cacheStatus=None)
        return JsDict(
            value=_decode(entry.value, value_type),
            metadata=to_jsdict(entry.metadata),
            cacheStatus=None,
        )

    def _value_type(self, opts: dict[str, Any]) -> str:
        value_type = opts.get("type")
        return "text" if value_type is None else v.key_to_str(value_type)

    def _check_single(self, key: Any, opts: dict[str, Any]) -> tuple[str, str]:
        """A single get's checks, in workerd's order, and its operation: (key name, type)."""
        name = _key_name(key)
        value_type = self._value_type(opts)
        v.check_get_type(value_type)
        self._send("read", "GET")
        v.check_key_size("GET", name, self.limits)
        v.check_cache_ttl("GET", opts.get("cacheTtl", v.MISSING), self.limits)
        return name, value_type

    def _bulk(self, keys: Any, opts: dict[str, Any]) -> builtins.list[tuple[str, KVEntry | None]]:
        names = [v.key_to_str(k) for k in keys]
        value_type = self._value_type(opts)
        self._send("read", "GET_BULK")
        v.check_bulk_get(names, value_type, self.limits)
        v.check_cache_ttl("GET_BULK", opts.get("cacheTtl", v.MISSING), self.limits)
        now = self.clock.now()
        # A JS Map: duplicate keys collapse, first-seen order is kept.
        found = {name: self.store.get(name, now) for name in names}
        if value_type == "json":
            for entry in found.values():
                if entry is None:
                    continue
                try:
                    js_json_parse(entry.value.decode("utf-8", errors="replace"))
                except JsException:
                    raise v.kv_error(
                        "GET_BULK",
                        400,
                        "At least one of the requested keys corresponds to a non-json value",
                    ) from None
        return list(found.items())

    # -- writes --------------------------------------------------------------------------------

    async def put(self, key: Any, value: Any, options: Any = None, /, **kwargs: Any) -> None:
        """``put(key, value, expirationTtl=..., expiration=..., metadata=...)``.

        Passing ``None`` for an option is JS ``null``, which the platform rejects for the
        expiration options: leave an option out instead.
        """
        await asyncio.sleep(0)
        opts = _options(options, kwargs)
        name = _key_name(key)
        data = v.value_to_bytes(value)
        self._send("write", "PUT")
        # The service's checks, in its order: key, expiration, metadata, value.
        v.check_key_size("PUT", name, self.limits)
        now = self.clock.now()
        ttl = opts.get("expirationTtl", v.MISSING)
        expiration = v.resolve_expiration(ttl, opts.get("expiration", v.MISSING), now, self.limits)
        metadata = opts.get("metadata", v.MISSING)
        metadata_json = v.serialise_metadata(metadata, self.limits)
        v.check_value_size(len(data), self.limits)
        if self.enforce_write_rate:
            last = self._last_write.get(name)
            if last is not None and now - last < self.limits.min_seconds_between_writes:
                raise v.kv_error("PUT", 429, v.WRITE_RATE_TEXT)
        stored = None if metadata_json is None else parse_stringified(metadata, metadata_json)
        self.store.put(KVEntry(name, data, expiration, stored))
        self._remember_write(name, now)

    def _remember_write(self, name: str, now: float) -> None:
        if len(self._last_write) > self._prune_writes_at:
            horizon = now - self.limits.min_seconds_between_writes
            self._last_write = {k: t for k, t in self._last_write.items() if t > horizon}
            # Next prune once the table has doubled: with more keys written within the window
            # than the floor, a fixed threshold would walk the whole table on every put.
            self._prune_writes_at = max(_PRUNE_WRITES_FLOOR, 2 * len(self._last_write))
        self._last_write[name] = now

    async def delete(self, key: Any) -> None:
        """``delete(key)``; deleting a missing key is not an error."""
        await asyncio.sleep(0)
        name = _key_name(key)
        self._send("delete", "DELETE")
        v.check_key_size("DELETE", name, self.limits)
        self.store.delete(name)

    # -- list ----------------------------------------------------------------------------------

    async def list(self, options: Any = None, /, **kwargs: Any) -> JsDict:
        """``list(prefix=..., limit=..., cursor=...)`` -> ``{"keys": [{"name", "expiration"?,
        "metadata"?}], "list_complete", "cursor"? (only while incomplete), "cacheStatus"}``."""
        await asyncio.sleep(0)
        opts = _options(options, kwargs)
        self._send("list", "GET")  # list() travels as a GET: its errors say "KV GET failed"
        limit = v.list_limit(opts.get("limit", v.MISSING), self.limits)
        prefix = opts.get("prefix")
        prefix = "" if prefix is None else v.key_to_str(prefix)
        cursor = opts.get("cursor")
        after = decode_cursor(v.key_to_str(cursor)) if cursor not in (None, "") else None
        page = self.store.list(self.clock.now(), prefix=prefix, after=after, limit=limit + 1)
        complete = len(page) <= limit
        page = page[:limit]
        keys = []
        for entry in page:
            item = JsDict(name=entry.key)
            if entry.expiration is not None:
                item["expiration"] = entry.expiration
            if entry.metadata is not None:
                item["metadata"] = to_jsdict(entry.metadata)
            keys.append(item)
        result = JsDict(keys=keys, list_complete=complete)
        if not complete:
            result["cursor"] = encode_cursor(page[-1].key)
        result["cacheStatus"] = None
        return result

    # -- test-facing ---------------------------------------------------------------------------

    def entries(self, prefix: str = "") -> builtins.list[KVEntry]:
        """Live entries now, in key order (no operation is counted)."""
        return self.store.entries(self.clock.now(), prefix)

    def metadata_json(self, metadata: Any) -> str:
        """The JSON the platform would measure for ``metadata`` (handy in tests)."""
        return stringify(metadata)
