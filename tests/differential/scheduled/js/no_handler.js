// A Worker without a scheduled handler, for what the trigger paths answer then.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    return new Response(`fetch ${request.method} ${url.pathname}${url.search}`);
  },
};
