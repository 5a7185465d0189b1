// The service bindings scenario's callee under real workerd; ../../py/callee is its twin.
import { WorkerEntrypoint } from "cloudflare:workers";

// A value's JavaScript type, as the Python twin names what it received.
function kind(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Uint8Array) return "bytes";
  return typeof value;
}

// What the queue handler received, for the caller to ask for (queued()).
const QUEUED = [];

export default class extends WorkerEntrypoint {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/missing") return new Response("not here", { status: 404 });
    if (path === "/broken") {
      return new Response("broken", { status: 500, statusText: "Broken Inside" });
    }
    if (path === "/throw") throw new Error("callee fetch exploded");
    const seen = {
      method: request.method,
      url: request.url,
      headers: [...request.headers],
      body: await request.text(),
    };
    return new Response(JSON.stringify(seen), {
      status: 201,
      statusText: "Made It",
      headers: { "x-from": "callee", "content-type": "application/json" },
    });
  }

  async queue(batch) {
    for (const message of batch.messages) {
      QUEUED.push({ queue: batch.queue, body: message.body, attempts: message.attempts });
      message.ack();
    }
  }

  queued() {
    return QUEUED;
  }

  describe(value) {
    return { kind: kind(value), integer: Number.isInteger(value), value };
  }

  echo(value) {
    return value;
  }

  keep(items) {
    items.push("changed in callee");
    return items;
  }

  stamp(record) {
    record.stamped = true;
    return record;
  }

  bytes(length) {
    return new Uint8Array(length).map((_, i) => i * 7);
  }

  respond() {
    return new Response("from rpc", { status: 202, headers: { "x-rpc": "yes" } });
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
}

export class Admin extends WorkerEntrypoint {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    return new Response(`admin saw ${request.method} ${path}: ${this.env.GREETING}`);
  }

  whoami() {
    return { entrypoint: "Admin", greeting: this.env.GREETING };
  }
}
