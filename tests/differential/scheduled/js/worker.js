// The scheduled differential's reference: a Cron Trigger handler under real workerd
// (`wrangler dev`). ../py/entry.py is the same Worker in Python, run by workers-emulator.
const seen = []; // what each scheduled run saw, in order (one isolate serves them all)

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname === "/seen") return Response.json(seen);
    return new Response(`fetch ${request.method} ${url.pathname}${url.search}`);
  },

  async scheduled(controller, env, ctx) {
    seen.push({ cron: controller.cron, scheduledTime: controller.scheduledTime });
    console.log("scheduled", controller.cron, controller.scheduledTime);
    if (controller.cron === "throw") throw new Error("boom");
    if (controller.cron === "late") ctx.waitUntil(Promise.reject(new Error("late")));
  },
};
