// The heartbeat's JavaScript twin: what src/ does for POST /v1/validate, GET /v1/update-check
// and GET /healthz, written as a JavaScript Worker for real workerd. Same key check and
// license id, same KV reads and writes (key names, values, expirations), the same answer
// shape, one Ed25519 lease signature (WebCrypto) and one log line per request. Not the whole
// Worker: no admin API, no per-client limiter on unknown keys, refusals reduced to their codes
// (the load is valid heartbeats). Only the bench uses it: `python -m bench` serves it with
// `wrangler dev` beside `workers-emulator dev`.
// POST /__bench/seed writes the entries the bench copied from the Python Worker's KV;
// GET /__bench/entries lists what the twin's KV holds (for the test that compares the two).

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const KEY_SYMBOLS = 28;
const ID_DOMAIN = "certifyclouds/license-id/v1\u0000";
const VALIDATION_TTL = 7776000;
const STATS_REFRESH_SECONDS = 86400;
const RETENTION_SECONDS = 365 * 86400;
const MAX_STATS_BYTES = 4096;
const MAX_COUNT = 2 ** 53 - 1;
const STAT_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const VERSION_MESSAGE =
  "version must be a semantic version (MAJOR.MINOR.PATCH), at most 64 characters";
const STATS_MESSAGES = {
  stats_not_object: "stats must be a JSON object of counts",
  stats_too_large: `stats must serialise to at most ${MAX_STATS_BYTES} bytes`,
  stats_invalid:
    "stats keys must match ^[A-Za-z][A-Za-z0-9_.-]{0,63}$ and values must be non-negative " +
    "integers (at most 2^53-1) or one level of objects of them",
};

// GF(32), x^5 + x^2 + 1: the key's three check symbols make it a Reed-Solomon codeword.
const EXP = new Array(62).fill(0);
const LOG = new Array(32).fill(0);
{
  let value = 1;
  for (let power = 0; power < 31; power++) {
    EXP[power] = value;
    LOG[value] = power;
    value <<= 1;
    if (value & 0b100000) value ^= 0b100101;
  }
  for (let power = 31; power < 62; power++) EXP[power] = EXP[power - 31];
}
const mul = (a, b) => (a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]);
const SYNDROMES = [];
for (let position = 0; position < KEY_SYMBOLS; position++) {
  const power = KEY_SYMBOLS - 1 - position;
  const row = [];
  for (let value = 0; value < 32; value++) {
    let packed = 0;
    for (let root = 1; root <= 3; root++) {
      packed |= mul(value, EXP[(root * power) % 31]) << (5 * (root - 1));
    }
    row.push(packed);
  }
  SYNDROMES.push(row);
}
const SYMBOL_VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

function parseKey(key) {
  if (typeof key !== "string" || key.length > 128 || !/^[\x00-\x7f]*$/.test(key)) return null;
  const compact = key.toUpperCase().replace(/[-\s]/g, "");
  if (compact.length !== 2 + KEY_SYMBOLS || !compact.startsWith("CC")) return null;
  const body = compact.slice(2).replace(/O/g, "0").replace(/[IL]/g, "1");
  if (body === "0".repeat(KEY_SYMBOLS)) return null;
  let syndromes = 0;
  for (let i = 0; i < KEY_SYMBOLS; i++) {
    const value = SYMBOL_VALUE.get(body[i]);
    if (value === undefined) return null;
    syndromes ^= SYNDROMES[i][value];
  }
  if (syndromes !== 0) return null;
  return "CC-" + body.match(/.{1,4}/g).join("-");
}

