"""Runs the D1 scenario (POSTed to /run) against the D1 binding; ../js/worker.js in Python.

Written against the real Python Workers runtime only (Pyodide's proxies and conversions), so
it runs unchanged under workerd: a value crosses to JavaScript as Pyodide converts it, which is
why null is ``jsnull`` (None arrives as undefined) and bytes go through ``to_js``.
"""

import js
from pyodide.ffi import jsnull, to_js
from workers import Response, WorkerEntrypoint

# Meta fields that vary between runs are reported by type only.
VARYING = {"duration", "size_after", "timings"}


def bind_value(v):
    """A bind value as the scenario writes it (see ../js/worker.js), made the Python way."""
    if v is None:
        return jsnull
    if isinstance(v, dict):
        if "bytes" in v:
            return to_js(bytes(v["bytes"]))
        if "buffer" in v:
            return to_js(bytes(v["buffer"])).buffer
        if "undefined" in v:
            return None
        if "object" in v:
            return to_js(v["object"], dict_converter=js.Object.fromEntries)
    if isinstance(v, list):
        return to_js(v)
    return v


def sql_of(s):
    """{"comment_bytes": n} pads the SQL with a comment, to reach D1's length limit."""
    return s["sql"] + " -- " + "x" * s["comment_bytes"] if "comment_bytes" in s else s["sql"]


def statement(db, s):
    prepared = db.prepare(sql_of(s))
    return prepared.bind(*[bind_value(b) for b in s["binds"]]) if "binds" in s else prepared


def typeof(v):
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    return "undefined" if v is None else "object"


def norm(v):
    """What JSON.stringify would make of the JS value, as the JS twin normalises it."""
    if hasattr(v, "to_py"):
        v = v.to_py()
    if isinstance(v, memoryview | bytes):
        return {"buffer": list(bytes(v))}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {k: norm_meta(x) if k == "meta" else norm(x) for k, x in v.items()}
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e21:
        return int(v)  # JSON.stringify writes such a number without a fraction or exponent
    return v


def norm_meta(meta):
    if hasattr(meta, "to_py"):
        meta = meta.to_py()
    return {k: typeof(x) if k in VARYING else norm(x) for k, x in meta.items()}


async def run_step(db, step):
    try:
        op = step["op"]
        if op == "all":
            value = await statement(db, step).all()
        elif op == "run":
            value = await statement(db, step).run()
        elif op == "first":
            if "column" in step:
                value = await statement(db, step).first(step["column"])
            else:
                value = await statement(db, step).first()
        elif op == "raw":
            if "columnNames" in step:
                value = await statement(db, step).raw(columnNames=step["columnNames"])
            else:
                value = await statement(db, step).raw()
        elif op == "batch":
            value = await db.batch([statement(db, s) for s in step["statements"]])
        elif op == "exec":
            result = await db.exec(step["sql"])
            value = {"count": result.count, "duration": typeof(result.duration)}
        else:
            raise ValueError(f"unknown op {op}")
        return {"ok": norm(value)}
    except Exception as e:
        return {"error": str(e)}


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = request.url.split("?")[0].split("/", 3)[-1]
        if path == "health":
            return Response("ok")
        if path != "run" or request.method != "POST":
            return Response("not found", status=404)
        steps = await request.json()
        return Response.json([await run_step(self.env.DB, step) for step in steps])
