"""A minimal Worker using only the real Python Workers SDK API."""

import asyncio
import json
import sys
import time

from helper import bump
from workers import Response, WorkerEntrypoint

print("minimal worker loaded")


async def _later(env, key):
    await asyncio.sleep(0)
    await env.KV.put(key, "done")


async def _read_body_later(env, request):
    # The platform cuts the request body off once the response is sent.
    try:
        await request.text()
        outcome = "read"
    except Exception as exc:
        outcome = str(exc)
    await env.KV.put("late-read", outcome)


async def _fail_later():
    raise RuntimeError("background failure")


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        url = request.url
        path = "/" + url.split("/", 3)[3].split("?", 1)[0] if url.count("/") >= 3 else "/"
        if path == "/echo":
            body = await request.text()
            return Response.json(
                {
                    "method": request.method.value,
                    "url": request.url,
                    "body": body,
                    "content_type": request.headers.get("content-type"),
                    "client": request.headers.get("cf-connecting-ip"),
                    "colo": request.cf.colo if request.cf else None,
                }
            )
        if path == "/headers":
            return Response(
                "ok",
                headers=[("x-one", "1"), ("set-cookie", "a=1"), ("set-cookie", "b=2")],
            )
        if path == "/stream-head":
            # Read the first chunk only, then refuse.
            if request.body is None:
                return Response("no body", status=400)
            reader = request.body.getReader()
            first = await reader.read()
            await reader.cancel()
            size = 0 if first.done else first.value.length
            return Response(f"first chunk {size}", status=413)
        if path == "/declared":
            if int(request.headers.get("content-length") or 0) > 16384:
                return Response("too large", status=413)
            return Response("ok")
        if path == "/kv":
            await self.env.KV.put("k", "v")
            value = await self.env.KV.get("k")
            return Response(value)
        if path == "/wait":
            self.ctx.waitUntil(_later(self.env, "background"))
            return Response("scheduled", status=202)
        if path == "/wait-read":
            self.ctx.waitUntil(_read_body_later(self.env, request))
            return Response("scheduled", status=202)
        if path == "/wait-fail":
            self.ctx.waitUntil(_fail_later())
            return Response("scheduled", status=202)
        if path == "/boom":
            print("about to fail")
            raise ValueError("the handler failed")
        if path == "/print":
            print(json.dumps({"event": "hello"}))
            print("to stderr", file=sys.stderr)
            return Response("printed")
        if path == "/time":
            return Response(str(int(time.time())))
        if path == "/env":
            return Response.json(
                {
                    "greeting": self.env.GREETING,
                    "one": self.env.NUMBERS.one,
                    "token": getattr(self.env, "API_TOKEN", None),
                    "missing": getattr(self.env, "NOPE", None),
                }
            )
        if path == "/limit":
            outcome = await self.env.LIMITER.limit(key="k")
            return Response.json({"success": outcome.success})
        if path == "/count":
            return Response(str(bump()))
        if path == "/empty":
            return Response(None, status=204)
        if path == "/redirect":
            return Response.redirect("https://example.com/")
        if path == "/bytes":
            return Response(b"\x00\x01\x02", headers={"content-type": "application/octet-stream"})
        if path == "/partial":
            # Half a line, a pause (another request runs), then the rest.
            tag = url.rsplit("=", 1)[-1]
            sys.stdout.write(tag)
            await asyncio.sleep(0.01)
            sys.stdout.write(tag + "\n")
            return Response(tag)
        if path == "/not-a-response":
            return {"oops": True}
        if path == "/body-kind":
            return Response("none" if request.body is None else "stream")
        return Response("not found", status=404)
