from urllib.parse import urlparse

import js
from workers import Response, WorkerEntrypoint, fetch


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlparse(request.url).path
        origin = self.env.ORIGIN
        if path == "/":
            return Response("outbound ready")
        if path == "/proxy":
            return await fetch(f"{origin}/hello")  # the origin's answer, passed on
        if path == "/post":
            answer = await fetch(f"{origin}/echo", method="POST", body="sent by the Worker")
            return Response.json({"status": answer.status, "echo": await answer.json()})
        answer = await js.fetch(f"{origin}/hello")
        return Response(f"js.fetch {answer.status}: {await answer.text()}")
