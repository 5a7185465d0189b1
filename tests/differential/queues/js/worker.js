// The Queues scenario in JavaScript, under real wrangler dev (workerd): the twin of
// ../py/src/entry.py, answering the same requests the same way.
const SEEN = [];

function describe(body) {
  if (body instanceof ArrayBuffer) return { type: "ArrayBuffer", value: [...new Uint8Array(body)] };
  if (Array.isArray(body)) return { type: "array", value: body };
  if (body !== null && typeof body === "object") return { type: "object", value: body };
  return { type: typeof body, value: body };
}

async function refused(send) {
  try {
    await send();
  } catch (error) {
    return `${error.name}: ${error.message}`;
  }
  return "ok";
}

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname.slice(1);
    if (path === "health") return new Response("ok");
    if (path === "produce") {
      await env.WORK.send({ n: 1, list: [1, "a"], nested: { x: true } });
      await env.WORK.send("hello", { contentType: "text" });
      await env.WORK.send(new Uint8Array([1, 2, 255]), { contentType: "bytes" });
      await env.WORK.send(42);
      await env.WORK.send(2.5);
      await env.WORK.send({ kind: "v8", items: [1, 2] }, { contentType: "v8" });
      await env.WORK.send("later", { contentType: "text", delaySeconds: 1 });
      await env.WORK.sendBatch([
        { body: "retry-once", contentType: "text" },
        { body: "always-retry", contentType: "text" },
      ]);
      await env.FRAGILE.send("boom", { contentType: "text" });
      await env.FRAGILE.send("doomed", { contentType: "text" });
      await env.FRAGILE.send("retry-all", { contentType: "text" });
      return new Response("sent");
    }
    if (path === "seen") {
      return new Response(JSON.stringify(SEEN));
    }
    if (path === "errors") {
      const big = "x".repeat(128001);
      const many = Array.from({ length: 101 }, (_, i) => ({ body: i }));
      const errors = [
        await refused(() => env.WORK.send(undefined)),
        await refused(() => env.WORK.send("x", { contentType: "xml" })),
        await refused(() => env.WORK.send(5, { contentType: "text" })),
        await refused(() => env.WORK.send("x", { contentType: "bytes" })),
        await refused(() => env.WORK.sendBatch([])),
        await refused(() => env.WORK.sendBatch(5)),
        await refused(() => env.WORK.sendBatch([{ contentType: "text" }])),
        await refused(() => env.WORK.send(big, { contentType: "text" })),
        await refused(() => env.WORK.send("x", { delaySeconds: 86401 })),
        await refused(() => env.WORK.sendBatch(many)),
        await refused(() => env.WORK.sendBatch([{ body: big }])),
        await refused(() => env.NOWHERE.send(big, { contentType: "text" })),
      ];
      return new Response(JSON.stringify(errors));
    }
    return new Response("not found", { status: 404 });
  },

  async queue(batch) {
    for (const message of batch.messages) {
      const body = message.body;
      SEEN.push({
        queue: batch.queue,
        attempts: message.attempts,
        body: describe(body),
        id: /^[0-9a-f]{32}$/.test(message.id),
        timestamp: message.timestamp instanceof Date && message.timestamp.getTime() > 0,
      });
      if (body === "retry-all") {
        if (message.attempts === 1) batch.retryAll({ delaySeconds: 1 });
        batch.ackAll(); // on the first attempt no effect after retryAll(): a warning
        continue;
      }
      if (batch.queue === "fragile" && (body === "doomed" || message.attempts < 2)) {
        throw new Error(`cannot handle ${body}`);
      }
      if (body === "always-retry") {
        message.retry();
      } else if (body === "retry-once" && message.attempts === 1) {
        message.retry({ delaySeconds: 1 });
        message.ack(); // no effect after retry(): workerd logs a warning
      } else {
        message.ack();
      }
    }
  },
};
