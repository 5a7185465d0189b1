"""The error differential's subject: ../js/worker.js in Python, run by workers-emulator.

Written against the real Python Workers SDK API only, so it runs unchanged under workerd.
"""

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = "/" + request.url.split("/", 3)[3].split("?", 1)[0]
        if path == "/health":
            return Response("ok")
        if path == "/empty":
            raise Exception()
        if path == "/after-read":
            await request.text()
        print("about to throw")
        raise Exception("boom from the worker")
