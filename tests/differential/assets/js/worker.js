// The Static Assets differential test's reference Worker (JavaScript under real workerd):
// answers what the asset server leaves to it, and forwards /via-binding/* to env.ASSETS.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/via-binding/")) {
      url.pathname = url.pathname.slice("/via-binding".length);
      return env.ASSETS.fetch(new Request(url, { method: request.method, headers: request.headers }));
    }
    return new Response(`worker ${request.method} ${url.pathname}`, { status: 299 });
  },
};
