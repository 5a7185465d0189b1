"""The Durable Objects scenario as a Python Worker; ../js/worker.js is its JavaScript twin.

Each step answers JSON: values, Map entries in order, or "Name: message" for an error.
"""

import json
from urllib.parse import urlparse

import js
from js import Date, Object
from pyodide.ffi import JsException, to_js
from workers import DurableObject, Response, WorkerEntrypoint


def plain(value):
    """A JS value from storage or SQL as JSON-ready Python."""
    if value is None:
        return None
    if hasattr(value, "to_py"):
        return value.to_py()
    return value


def entries(js_map):
    return [[k, plain(v)] for k, v in js_map.entries()]


def keys(js_map):
    return list(js_map.keys())


async def attempt(make):
    try:
        return await make()
    except Exception as error:
        return str(error)


def attempt_sync(make):
    try:
        return make()
    except Exception as error:
        return str(error)


# What crosses a stub's RPC, both ways; the 2.0s must arrive as 2, as a JavaScript number does.
VALUES = [
    42,
    2.0,
    1.5,
    -7,
    "héllo",
    "",
    None,
    True,
    False,
    [1, "two", None, [3]],
    {"a": 1, "b": {"c": [1, 2.0, {"d": None}]}, "": "empty key"},
    [],
    {},
]


def kind(value):
    """A value's JavaScript type, as the twin names what it received."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def described(value):
    """A value as the receiving side sees it: its type, whether it is an integer, itself."""
    integer = not isinstance(value, bool) and (
        isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    )
    return {"kind": kind(value), "integer": integer, "value": value}


def as_js_number(value):
    """``value`` with every whole float an int, as JSON.stringify writes 2.0 (as 2)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [as_js_number(v) for v in value]
    if isinstance(value, dict):
        return {k: as_js_number(v) for k, v in value.items()}
    return value


def step_name(value):
    """The twin's ``JSON.stringify(value)``."""
    return json.dumps(as_js_number(value), separators=(",", ":"), ensure_ascii=False)


def failure(error):
    # What crosses a stub reaches Python as a JsException (Pyodide's); anything else is a
    # divergence, recorded so that the comparison shows it.
    if isinstance(error, JsException):
        return f"{error.name}: {error.message}"
    return f"not a JsException: {type(error).__name__}: {error}"


async def rpc_steps(stub):
    """The RPC scenario: [[step, answer], ...], an error answered as "Name: message"."""
    steps = []

    async def step(name, make):
        try:
            steps.append([name, await make()])
        except Exception as error:
            steps.append([name, failure(error)])

    for value in VALUES:
        await step(f"the object receives {step_name(value)}", lambda v=value: stub.describe(v))
    for index, value in enumerate(VALUES):

        async def receive(index=index):
            return described(await stub.give(index))

        await step(f"the caller receives {step_name(value)}", receive)

    async def array_copy():
        items = ["mine"]
        returned = await stub.keep(items)
        return [items, returned]

    await step("an array argument is a copy", array_copy)

    async def object_copy():
        record = {"id": 1}
        returned = await stub.stamp(record)
        return [record, returned]

    await step("an object argument is a copy", object_copy)
    for which in ["plain", "type", "range", "custom"]:
        await step(f"a method throws a JavaScript error ({which})", lambda w=which: stub.fail(w))

    async def clone_error():
        # A DOMException keeps its name even where legacy tunnelling renames other errors.
        try:
            return await stub.storeUnclonable()
        except JsException as error:
            return error.name

    await step("a storage DataCloneError keeps its name", clone_error)
    await step("a method raises a plain exception", lambda: stub.crash())
    await step("a method that does not exist", lambda: stub.nope(1))
    return steps


def js_object(**fields):
    return to_js(fields, dict_converter=Object.fromEntries)


