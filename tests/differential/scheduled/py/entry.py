"""The scheduled differential's subject: ../js/worker.js in Python, run by workers-emulator.

Written against the real Python Workers SDK API only, so it runs unchanged under workerd.
"""

import json

from workers import Response, WorkerEntrypoint

seen = []  # what each scheduled run saw, in order (one isolate serves them all)


async def fail_later():
    raise RuntimeError("late")


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        rest = request.url.split("/", 3)[3]
        path = "/" + rest.split("?", 1)[0]
        if path == "/health":
            return Response("ok")
        if path == "/seen":
            return Response(json.dumps(seen), headers={"content-type": "application/json"})
        return Response(f"fetch {request.method} /{rest}")

    async def scheduled(self, controller, env, ctx):
        seen.append({"cron": controller.cron, "scheduledTime": controller.scheduledTime})
        print("scheduled", controller.cron, controller.scheduledTime)
        if controller.cron == "throw":
            raise RuntimeError("boom")
        if controller.cron == "late":
            ctx.waitUntil(fail_later())
