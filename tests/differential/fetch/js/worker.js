// The fetch differential's reference: outbound fetch() under real workerd (`wrangler dev`).
// ../py/entry.py is the same Worker in Python, run by workers-emulator.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const target = url.searchParams.get("t");
    const init = { redirect: url.searchParams.get("r") || "follow" };
    if (url.searchParams.get("m")) {
      init.method = url.searchParams.get("m");
      init.body = "sent by the Worker";
    }
    try {
      const r = await fetch(target, init);
      const body = await r.text();
      const seen = [r.status, r.ok, r.redirected, r.url, r.headers.get("location"), body];
      return new Response(seen.join(" | "));
    } catch (e) {
      return new Response(`${e.name}: ${e.message}`, { status: 502 });
    }
  },
};
