# Blocking HTTP inside async handlers is the pattern this Worker exists to show.
# ruff: noqa: ASYNC210, ASYNC212
import urllib.request
from urllib.parse import urlparse

import httpx
import requests
import urllib3
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlparse(request.url).path
        if path == "/":
            return Response("sync clients ready")
        origin = self.env.ORIGIN
        if path == "/slow":
            return Response(requests.get(f"{origin}/slow?seconds=1.5", timeout=10).text)
        target = f"{origin}/hello"
        with httpx.Client() as client:
            by_httpx = client.get(target, timeout=10).text
        with urllib.request.urlopen(target, timeout=10) as answer:
            by_urllib = answer.read().decode()
        return Response.json(
            {
                "requests": requests.get(target, timeout=10).text,
                "urllib3": urllib3.PoolManager().request("GET", target).data.decode(),
                "httpx.Client": by_httpx,
                "urllib": by_urllib,
            }
        )
