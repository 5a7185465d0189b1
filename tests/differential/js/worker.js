// Runs the KV scenario (tests/differential/kv_scenario.json, POSTed to /run) against a real
// KV binding and answers one normalised result per step. tests/differential/py/entry.py is
// the same program in Python; the two must answer identically.

const BIG = 200;  // strings longer than this (UTF-8 bytes) are reported by size only

function isGen(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v) && "repeat" in v && "times" in v;
}

// Expand generated strings ({"repeat", "times", "suffix"}) anywhere in a value.
function gen(v) {
  if (isGen(v)) return v.repeat.repeat(v.times) + (v.suffix ?? "");
  if (Array.isArray(v)) return v.map(gen);
  if (v !== null && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = gen(x);
    return out;
  }
  return v;
}

function putValue(v) {
  if (v !== null && typeof v === "object" && "bytes" in v) return new Uint8Array(v.bytes);
  if (v !== null && typeof v === "object" && "number" in v) return v.number;
  if (v !== null && typeof v === "object" && "object" in v) return v.object;
  if (v !== null && typeof v === "object" && "array" in v) return v.array;
  return gen(v);
}

const utf8 = new TextEncoder();

function norm(v, now) {
  if (typeof v === "string") {
    const size = utf8.encode(v).length;
    return size > BIG ? { size, head: v.slice(0, 16) } : v;
  }
  if (v instanceof ArrayBuffer) return { bytes: Array.from(new Uint8Array(v)) };
  if (v instanceof Map) return Array.from(v.entries()).map(([k, x]) => [norm(k, now), norm(x, now)]);
  if (Array.isArray(v)) return v.map((x) => norm(x, now));
  if (v !== null && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = k === "expiration" && typeof x === "number" ? { relative: x - now } : norm(x, now);
    }
    return out;
  }
  return v === undefined ? null : v;
}

function relativeTo(item, state) {
  if (!("expiration" in item)) return item;
  return { ...item, expiration: { relative: item.expiration - (state.putAt[item.name] ?? 0) } };
}

async function runStep(kv, step, state) {
  const now = Math.floor(Date.now() / 1000);
  const opts = {};
  let exp = null;
  for (const [k, v] of Object.entries(step.options ?? {})) {
    if (k === "expiration_in") {
      exp = now + v;
      opts.expiration = exp;
    } else if (k === "cursor" && v === "$last") {
      opts.cursor = state.cursor;
    } else {
      opts[k] = gen(v);
      if (k === "expiration") exp = v;
    }
  }
  const key = Array.isArray(step.key) ? step.key.map(gen) : gen(step.key);
  const getOpts = {};
  if ("type" in step) getOpts.type = step.type;
  if ("cacheTtl" in step) getOpts.cacheTtl = step.cacheTtl;
  try {
    let value;
    switch (step.op) {
      case "put":
        value = await kv.put(key, putValue(step.value), opts);
        state.putAt[key] = now;
        break;
      case "get": value = await kv.get(key, getOpts); break;
      case "getWithMetadata": value = await kv.getWithMetadata(key, getOpts); break;
      case "delete": value = await kv.delete(key); break;
      case "list":
        value = await kv.list(opts);
        state.cursor = value.cursor ?? null;
        // A listed expiration is reported relative to the "now" of the put that set it.
        return { ok: norm({ ...value, keys: value.keys.map((k) => relativeTo(k, state)) }, now) };
        break;
      case "wait": await new Promise((r) => setTimeout(r, step.ms)); break;
      default: throw new Error(`unknown op ${step.op}`);
    }
    return { ok: norm(value, now) };
  } catch (e) {
    let message = `${e.name}: ${e.message}`;
    if (exp !== null && typeof exp === "number" && exp !== 0) message = message.replaceAll(String(exp), "<EXP>");
    return { error: message };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname !== "/run" || request.method !== "POST") return new Response("not found", { status: 404 });
    const steps = await request.json();
    const state = { cursor: null, putAt: {} };
    const results = [];
    for (const step of steps) results.push(await runStep(env.KV, step, state));
    return Response.json(results);
  },
};
