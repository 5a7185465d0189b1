"""The Static Assets differential test's Python Worker: js/worker.js, line for line."""

from urllib.parse import urlsplit, urlunsplit

from workers import Request, Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        parts = urlsplit(request.url)
        if parts.path.startswith("/via-binding/"):
            url = urlunsplit(parts._replace(path=parts.path[len("/via-binding") :]))
            forwarded = Request(url, method=request.method, headers=request.js_object.headers)
            return await self.env.ASSETS.fetch(forwarded)
        return Response(f"worker {request.method} {parts.path}", status=299)
