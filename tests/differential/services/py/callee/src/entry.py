"""The service bindings scenario's callee as a Python Worker; ../../../js/callee/worker.js is
its JavaScript twin. Errors are raised as JavaScript errors (``js.Error.new``) where the twin
throws them, so that both throw the same thing."""

import json
from urllib.parse import urlsplit

import js
from workers import Response, WorkerEntrypoint


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
    if isinstance(value, bytes | bytearray | memoryview):
        return "bytes"
    return type(value).__name__


def is_integer(value):
    """JavaScript's ``Number.isInteger``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or value.is_integer()


def as_json(value):
    """``JSON.stringify``'s text for plain values."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# What the queue handler received, for the caller to ask for (queued()).
QUEUED = []


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlsplit(request.url).path
        if path == "/missing":
            return Response("not here", status=404)
        if path == "/broken":
            return Response("broken", status=500, status_text="Broken Inside")
        if path == "/throw":
            raise js.Error.new("callee fetch exploded")
        seen = {
            "method": request.method,
            "url": request.url,
            "headers": [[name, value] for name, value in request.headers.items()],
            "body": await request.text(),
        }
        return Response(
            as_json(seen),
            status=201,
            status_text="Made It",
            headers={"x-from": "callee", "content-type": "application/json"},
        )

    async def queue(self, batch, env, ctx):
        for message in batch.messages:
            body = message.body
            body = body.to_py() if hasattr(body, "to_py") else body
            QUEUED.append({"queue": batch.queue, "body": body, "attempts": message.attempts})
            message.ack()

    async def queued(self):
        return QUEUED

    async def describe(self, value):
        return {"kind": kind(value), "integer": is_integer(value), "value": value}

    async def echo(self, value):
        return value

    async def keep(self, items):
        items.append("changed in callee")
        return items

    async def stamp(self, record):
        record["stamped"] = True
        return record

    async def bytes(self, length):
        return bytes(i * 7 for i in range(length))

    async def respond(self):
        return Response("from rpc", status=202, headers={"x-rpc": "yes"})

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


class Admin(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlsplit(request.url).path
        return Response(f"admin saw {request.method} {path}: {self.env.GREETING}")

    async def whoami(self):
        return {"entrypoint": "Admin", "greeting": self.env.GREETING}
