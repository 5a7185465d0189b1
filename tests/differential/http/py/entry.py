"""Echoes what the runtime hands the Worker (method, URL, headers in order, body length) as
JSON; ../js/worker.js in Python, written against the real SDK's API only."""

import json
from urllib.parse import urlsplit

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        body = None if request.body is None else len(await request.bytes())
        pathname = urlsplit(request.url).path
        print(f"path seen: {pathname}")
        echo = {
            "method": request.method.value,
            "url": request.url,
            "pathname": pathname,
            "headers": [[k, v] for k, v in request.js_object.headers],
            "body": body,
        }
        return Response(json.dumps(echo), headers={"content-type": "application/json"})