async function licenseId(canonical) {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(ID_DOMAIN + canonical),
  );
  return [...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function parseVersion(text) {
  if (typeof text !== "string" || text.length > 64) return null;
  const m = SEMVER.exec(text);
  return m ? { text, parts: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ?? null } : null;
}

function compareVersions(a, b) {
  for (let i = 0; i < 3; i++) if (a.parts[i] !== b.parts[i]) return a.parts[i] < b.parts[i] ? -1 : 1;
  if (a.pre === b.pre) return 0;
  if (a.pre === null) return 1;
  if (b.pre === null) return -1;
  return a.pre < b.pre ? -1 : 1;
}

const iso = (epoch) => new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const epochOf = (text) => Math.floor(Date.parse(text) / 1000);
const isCount = (v) => Number.isInteger(v) && v >= 0 && v <= MAX_COUNT;

function checkStats(stats) {
  if (stats === null || typeof stats !== "object" || Array.isArray(stats)) {
    return { accepted: false, reason: "stats_not_object" };
  }
  const text = JSON.stringify(stats);
  if (new TextEncoder().encode(text).length > MAX_STATS_BYTES) {
    return { accepted: false, reason: "stats_too_large" };
  }
  for (const [name, value] of Object.entries(stats)) {
    if (!STAT_KEY.test(name)) return { accepted: false, reason: "stats_invalid" };
    if (isCount(value)) continue;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return { accepted: false, reason: "stats_invalid" };
    }
    for (const [inner, count] of Object.entries(value)) {
      if (!STAT_KEY.test(inner) || !isCount(count)) return { accepted: false, reason: "stats_invalid" };
    }
  }
  return { accepted: true, text };
}

const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

let signer = null; // one imported key per isolate, as the Python Worker keeps its parsed key
async function signLease(env, claims) {
  if (signer === null) {
    const jwk = JSON.parse(env.LEASE_JWK);
    const key = await crypto.subtle.importKey(
      "jwk",
      { kty: "OKP", crv: "Ed25519", d: jwk.d, x: jwk.x },
      { name: "Ed25519" },
      false,
      ["sign"],
    );
    const header = b64url(new TextEncoder().encode(JSON.stringify({ alg: "EdDSA", kid: jwk.kid, typ: "JWT" })));
    signer = { key, header };
  }
  const payload = b64url(new TextEncoder().encode(JSON.stringify(claims)));
  const input = `${signer.header}.${payload}`;
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, signer.key, new TextEncoder().encode(input));
  return `${input}.${b64url(signature)}`;
}

let releaseCache = null; // { release, fetchedAt }: per isolate, RELEASE_CACHE_SECONDS
async function readRelease(env, now) {
  const seconds = Number(env.RELEASE_CACHE_SECONDS ?? "60");
  if (releaseCache !== null && now - releaseCache.fetchedAt >= 0 && now - releaseCache.fetchedAt < seconds) {
    return releaseCache.release;
  }
  const text = await env.LICENSE_KV.get("release", { type: "text" });
  releaseCache = { release: text === null ? null : JSON.parse(text), fetchedAt: now };
  return releaseCache.release;
}

const json = (doc, status = 200, headers = {}) =>
  new Response(JSON.stringify(doc), { status, headers: { "content-type": "application/json", ...headers } });
const error = (status, code, message) => json({ error: { code, message } }, status);

function updateAnswer(version, release) {
  if (release === null) return { current_version: version.text, latest_version: null, update_available: false };
  const latest = parseVersion(release.latest_version);
  return {
    current_version: version.text,
    latest_version: release.latest_version,
    update_available: latest !== null && compareVersions(latest, version) > 0,
  };
}

