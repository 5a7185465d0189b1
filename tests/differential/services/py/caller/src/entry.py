"""The service bindings scenario's caller as a Python Worker; ../../../js/caller/worker.js is
its JavaScript twin. GET /health answers ok; POST /run calls the bindings step by step and
answers [[step, result], ...]; an error is recorded as "Name: message"."""

import json
from urllib.parse import urlsplit

from js import Object
from pyodide.ffi import JsException, to_js
from workers import Request, Response, WorkerEntrypoint


def failure(error):
    # What crosses a binding reaches Python as a JsException (Pyodide's); anything else is a
    # divergence, recorded so that the comparison shows it.
    if isinstance(error, JsException):
        return f"{error.name}: {error.message}"
    return f"not a JsException: {type(error).__name__}: {error}"


async def answer(response):
    return {
        "status": response.status,
        "statusText": response.status_text,
        "headers": [[name, value] for name, value in response.headers.items()],
        "body": await response.text(),
    }


async def attempt(make):
    try:
        return await make()
    except Exception as error:
        return failure(error)


def as_json(value):
    """``JSON.stringify``'s text for plain values (the twin's step names)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


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
    {"a": 1, "b": {"c": [1, 2, {"d": None}]}, "": "empty key"},
    [],
    {},
]


def step_name(value):
    # JSON.stringify writes 2.0 as 2.
    return as_json(int(value) if isinstance(value, float) and value.is_integer() else value)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlsplit(request.url).path
        if path == "/health":
            return Response("ok")
        if path == "/queued":
            return Response(as_json(await self.env.CALLEE.queued()))
        if path != "/run":
            return Response("no route", status=404)
        env = self.env
        steps = []

        async def step(name, make):
            steps.append([name, await attempt(make)])

        async def string_url():
            return await answer(
                await env.CALLEE.fetch(
                    "https://callee.example/echo?x=1",
                    method="POST",
                    body="payload",
                    headers={"x-custom": "one", "content-type": "text/plain"},
                )
            )

        await step("fetch a string URL with method, body and headers", string_url)

        async def built_request():
            built = Request("http://callee.internal/put", method="PUT", body="put body")
            return await answer(await env.CALLEE.fetch(built))

        await step("fetch a Request built by the caller", built_request)

        async def plain_get():
            return await answer(await env.CALLEE.fetch("http://callee.internal/plain"))

        await step("fetch a GET without options", plain_get)

        async def post_without_body():
            return await answer(
                await env.CALLEE.fetch("http://callee.internal/nobody", method="POST")
            )

        await step("fetch a POST without a body", post_without_body)

        async def post_empty_body():
            return await answer(
                await env.CALLEE.fetch("http://callee.internal/empty", method="POST", body="")
            )

        await step("fetch a POST with an empty body", post_empty_body)

        async def bytes_body():
            return await answer(
                await env.CALLEE.fetch("http://callee.internal/bytes", method="PATCH", body=b"hi!")
            )

        await step("fetch with a bytes body", bytes_body)

        async def forward():
            return await answer(await env.CALLEE.fetch(request))

        await step("forward the incoming request", forward)

        async def missing():
            return await answer(await env.CALLEE.fetch("http://callee.internal/missing"))

        await step("the callee answers 404", missing)

        async def broken():
            return await answer(await env.CALLEE.fetch("http://callee.internal/broken"))

        await step("the callee answers 500 with a status text", broken)

        async def throws():
            return await answer(await env.CALLEE.fetch("http://callee.internal/throw"))

        await step("the callee throws in fetch", throws)

        async def response_url():
            return (await env.CALLEE.fetch("http://callee.internal/plain")).url

        await step("the response's url", response_url)

        for value in VALUES:
            await step(
                f"the callee receives {step_name(value)}",
                lambda value=value: env.CALLEE.describe(value),
            )

        async def sends_bytes():
            seen = await env.CALLEE.describe(b"\x00\x01\xff")
            return {**seen, "value": list(seen["value"])}

        await step("the callee receives bytes", sends_bytes)

        async def receives_bytes():
            got = await env.CALLEE.bytes(4)
            return [isinstance(got, bytes | bytearray | memoryview), list(got)]

        await step("the caller receives bytes", receives_bytes)
        await step(
            "echo nested values",
            lambda: env.CALLEE.echo({"list": [1, {"x": [None, "s"]}]}),
        )

        async def copies():
            items = ["mine"]
            returned = await env.CALLEE.keep(items)
            return [items, returned]

        await step("arguments are copies", copies)

        async def record_copies():
            record = {"id": 1}
            returned = await env.CALLEE.stamp(record)
            return [record, returned]

        await step("an object argument is a copy", record_copies)

        async def rpc_response():
            return await answer(await env.CALLEE.respond())

        await step("an RPC method returns a Response", rpc_response)
        for which in ["plain", "type", "range", "custom"]:
            await step(
                f"an RPC method throws ({which})",
                lambda which=which: env.CALLEE.fail(which),
            )
        await step("a method that does not exist", lambda: env.CALLEE.nope(1))
        await step("a named entrypoint's RPC reads its env", lambda: env.ADMIN.whoami())

        async def admin_fetch():
            return await answer(await env.ADMIN.fetch("http://admin.internal/who", method="DELETE"))

        await step("a named entrypoint's fetch", admin_fetch)

        async def gone_fetch():
            return await answer(await env.GONE.fetch("http://gone.internal/"))

        await step("a service not running: fetch", gone_fetch)
        await step("a service not running: RPC", lambda: env.GONE.ping())

        async def send_to_queue():
            await env.JOBS.send(
                to_js({"n": 1, "text": "for the callee"}, dict_converter=Object.fromEntries)
            )
            await env.JOBS.send("plain text", contentType="text")
            return "sent"

        await step("send to a queue the callee consumes", send_to_queue)
        return Response(as_json(steps), headers={"content-type": "application/json"})
