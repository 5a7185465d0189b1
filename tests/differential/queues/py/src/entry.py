"""The Queues scenario: POST /produce sends, the queue handler records what it received,
GET /seen answers the records, GET /errors answers what refused sends raised."""

import json
import re

from js import Object
from pyodide.ffi import to_js
from workers import Response, WorkerEntrypoint

SEEN = []


def js_object(value):
    return to_js(value, dict_converter=Object.fromEntries)


def describe(body):
    """The body's JavaScript type and value, as the JavaScript twin describes it."""
    if isinstance(body, str):
        return {"type": "string", "value": body}
    if isinstance(body, bool):
        return {"type": "boolean", "value": body}
    if isinstance(body, int | float):
        return {"type": "number", "value": body}
    if hasattr(body, "to_bytes"):
        return {"type": "ArrayBuffer", "value": list(body.to_bytes())}
    value = body.to_py()
    return {"type": "array" if isinstance(value, list) else "object", "value": value}


async def refused(send):
    try:
        await send()
    except Exception as error:  # a JsException: "Name: message"
        return str(error)
    return "ok"


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = request.url.split("/", 3)[3]
        env = self.env
        if path == "health":
            return Response("ok")
        if path == "produce":
            await env.WORK.send(js_object({"n": 1, "list": [1, "a"], "nested": {"x": True}}))
            await env.WORK.send("hello", contentType="text")
            await env.WORK.send(to_js(b"\x01\x02\xff"), contentType="bytes")
            await env.WORK.send(42)
            await env.WORK.send(2.5)
            await env.WORK.send(js_object({"kind": "v8", "items": [1, 2]}), contentType="v8")
            await env.WORK.send("later", contentType="text", delaySeconds=1)
            await env.WORK.sendBatch(
                js_object(
                    [
                        {"body": "retry-once", "contentType": "text"},
                        {"body": "always-retry", "contentType": "text"},
                    ]
                )
            )
            await env.FRAGILE.send("boom", contentType="text")
            await env.FRAGILE.send("doomed", contentType="text")
            await env.FRAGILE.send("retry-all", contentType="text")
            return Response("sent")
        if path == "seen":
            return Response(json.dumps(SEEN))
        if path == "errors":
            big = "x" * 128_001
            errors = [
                await refused(lambda: env.WORK.send(None)),
                await refused(lambda: env.WORK.send("x", contentType="xml")),
                await refused(lambda: env.WORK.send(5, contentType="text")),
                await refused(lambda: env.WORK.send("x", contentType="bytes")),
                await refused(lambda: env.WORK.sendBatch(js_object([]))),
                await refused(lambda: env.WORK.sendBatch(5)),
                await refused(lambda: env.WORK.sendBatch(js_object([{"contentType": "text"}]))),
                await refused(lambda: env.WORK.send(big, contentType="text")),
                await refused(lambda: env.WORK.send("x", delaySeconds=86_401)),
                await refused(
                    lambda: env.WORK.sendBatch(js_object([{"body": i} for i in range(101)]))
                ),
                await refused(lambda: env.WORK.sendBatch(js_object([{"body": big}]))),
                await refused(lambda: env.NOWHERE.send(big, contentType="text")),
            ]
            return Response(json.dumps(errors))
        return Response("not found", status=404)

    async def queue(self, batch, env, ctx):
        for message in batch.messages:
            body = message.body
            SEEN.append(
                {
                    "queue": batch.queue,
                    "attempts": message.attempts,
                    "body": describe(body),
                    "id": re.fullmatch("[0-9a-f]{32}", message.id) is not None,
                    "timestamp": message.timestamp.getTime() > 0,
                }
            )
            if body == "retry-all":
                if message.attempts == 1:
                    batch.retryAll(delaySeconds=1)
                batch.ackAll()  # on the first attempt no effect after retryAll(): a warning
                continue
            if batch.queue == "fragile" and (body == "doomed" or message.attempts < 2):
                raise RuntimeError(f"cannot handle {body}")
            if body == "always-retry":
                message.retry()
            elif body == "retry-once" and message.attempts == 1:
                message.retry(delaySeconds=1)
                message.ack()  # no effect after retry(): workerd logs a warning
            else:
                message.ack()
