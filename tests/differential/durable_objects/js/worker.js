// The Durable Objects scenario under real workerd; ../py/entry.py is its Python twin.
// Each step answers JSON: values, Map entries in order, or "Name: message" for an error.
import { DurableObject } from "cloudflare:workers";

const entries = (map) => [...map.entries()];
const failure = (e) => `${e.name}: ${e.message}`;
async function attempt(fn) {
  try {
    return await fn();
  } catch (e) {
    return failure(e);
  }
}

// What crosses a stub's RPC, both ways; 2.0 is 2 here, and must arrive as 2 from Python too.
const VALUES = [42, 2.0, 1.5, -7, "héllo", "", null, true, false, [1, "two", null, [3]],
  { a: 1, b: { c: [1, 2.0, { d: null }] }, "": "empty key" }, [], {}];

// A value as the receiving side sees it: its JavaScript type, whether it is an integer, itself.
function described(value) {
  let kind = typeof value;
  if (value === null) kind = "null";
  else if (Array.isArray(value)) kind = "array";
  return { kind, integer: Number.isInteger(value), value };
}

// The RPC scenario: [[step, answer], ...], an error answered as "Name: message".
async function rpcSteps(stub) {
  const steps = [];
  const step = async (name, fn) => steps.push([name, await attempt(fn)]);
  for (const value of VALUES) {
    await step(`the object receives ${JSON.stringify(value)}`, () => stub.describe(value));
  }
  for (const [index, value] of VALUES.entries()) {
    await step(`the caller receives ${JSON.stringify(value)}`, async () =>
      described(await stub.give(index)));
  }
  await step("an array argument is a copy", async () => {
    const items = ["mine"];
    const returned = await stub.keep(items);
    return [items, returned];
  });
  await step("an object argument is a copy", async () => {
    const record = { id: 1 };
    const returned = await stub.stamp(record);
    return [record, returned];
  });
  for (const which of ["plain", "type", "range", "custom"]) {
    await step(`a method throws a JavaScript error (${which})`, () => stub.fail(which));
  }
  // A DOMException keeps its name even where legacy tunnelling renames other errors.
  await step("a storage DataCloneError keeps its name", async () => {
    try {
      return await stub.storeUnclonable();
    } catch (e) {
      return e.name;
    }
  });
  await step("a method raises a plain exception", () => stub.crash());
  await step("a method that does not exist", () => stub.nope(1));
  return steps;
}

// What the storage refuses (key and value sizes, keys per call), per storage backend.
async function limits(s) {
  const out = [];
    const ok = (fn) => attempt(async () => (await fn(), "ok"));
    out.push(await ok(() => s.put("k".repeat(2049), 1)));
    out.push(await ok(() => s.get("k".repeat(2049))));
    out.push(await ok(() => s.put("big", "x".repeat(200 * 1024))));
    out.push(await ok(() => s.put("huge", "x".repeat(2 * 1024 * 1024 + 10))));
    out.push(await ok(() => s.get([...Array(129).keys()].map(String))));
    out.push(await ok(() => s.put(Object.fromEntries([...Array(129).keys()].map((i) => [`m${i}`, i])))));
    out.push(await ok(() => s.delete([...Array(129).keys()].map(String))));
  return out;
}

export class KvStore extends DurableObject {
  limits() {
    return limits(this.ctx.storage);
  }

  sqlApi() {
    return attemptSync(() => this.ctx.storage.sql.exec("SELECT 1"));
  }
}

export class Store extends DurableObject {
  limits() {
    return limits(this.ctx.storage);
  }

  async keyValue() {
    const s = this.ctx.storage;
    const out = [];
    await s.put("a", "one");
    await s.put({ b: 2, c: [1, "x", null], "pre:1": { deep: true } });
    await s.put("pre:2", "y");
    out.push(await s.get("a"));
    out.push(await s.get("missing") === undefined);
    out.push(entries(await s.get(["c", "missing", "a"])));
    out.push([...(await s.list()).keys()]);
    out.push(entries(await s.list({ prefix: "pre:" })));
    out.push([...(await s.list({ start: "b", end: "pre:2" })).keys()]);
    out.push([...(await s.list({ reverse: true, limit: 2 })).keys()]);
    out.push([...(await s.list({ startAfter: "b", limit: 2 })).keys()]);
    out.push(await attempt(() => s.list({ start: "a", startAfter: "b" })));
    out.push(await s.delete("a"));
    out.push(await s.delete("a"));
    out.push(await s.delete(["b", "c", "missing"]));
    out.push(await s.transaction(async (txn) => {
      await txn.put("t", 1);
      txn.rollback();
    }) === undefined);
    out.push(await s.get("t") === undefined);
    const thrown = await attempt(() => s.transaction(async (txn) => {
      await txn.put("t", 2);
      throw new Error("changed my mind");
    }));
    out.push(thrown.endsWith("changed my mind"));
    out.push(await s.get("t") === undefined);
    out.push(await s.transaction(async (txn) => {
      await txn.put("t", 3);
      return "kept";
    }));
    out.push(await s.get("t"));
    await s.deleteAll();
    out.push([...(await s.list()).keys()]);
    return out;
  }

