// The service bindings scenario's caller under real workerd; ../../py/caller is its twin.
// GET /health answers ok; POST /run calls the bindings step by step and answers
// [[step, result], ...]; an error is recorded as "Name: message".
const failure = (e) => `${e.name}: ${e.message}`;

async function answer(response) {
  return {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
    body: await response.text(),
  };
}

async function attempt(fn) {
  try {
    return await fn();
  } catch (e) {
    return failure(e);
  }
}

const VALUES = [42, 2.0, 1.5, -7, "héllo", "", null, true, false, [1, "two", null, [3]],
  { a: 1, b: { c: [1, 2, { d: null }] }, "": "empty key" }, [], {}];

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/health") return new Response("ok");
    if (path === "/queued") return Response.json(await env.CALLEE.queued());
    if (path !== "/run") return new Response("no route", { status: 404 });
    const steps = [];
    const step = async (name, fn) => steps.push([name, await attempt(fn)]);

    await step("fetch a string URL with method, body and headers", async () =>
      answer(await env.CALLEE.fetch("https://callee.example/echo?x=1", {
        method: "POST",
        body: "payload",
        headers: { "x-custom": "one", "content-type": "text/plain" },
      })));
    await step("fetch a Request built by the caller", async () =>
      answer(await env.CALLEE.fetch(new Request("http://callee.internal/put", {
        method: "PUT",
        body: "put body",
      }))));
    await step("fetch a GET without options", async () =>
      answer(await env.CALLEE.fetch("http://callee.internal/plain")));
    await step("fetch a POST without a body", async () =>
      answer(await env.CALLEE.fetch("http://callee.internal/nobody", { method: "POST" })));
    await step("fetch a POST with an empty body", async () =>
      answer(await env.CALLEE.fetch("http://callee.internal/empty", { method: "POST", body: "" })));
    await step("fetch with a bytes body", async () =>
      answer(await env.CALLEE.fetch("http://callee.internal/bytes", {
        method: "PATCH",
        body: new Uint8Array([104, 105, 33]),
      })));
    await step("forward the incoming request", async () =>
      answer(await env.CALLEE.fetch(request)));
    await step("the callee answers 404", async () =>
      answer(await env.CALLEE.fetch("http://callee.internal/missing")));
    await step("the callee answers 500 with a status text", async () =>
      answer(await env.CALLEE.fetch("http://callee.internal/broken")));
    await step("the callee throws in fetch", async () =>
      answer(await env.CALLEE.fetch("http://callee.internal/throw")));
    await step("the response's url", async () =>
      (await env.CALLEE.fetch("http://callee.internal/plain")).url);

    for (const value of VALUES) {
      await step(`the callee receives ${JSON.stringify(value)}`, () => env.CALLEE.describe(value));
    }
    await step("the callee receives bytes", async () => {
      const seen = await env.CALLEE.describe(new Uint8Array([0, 1, 255]));
      return { ...seen, value: [...seen.value] };
    });
    await step("the caller receives bytes", async () => {
      const got = await env.CALLEE.bytes(4);
      return [got instanceof Uint8Array, [...got]];
    });
    await step("echo nested values", () => env.CALLEE.echo({ list: [1, { x: [null, "s"] }] }));
    await step("arguments are copies", async () => {
      const items = ["mine"];
      const returned = await env.CALLEE.keep(items);
      return [items, returned];
    });
    await step("an object argument is a copy", async () => {
      const record = { id: 1 };
      const returned = await env.CALLEE.stamp(record);
      return [record, returned];
    });
    await step("an RPC method returns a Response", async () => answer(await env.CALLEE.respond()));
    for (const which of ["plain", "type", "range", "custom"]) {
      await step(`an RPC method throws (${which})`, () => env.CALLEE.fail(which));
    }
    await step("a method that does not exist", () => env.CALLEE.nope(1));
    await step("a named entrypoint's RPC reads its env", () => env.ADMIN.whoami());
    await step("a named entrypoint's fetch", async () =>
      answer(await env.ADMIN.fetch("http://admin.internal/who", { method: "DELETE" })));
    await step("a service not running: fetch", async () =>
      answer(await env.GONE.fetch("http://gone.internal/")));
    await step("a service not running: RPC", () => env.GONE.ping());
    await step("send to a queue the callee consumes", async () => {
      await env.JOBS.send({ n: 1, text: "for the callee" });
      await env.JOBS.send("plain text", { contentType: "text" });
      return "sent";
    });
    return Response.json(steps);
  },
};
