// The HTTP front end's reference: echoes what workerd hands the Worker (method, URL, headers
// in order, body length) as JSON. ../py/entry.py is the same Worker in Python.
export default {
  async fetch(request) {
    const body = request.body === null ? null : (await request.arrayBuffer()).byteLength;
    const url = new URL(request.url);
    console.log(`path seen: ${url.pathname}`);
    return Response.json({
      method: request.method,
      url: request.url,
      pathname: url.pathname,
      headers: [...request.headers],
      body,
    });
  },
};
