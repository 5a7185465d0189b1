"""Runs the KV scenario (POSTed to /run) against the KV binding; ../js/worker.js in Python.

Written against the real Python Workers SDK API only, so it runs unchanged under workerd.
"""

import asyncio
import json
import time

from workers import Response, WorkerEntrypoint

BIG = 200  # strings longer than this (UTF-8 bytes) are reported by size only


def is_gen(v):
    return isinstance(v, dict) and "repeat" in v and "times" in v


def gen(v):
    """Expand generated strings ({"repeat", "times", "suffix"}) anywhere in a value."""
    if is_gen(v):
        return v["repeat"] * v["times"] + (v.get("suffix") or "")
    if isinstance(v, list):
        return [gen(x) for x in v]
    if isinstance(v, dict):
        return {k: gen(x) for k, x in v.items()}
    return v


def put_value(v):
    if isinstance(v, dict) and "bytes" in v:
        return bytes(v["bytes"])
    if isinstance(v, dict) and "number" in v:
        return v["number"]
    if isinstance(v, dict) and "object" in v:
        return v["object"]
    if isinstance(v, dict) and "array" in v:
        return v["array"]
    return gen(v)


def norm(v, now):
    if isinstance(v, str):
        size = len(v.encode())
        return {"size": size, "head": v[:16]} if size > BIG else v
    if isinstance(v, bytes | bytearray | memoryview):
        return {"bytes": list(bytes(v))}
    if isinstance(v, list):
        return [norm(x, now) for x in v]
    if isinstance(v, _Bulk):
        # A bulk get's Map, as the JS side reports it: [key, value] pairs in order.
        return [[k, norm(x, now)] for k, x in v.items()]
    if isinstance(v, dict):
        return {
            k: {"relative": x - now}
            if k == "expiration" and isinstance(x, int | float) and not isinstance(x, bool)
            else norm(x, now)
            for k, x in v.items()
        }
    return v


class _Bulk(dict):
    """Marks a bulk get's result (a Map in JS) for ``norm``."""


def relative_to(item, state):
    if "expiration" not in item:
        return item
    since = state["put_at"].get(item["name"], 0)
    return {**item, "expiration": {"relative": item["expiration"] - since}}


async def run_step(kv, step, state):
    now = int(time.time())
    opts = {}
    exp = None
    for k, v in (step.get("options") or {}).items():
        if k == "expiration_in":
            exp = now + v
            opts["expiration"] = exp
        elif k == "cursor" and v == "$last":
            opts["cursor"] = state["cursor"]
        else:
            opts[k] = gen(v)
            if k == "expiration":
                exp = v
    key = (
        [gen(k) for k in step["key"]] if isinstance(step.get("key"), list) else gen(step.get("key"))
    )
    get_opts = {k: step[k] for k in ("type", "cacheTtl") if k in step}
    op = step["op"]
    try:
        if op == "put":
            value = await kv.put(key, put_value(step["value"]), **opts)
            state["put_at"][key] = now
        elif op == "get":
            value = await kv.get(key, **get_opts)
        elif op == "getWithMetadata":
            value = await kv.getWithMetadata(key, **get_opts)
        elif op == "delete":
            value = await kv.delete(key)
        elif op == "list":
            value = await kv.list(**opts)
            state["cursor"] = value.get("cursor")
            # A listed expiration is reported relative to the "now" of the put that set it.
            keys = [relative_to(item, state) for item in value["keys"]]
            return {"ok": norm({**value, "keys": keys}, now)}
        elif op == "wait":
            await asyncio.sleep(step["ms"] / 1000)
            value = None
        else:
            raise ValueError(f"unknown op {op}")
        if isinstance(key, list) and op in ("get", "getWithMetadata"):
            value = _Bulk(value)
        return {"ok": norm(value, now)}
    except Exception as e:
        message = str(e)
        if isinstance(exp, int) and exp != 0:
            message = message.replace(str(exp), "<EXP>")
        return {"error": message}


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = "/" + request.url.split("/", 3)[3].split("?", 1)[0]
        if path == "/health":
            return Response("ok")
        if path != "/run" or request.method.value != "POST":
            return Response("not found", status=404)
        steps = json.loads(await request.text())
        state = {"cursor": None, "put_at": {}}
        results = [await run_step(self.env.KV, step, state) for step in steps]
        return Response(json.dumps(results), headers={"content-type": "application/json"})
