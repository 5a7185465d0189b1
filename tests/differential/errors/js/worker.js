// The error differential's reference: a Worker whose fetch throws, under real workerd
// (`wrangler dev`). ../py/entry.py is the same Worker in Python, run by workers-emulator.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname === "/empty") throw new Error();
    if (url.pathname === "/after-read") await request.text();
    console.log("about to throw");
    throw new Error("boom from the worker");
  },
};
