// Runs the D1 scenario (tests/differential/d1/scenario.json, POSTed to /run) against a real
// D1 binding and answers one normalised result per step. ../py/entry.py is the same program
// in Python; the two must answer identically.

// A bind value as the scenario writes it: {"bytes": [...]} is a Uint8Array, {"buffer": [...]}
// an ArrayBuffer, {"undefined": true} undefined, {"object": {...}} a plain object; anything
// else is itself.
function bindValue(v) {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    if ("bytes" in v) return new Uint8Array(v.bytes);
    if ("buffer" in v) return new Uint8Array(v.buffer).buffer;
    if ("undefined" in v) return undefined;
    if ("object" in v) return v.object;
  }
  return v;
}

// {"comment_bytes": n} pads the SQL with a comment, to reach D1's length limit.
function sqlOf(s) {
  return "comment_bytes" in s ? `${s.sql} -- ${"x".repeat(s.comment_bytes)}` : s.sql;
}

function statement(db, s) {
  const prepared = db.prepare(sqlOf(s));
  return "binds" in s ? prepared.bind(...s.binds.map(bindValue)) : prepared;
}

// Meta fields that vary between runs are reported by type only.
const VARYING = new Set(["duration", "size_after", "timings"]);

function norm(v) {
  if (v instanceof ArrayBuffer) return { buffer: Array.from(new Uint8Array(v)) };
  if (Array.isArray(v)) return v.map(norm);
  if (v !== null && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = k === "meta" ? normMeta(x) : norm(x);
    }
    return out;
  }
  if (typeof v === "number" && !Number.isFinite(v)) return { number: String(v) };
  return v === undefined ? { undefined: true } : v;
}

function normMeta(meta) {
  const out = {};
  for (const [k, x] of Object.entries(meta)) out[k] = VARYING.has(k) ? typeof x : norm(x);
  return out;
}

async function runStep(db, step) {
  try {
    let value;
    switch (step.op) {
      case "all": value = await statement(db, step).all(); break;
      case "run": value = await statement(db, step).run(); break;
      case "first":
        value = "column" in step
          ? await statement(db, step).first(step.column)
          : await statement(db, step).first();
        break;
      case "raw":
        value = "columnNames" in step
          ? await statement(db, step).raw({ columnNames: step.columnNames })
          : await statement(db, step).raw();
        break;
      case "batch": value = await db.batch(step.statements.map((s) => statement(db, s))); break;
      case "exec": {
        const result = await db.exec(step.sql);
        value = { count: result.count, duration: typeof result.duration };
        break;
      }
      default: throw new Error(`unknown op ${step.op}`);
    }
    return { ok: norm(value) };
  } catch (e) {
    return { error: `${e.name}: ${e.message}` };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname !== "/run" || request.method !== "POST") return new Response("not found", { status: 404 });
    const steps = await request.json();
    const results = [];
    for (const step of steps) results.push(await runStep(env.DB, step));
    return Response.json(results);
  },
};
