"""The Queues scenario as a Python Worker; ../js/worker.js is its JavaScript twin. /run sends
(each send answers "ok" or "Name: message"); /log answers every batch consumed so far."""

from urllib.parse import urlparse

from js import Date, Object, Uint8Array
from pyodide.ffi import to_js
from workers import Response, WorkerEntrypoint

BATCHES = []


async def attempt(make):
    try:
        await make()
        return "ok"
    except Exception as error:
        return str(error)


def js_object(**fields):
    return to_js(fields, dict_converter=Object.fromEntries)


def shown(body):
    if isinstance(body, str):
        return body
    if type(body).__name__ == "ArrayBuffer":
        return list(Uint8Array.new(body))
    return body.to_py()


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlparse(request.url).path
        if path == "/health":
            return Response("ok")
        if path == "/log":
            return Response.json(BATCHES)
        q = self.env.JOBS
        batch = to_js(
            [js_object(body="retry"), js_object(body="implicit"), js_object(body="throw-free")]
        )
        return Response.json(
            [
                await attempt(lambda: q.send("first")),
                await attempt(lambda: q.send(js_object(k=to_js([1, True])), contentType="json")),
                await attempt(lambda: q.send("plain", contentType="text")),
                await attempt(lambda: q.send(Uint8Array.new([1, 2, 3]), contentType="bytes")),
                await attempt(lambda: q.sendBatch(batch)),
                await attempt(lambda: q.send("x", contentType="yaml")),
                await attempt(lambda: q.send(123, contentType="text")),
            ]
        )

    async def queue(self, batch):
        seen = [
            [shown(m.body), m.attempts, len(m.id), isinstance(m.timestamp, Date)]
            for m in batch.messages
        ]
        BATCHES.append([batch.queue, seen])
        for m in batch.messages:
            if m.body == "retry":
                m.retry()
            elif m.body != "implicit":
                m.ack()