async function validate(request, env, now, log) {
  let body;
  try {
    body = JSON.parse(await request.text());
  } catch {
    return error(400, "invalid_json", "the body is not valid JSON");
  }
  if (body === null || typeof body !== "object" || typeof body.license_key !== "string") {
    return error(400, "invalid_request", "license_key must be a string");
  }
  let version = null;
  if (body.version !== undefined && body.version !== null) {
    version = parseVersion(body.version);
    if (version === null) return error(400, "invalid_request", VERSION_MESSAGE);
  }
  const canonical = parseKey(body.license_key);
  if (canonical === null) return error(404, "license_not_found", "no license matches this key");
  const id = await licenseId(canonical);
  if (!(await env.LICENSE_RATE_LIMITER.limit({ key: id })).success) {
    return error(429, "rate_limited", "too many requests, retry later");
  }
  // One bulk get, as the Worker reads the record and the stored stats together.
  const values = await env.LICENSE_KV.get([`license:${id}`, `stats:${id}`], { type: "text" });
  const text = values.get(`license:${id}`);
  const storedStats = values.get(`stats:${id}`);
  if (text === null) return error(404, "license_not_found", "no license matches this key");
  const record = JSON.parse(text);
  const expiresAt = record.expires_at === null ? null : epochOf(record.expires_at);
  const code =
    record.status === "revoked" ? "REVOKED"
    : record.status === "suspended" ? "SUSPENDED"
    : expiresAt !== null && now >= expiresAt ? "EXPIRED"
    : "VALID";
  const update = version === null ? null : updateAnswer(version, await readRelease(env, now));
  const verdict = body.stats === undefined || body.stats === null ? null : checkStats(body.stats);

  const reversed = String(9999999999 - now).padStart(10, "0");
  const suffix = [...crypto.getRandomValues(new Uint8Array(2))].map((b) => b.toString(16).padStart(2, "0")).join("");
  await env.LICENSE_KV.put(`validation:${id}:${reversed}:${suffix}`, iso(now), { expirationTtl: VALIDATION_TTL });
  let stats = null;
  if (verdict !== null) {
    stats = verdict.accepted
      ? { accepted: true }
      : { accepted: false, reason: verdict.reason, message: STATS_MESSAGES[verdict.reason] };
    if (verdict.accepted && !statsAreCurrent(storedStats, record, verdict.text, now)) {
      const receivedAt = iso(now);
      const options = { metadata: { received_at: receivedAt } };
      if (expiresAt !== null) options.expiration = expiresAt + RETENTION_SECONDS;
      const value = `{"stats":${verdict.text},"received_at":"${receivedAt}","expires_at":${JSON.stringify(record.expires_at)}}`;
      await env.LICENSE_KV.put(`stats:${id}`, value, options);
    }
  }
  const answer = {
    valid: code === "VALID",
    code,
    license: { id: record.id, status: record.status, plan: record.plan, expires_at: record.expires_at },
    checked_at: iso(now),
    update,
    stats,
  };
  if (code === "VALID") {
    let exp = now + Number(env.LEASE_TTL_SECONDS ?? "604800");
    if (expiresAt !== null) exp = Math.min(exp, expiresAt);
    answer.lease = await signLease(env, { sub: record.id, code, iat: now, exp });
  }
  Object.assign(log, { license_id: id, code, stats_accepted: stats === null ? null : stats.accepted });
  return json(answer);
}

// Unchanged counts for the same expiry, written within a day, are not written again.
function statsAreCurrent(stored, record, countsText, now) {
  if (stored === null || stored === undefined) return false;
  let entry;
  try { entry = JSON.parse(stored); } catch { return false; }
  if (entry === null || typeof entry !== "object" || !("expires_at" in entry)) return false;
  if (entry.expires_at !== record.expires_at) return false;
  const received = typeof entry.received_at === "string" ? epochOf(entry.received_at) : NaN;
  if (!(now - received >= 0 && now - received < STATS_REFRESH_SECONDS)) return false;
  return JSON.stringify(entry.stats) === countsText;
}

async function seed(request, env) {
  const entries = await request.json();
  for (const e of entries) {
    const options = {};
    if (e.expiration != null) options.expiration = e.expiration;
    if (e.metadata != null) options.metadata = e.metadata;
    await env.LICENSE_KV.put(e.key, e.value, options);
  }
  return json({ written: entries.length });
}

async function entries(env) {
  const out = [];
  let cursor;
  do {
    const page = await env.LICENSE_KV.list(cursor === undefined ? {} : { cursor });
    for (const k of page.keys) {
      const value = await env.LICENSE_KV.get(k.name, { type: "text" });
      out.push({ key: k.name, value, expiration: k.expiration ?? null, metadata: k.metadata ?? null });
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  return json(out);
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const now = Math.floor(Date.now() / 1000);
    const log = { event: "request", method: request.method, path: url.pathname };
    let response;
    if (url.pathname === "/v1/validate" && request.method === "POST") {
      response = await validate(request, env, now, log);
    } else if (url.pathname === "/v1/update-check" && request.method === "GET") {
      const version = parseVersion(url.searchParams.get("version"));
      response = version === null
        ? error(400, "invalid_request", VERSION_MESSAGE)
        : json(updateAnswer(version, await readRelease(env, now)));
    } else if (url.pathname === "/healthz" && request.method === "GET") {
      response = json({ ok: true });
    } else if (url.pathname === "/__bench/seed" && request.method === "POST") {
      response = await seed(request, env);
    } else if (url.pathname === "/__bench/entries" && request.method === "GET") {
      response = await entries(env);
    } else {
      response = error(404, "not_found", "no such route");
    }
    log.status = response.status;
    console.log(JSON.stringify(log));
    return response;
  },
};
