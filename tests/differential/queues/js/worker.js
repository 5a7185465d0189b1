// The Queues scenario under real workerd; ../py/entry.py is its Python twin. /run sends
// (each send answers "ok" or "Name: message"); /log answers every batch consumed so far.
const batches = [];

async function attempt(fn) {
  try {
    await fn();
    return "ok";
  } catch (e) {
    return `${e.name}: ${e.message}`;
  }
}

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/health") return new Response("ok");
    if (path === "/log") return Response.json(batches);
    const q = env.JOBS;
    return Response.json([
      await attempt(() => q.send("first")),
      await attempt(() => q.send({ k: [1, true] }, { contentType: "json" })),
      await attempt(() => q.send("plain", { contentType: "text" })),
      await attempt(() => q.send(new Uint8Array([1, 2, 3]), { contentType: "bytes" })),
      await attempt(() => q.sendBatch([{ body: "retry" }, { body: "implicit" }, { body: "throw-free" }])),
      await attempt(() => q.send("x", { contentType: "yaml" })),
      await attempt(() => q.send(123, { contentType: "text" })),
    ]);
  },

  async queue(batch) {
    const seen = batch.messages.map((m) => [
      m.body instanceof ArrayBuffer ? [...new Uint8Array(m.body)] : m.body,
      m.attempts,
      m.id.length,
      m.timestamp instanceof Date,
    ]);
    batches.push([batch.queue, seen]);
    for (const m of batch.messages) {
      if (m.body === "retry") m.retry();
      else if (m.body !== "implicit") m.ack();
    }
  },
};