  sqlApi() {
    const sql = this.ctx.storage.sql;
    const out = [];
    sql.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, score REAL)");
    const insert = sql.exec("INSERT INTO items (name, score) VALUES (?, ?), (?, ?)", "a", 1.5, "b", 2);
    out.push(insert.rowsWritten);
    const all = sql.exec("SELECT * FROM items ORDER BY id");
    out.push(all.columnNames);
    out.push(all.toArray());
    out.push(all.rowsRead);
    out.push(sql.exec("SELECT name FROM items WHERE id = ?", 2).one());
    out.push([...sql.exec("SELECT id, name FROM items ORDER BY id").raw()]);
    out.push(attemptSync(() => sql.exec("SELECT * FROM items WHERE id = 99").one()));
    out.push(attemptSync(() => sql.exec("SELECT * FROM items").one()));
    out.push(attemptSync(() => sql.exec("SELECT * FROM nowhere")));
    out.push(attemptSync(() => sql.exec("BEGIN TRANSACTION")));
    out.push(sql.exec("UPDATE items SET score = score + 1").rowsWritten);
    out.push(sql.exec("SELECT NULL AS empty, 7 AS seven").one());
    return out;
  }

  async alarms() {
    const s = this.ctx.storage;
    const out = [];
    out.push(await s.getAlarm());
    await s.setAlarm(4102444800000);
    out.push(await s.getAlarm());
    await s.deleteAlarm();
    out.push(await s.getAlarm());
    return out;
  }

  async echo(text, numbers, record) {
    return { text: text.toUpperCase(), total: numbers.reduce((a, b) => a + b, 0), record };
  }

  describe(value) {
    return described(value);
  }

  give(index) {
    return VALUES[index];
  }

  keep(items) {
    items.push("changed in the object");
    return items;
  }

  stamp(record) {
    record.stamped = true;
    return record;
  }

  fail(which) {
    if (which === "type") throw new TypeError("bad input");
    if (which === "range") throw new RangeError("out of range");
    if (which === "custom") {
      const error = new Error("custom failure");
      error.name = "CustomError";
      throw error;
    }
    throw new Error("plain failure");
  }

  async storeUnclonable() {
    await this.ctx.storage.put("unclonable", () => 1);
    return "stored";
  }

  // The Python twin raises a Python exception here: each side's answer is pinned on its own.
  crash() {
    throw new Error("crashed");
  }

  async count() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return n;
  }

  async fetch(request) {
    return new Response(`fetched ${new URL(request.url).pathname} by ${request.method}`);
  }

  async armAlarm() {
    await this.ctx.storage.setAlarm(Date.now() + 200);
    return "armed";
  }

  // The first run fails: workerd retries it (retryCount 1, isRetry true).
  async alarm(info) {
    const runs = ((await this.ctx.storage.get("alarm-runs")) ?? 0) + 1;
    await this.ctx.storage.put("alarm-runs", runs);
    await this.ctx.storage.put("alarm-info", [info.retryCount, info.isRetry]);
    if (runs === 1) throw new Error("first alarm fails");
  }

  async alarmResult() {
    const s = this.ctx.storage;
    return [(await s.get("alarm-runs")) ?? 0, (await s.get("alarm-info")) ?? null, await s.getAlarm()];
  }
}

function attemptSync(fn) {
  try {
    return fn();
  } catch (e) {
    return failure(e);
  }
}

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/health") return new Response("ok");
    const ns = env.STORE;
    const alarmed = ns.get(ns.idFromName("alarmed"));
    if (path === "/arm") return Response.json(await alarmed.armAlarm());
    if (path === "/alarm-result") return Response.json(await alarmed.alarmResult());
    if (path === "/rpc") return Response.json(await rpcSteps(ns.get(ns.idFromName("rpc"))));
    const out = [];
    const id = ns.idFromName("alpha");
    out.push(id.toString());
    out.push(id.toString() === ns.idFromName("alpha").toString());
    out.push(ns.newUniqueId().toString().length);
    out.push(ns.idFromString(id.toString()).equals(id));
    out.push(attemptSync(() => ns.idFromString("xyz")));
    out.push(attemptSync(() => ns.idFromString("0".repeat(64))));
    const stub = ns.get(ns.idFromName(`scenario-${path}`));
    out.push(await stub.keyValue());
    out.push(await stub.sqlApi());
    out.push(await stub.alarms());
    out.push(await stub.limits());
    const kvStub = env.KV_STORE.get(env.KV_STORE.idFromName("limits"));
    out.push(await kvStub.limits());
    out.push(await kvStub.sqlApi());
    out.push(await stub.echo("hi", [1, 2, 3], { nested: [true, null] }));
    out.push([await stub.count(), await stub.count()]);
    const other = ns.get(ns.idFromName(`other-${path}`));
    out.push(await other.count());
    out.push(await (await stub.fetch("https://do.example/hello", { method: "POST" })).text());
    return Response.json(out);
  },
};
