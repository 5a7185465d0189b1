import json
from urllib.parse import parse_qs, urlparse

from js import Object
from pyodide.ffi import to_js
from workers import Response, WorkerEntrypoint

# Every batch delivered: [queue, [[body, attempts], ...]], in delivery order.
BATCHES = []


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        url = urlparse(request.url)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/send":
            options = {}
            if "type" in query:
                options["contentType"] = query["type"]
            if "delay" in query:
                options["delaySeconds"] = int(query["delay"])
            body = query.get("body", "")
            if query.get("type") == "json":
                body = to_js(json.loads(body), dict_converter=Object.fromEntries)
            await self.env.JOBS.send(body, **options)
            return Response("sent")
        if url.path == "/batch":
            bodies = query["bodies"].split(",")
            messages = [to_js({"body": b}, dict_converter=Object.fromEntries) for b in bodies]
            await self.env.JOBS.sendBatch(to_js(messages))
            return Response("sent")
        if url.path == "/log":
            return Response.json(BATCHES)
        return Response("Not Found", status=404)

    async def queue(self, batch):
        seen = []
        for message in batch.messages:
            body = message.body
            shown = body if isinstance(body, str) else body.to_py()
            seen.append([shown, message.attempts])
        BATCHES.append([batch.queue, seen])
        for message in batch.messages:
            if message.body == "throw":
                raise RuntimeError("consumer failed on purpose")
            if message.body == "retry":
                message.retry()
            elif message.body != "implicit":
                message.ack()