async def limits(s):
    """What the storage refuses (key and value sizes, keys per call), per storage backend."""
    out = []

    async def ok(make):
        await make()
        return "ok"

    many = to_js([str(i) for i in range(129)])
    out.append(await attempt(lambda: ok(lambda: s.put("k" * 2049, 1))))
    out.append(await attempt(lambda: ok(lambda: s.get("k" * 2049))))
    out.append(await attempt(lambda: ok(lambda: s.put("big", "x" * 200 * 1024))))
    out.append(await attempt(lambda: ok(lambda: s.put("huge", "x" * (2 * 1024 * 1024 + 10)))))
    out.append(await attempt(lambda: ok(lambda: s.get(many))))
    entries_129 = js_object(**{f"m{i}": i for i in range(129)})
    out.append(await attempt(lambda: ok(lambda: s.put(entries_129))))
    out.append(await attempt(lambda: ok(lambda: s.delete(many))))
    return out


class KvStore(DurableObject):
    async def limits(self):
        return await limits(self.ctx.storage)

    def sqlApi(self):
        return attempt_sync(lambda: self.ctx.storage.sql.exec("SELECT 1"))


class Store(DurableObject):
    async def limits(self):
        return await limits(self.ctx.storage)

    async def keyValue(self):
        s = self.ctx.storage
        out = []
        await s.put("a", "one")
        await s.put(
            js_object(**{"b": 2, "c": to_js([1, "x", None]), "pre:1": js_object(deep=True)})
        )
        await s.put("pre:2", "y")
        out.append(await s.get("a"))
        out.append(await s.get("missing") is None)
        out.append(entries(await s.get(to_js(["c", "missing", "a"]))))
        out.append(keys(await s.list()))
        out.append(entries(await s.list(prefix="pre:")))
        out.append(keys(await s.list(start="b", end="pre:2")))
        out.append(keys(await s.list(reverse=True, limit=2)))
        out.append(keys(await s.list(startAfter="b", limit=2)))
        out.append(await attempt(lambda: s.list(start="a", startAfter="b")))
        out.append(await s.delete("a"))
        out.append(await s.delete("a"))
        out.append(await s.delete(to_js(["b", "c", "missing"])))

        async def rolled_back(txn):
            await txn.put("t", 1)
            txn.rollback()

        out.append(await s.transaction(rolled_back) is None)
        out.append(await s.get("t") is None)

        async def raising(txn):
            await txn.put("t", 2)
            raise Exception("changed my mind")

        out.append((await attempt(lambda: s.transaction(raising))).endswith("changed my mind"))
        out.append(await s.get("t") is None)

        async def kept(txn):
            await txn.put("t", 3)
            return "kept"

        out.append(await s.transaction(kept))
        out.append(await s.get("t"))
        await s.deleteAll()
        out.append(keys(await s.list()))
        return out

    def sqlApi(self):
        sql = self.ctx.storage.sql
        out = []
        sql.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, score REAL)")
        insert = sql.exec("INSERT INTO items (name, score) VALUES (?, ?), (?, ?)", "a", 1.5, "b", 2)
        out.append(insert.rowsWritten)
        rows = sql.exec("SELECT * FROM items ORDER BY id")
        out.append(list(rows.columnNames))
        out.append([plain(r) for r in rows.toArray()])
        out.append(rows.rowsRead)
        out.append(plain(sql.exec("SELECT name FROM items WHERE id = ?", 2).one()))
        out.append([plain(r) for r in sql.exec("SELECT id, name FROM items ORDER BY id").raw()])
        out.append(attempt_sync(lambda: sql.exec("SELECT * FROM items WHERE id = 99").one()))
        out.append(attempt_sync(lambda: sql.exec("SELECT * FROM items").one()))
        out.append(attempt_sync(lambda: sql.exec("SELECT * FROM nowhere")))
        out.append(attempt_sync(lambda: sql.exec("BEGIN TRANSACTION")))
        out.append(sql.exec("UPDATE items SET score = score + 1").rowsWritten)
        out.append(plain(sql.exec("SELECT NULL AS empty, 7 AS seven").one()))
        return out

    async def alarms(self):
        s = self.ctx.storage
        out = [await s.getAlarm()]
        await s.setAlarm(4102444800000)
        out.append(await s.getAlarm())
        await s.deleteAlarm()
        out.append(await s.getAlarm())
        return out

    async def echo(self, text, numbers, record):
        return {"text": text.upper(), "total": sum(numbers), "record": record}

    async def describe(self, value):
        return described(value)

    async def give(self, index):
        return VALUES[index]

    async def keep(self, items):
        items.append("changed in the object")
        return items

    async def stamp(self, record):
        record["stamped"] = True
        return record

    async def fail(self, which):
        if which == "type":
            raise js.TypeError.new("bad input")
        if which == "range":
            raise js.RangeError.new("out of range")
        if which == "custom":
            error = js.Error.new("custom failure")
            error.name = "CustomError"
            raise error
        raise js.Error.new("plain failure")

    async def storeUnclonable(self):
        await self.ctx.storage.put("unclonable", [1])  # a PyProxy: not cloneable
        return "stored"

    async def crash(self):
        """A Python exception, where the twin throws an Error: each answer is pinned alone."""
        raise ValueError("crashed")

    async def count(self):
        n = (await self.ctx.storage.get("n") or 0) + 1
        await self.ctx.storage.put("n", n)
        return n

    async def fetch(self, request):
        return Response(f"fetched {urlparse(request.url).path} by {request.method}")

    async def armAlarm(self):
        await self.ctx.storage.setAlarm(Date.now() + 200)
        return "armed"

    async def alarm(self, info):
        """The first run fails: workerd retries it (retryCount 1, isRetry true)."""
        runs = (await self.ctx.storage.get("alarm-runs") or 0) + 1
        await self.ctx.storage.put("alarm-runs", runs)
        await self.ctx.storage.put("alarm-info", to_js([info.retryCount, info.isRetry]))
        if runs == 1:
            raise RuntimeError("first alarm fails")

    async def alarmResult(self):
        s = self.ctx.storage
        info = await s.get("alarm-info")
        return [await s.get("alarm-runs") or 0, plain(info), await s.getAlarm()]


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlparse(request.url).path
        if path == "/health":
            return Response("ok")
        ns = self.env.STORE
        alarmed = ns.get(ns.idFromName("alarmed"))
        if path == "/arm":
            return Response.json(await alarmed.armAlarm())
        if path == "/alarm-result":
            return Response.json(await alarmed.alarmResult())
        if path == "/rpc":
            return Response.json(await rpc_steps(ns.get(ns.idFromName("rpc"))))
        out = []
        object_id = ns.idFromName("alpha")
        out.append(object_id.toString())
        out.append(object_id.toString() == ns.idFromName("alpha").toString())
        out.append(len(ns.newUniqueId().toString()))
        out.append(ns.idFromString(object_id.toString()).equals(object_id))
        out.append(attempt_sync(lambda: ns.idFromString("xyz")))
        out.append(attempt_sync(lambda: ns.idFromString("0" * 64)))
        stub = ns.get(ns.idFromName(f"scenario-{path}"))
        out.append(await stub.keyValue())
        out.append(await stub.sqlApi())
        out.append(await stub.alarms())
        out.append(await stub.limits())
        kv_stub = self.env.KV_STORE.get(self.env.KV_STORE.idFromName("limits"))
        out.append(await kv_stub.limits())
        out.append(await kv_stub.sqlApi())
        out.append(await stub.echo("hi", [1, 2, 3], {"nested": [True, None]}))
        out.append([await stub.count(), await stub.count()])
        other = ns.get(ns.idFromName(f"other-{path}"))
        out.append(await other.count())
        response = await stub.fetch("https://do.example/hello", method="POST")
        out.append(await response.text())
        return Response.json(out)
