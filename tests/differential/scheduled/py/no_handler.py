"""A Worker without a scheduled handler, as ../js/no_handler.js."""

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        rest = request.url.split("/", 3)[3]
        if rest.split("?", 1)[0] == "health":
            return Response("ok")
        return Response(f"fetch {request.method} /{rest}")
