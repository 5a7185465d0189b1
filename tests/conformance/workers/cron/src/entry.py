import json

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        runs = await self.env.RUNS.get("runs")
        return Response(runs or "[]", headers={"content-type": "application/json"})

    async def scheduled(self, controller, env, ctx):
        runs = json.loads(await env.RUNS.get("runs") or "[]")
        runs.append({"cron": controller.cron, "scheduledTime": controller.scheduledTime})
        print("cron ran", controller.cron)
        await env.RUNS.put("runs", json.dumps(runs))
