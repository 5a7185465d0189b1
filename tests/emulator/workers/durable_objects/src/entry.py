import asyncio
from urllib.parse import urlparse

from js import Date
from pyodide.ffi import to_js
from workers import DurableObject, Response, WorkerEntrypoint

# What each object did, in order, per object name (the tests read it to check delivery order).
EVENTS = {}


class Room(DurableObject):
    def __init__(self, ctx, env):
        super().__init__(ctx, env)
        self.calls = 0  # lives as long as the instance
        self.alarms = []
        self.failures_left = 0

    async def messages(self):
        stored = await self.ctx.storage.get("messages")
        return stored if stored else []

    async def post(self, text):
        messages = await self.messages()
        messages.append(text)
        await self.ctx.storage.put("messages", to_js(messages))

    async def post_python_list(self, text):
        await self.ctx.storage.put("messages", [text])

    def instance_calls(self):
        self.calls += 1
        return self.calls

    async def log(self, name, label, pauses):
        EVENTS.setdefault(name, []).append(f"{label}:start")
        for _ in range(pauses):
            await asyncio.sleep(0)
        EVENTS.setdefault(name, []).append(f"{label}:end")

    async def log_in_transaction(self, name, label, pauses):
        async def body(txn):
            await txn.put("seen", label)
            await self.log(name, label, pauses)

        await self.ctx.storage.transaction(body)

    async def schedule(self, delay_ms, failures):
        self.failures_left = failures
        await self.ctx.storage.setAlarm(Date.now() + delay_ms)
        return await self.ctx.storage.getAlarm()

    async def alarm(self, alarm_info):
        self.alarms.append([alarm_info.retryCount, alarm_info.isRetry])
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("alarm failed on purpose")

    def alarm_log(self):
        return self.alarms

    def tally(self, label):
        self.ctx.storage.sql.exec(
            "CREATE TABLE IF NOT EXISTS tally (label TEXT PRIMARY KEY, n INTEGER)"
        )
        self.ctx.storage.sql.exec(
            "INSERT INTO tally VALUES (?, 1) ON CONFLICT (label) DO UPDATE SET n = n + 1",
            label,
        )
        return self.ctx.storage.sql.exec("SELECT n FROM tally WHERE label = ?", label).one().n

    def number_types(self, numbers):
        return {"received": [type(n).__name__ for n in numbers], "sent": 2.0}

    def explode(self):
        raise ValueError("boom in the room")

    async def fetch(self, request):
        return Response(f"room {self.ctx.id.name} got {request.method}")


class Ledger(DurableObject):
    def sql_size(self):
        return self.ctx.storage.sql.databaseSize


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        parts = urlparse(request.url).path.strip("/").split("/")
        room = self.env.ROOMS.get(self.env.ROOMS.idFromName(parts[0]))
        action = parts[1] if len(parts) > 1 else ""
        if action == "add":
            await room.post(parts[2])
            return Response("Message sent")
        if action == "show":
            messages = await room.messages()
            return Response("\n".join(messages) if messages else "No messages")
        if action == "add-list":
            await room.post_python_list(parts[2])
            return Response("stored")
        if action == "calls":
            return Response(str(await room.instance_calls()))
        if action == "tally":
            return Response(str(await room.tally(parts[2])))
        if action == "fetch":
            answer = await room.fetch("https://room/", method="PUT")
            return Response(await answer.text())
        if action == "ledger-sql":
            ledger = self.env.LEDGERS.get(self.env.LEDGERS.idFromName(parts[0]))
            return Response(str(await ledger.sql_size()))
        if action == "alarm":
            at = await room.schedule(int(parts[2]), int(parts[3]))
            return Response(str(at))
        if action == "alarm-log":
            return Response.json(await room.alarm_log())
        if action == "rpc-numbers":
            answer = await room.number_types([2.0, 1.5])
            return Response.json([answer["received"], type(answer["sent"]).__name__])
        if action in ("python-error", "missing-method"):
            try:
                await (room.explode() if action == "python-error" else room.nope())
            except Exception as error:
                lines = error.message.rstrip().splitlines()
                return Response.json([type(error).__name__, error.name, lines[0], lines[-1]])
        if action == "bad-id":
            return Response(str(self.env.ROOMS.idFromString(parts[2])))
        return Response("Not Found", status=404)
