// The admin console in dev and tests: Cloudflare Access's part in front of the Worker, on one
// local origin (default http://127.0.0.1:8794, `LOYALNEST_CONSOLE_PORT`). The Worker itself serves
// the console (/console/..., its static assets, workers/admin/console-site.ts) and the API
// (/admin/...), both behind its Access check, exactly as in production; this server only does
// what Access does at the edge:
//   - it holds one Access session (one admin: `adminEmail`, default the seed's superadmin; start
//     another server for another admin), a token the Access stand-in (scripts/access-standin.mjs)
//     signs, as Access keeps one in its CF_Authorization cookie;
//   - it forwards /console/... and /admin/... to the Worker with that token in
//     `Cf-Access-Jwt-Assertion`, the header Access adds;
//   - a page load of the console (a GET of a /console path that is no file) with no session or an
//     expired one signs in again: a fresh token, as Access's login does when it redirects back.
//     An /admin call never renews it: an expired token reaches the Worker, which answers 401
//     token_expired, and the console reloads itself to come through here again.
// `tokenTtlSeconds` (default 24 h, Access's default session) and `expireSession()` let a test
// see the expiry; `coveredPaths` (default both) models an Access application that covers fewer
// paths (a misconfiguration: the header is then missing on the others). A dev tool on 127.0.0.1 only, never deployed.
import { createServer } from "node:http";

export const CONSOLE_PORT = 8794;
export const DEV_ADMIN_EMAIL = "admin@loyalnest.dev";
const DEFAULT_TTL_SECONDS = 24 * 3600;
// What the browser may send on; an Access header or cookie of its own is never passed.
const FORWARDED = ["accept", "accept-language", "content-type", "idempotency-key", "if-none-match", "if-modified-since"];
// Node's fetch has decoded the body; its length and encoding no longer describe what we send.
const NOT_RETURNED = new Set(["content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"]);

// The files the console's build writes, as workers/admin/console-site.ts tells them from screens
// (/console/merchants/shop.myshopify.com is a screen, dot and all).
const FILE = /\.(?:js|mjs|css|map|json|txt|svg|png|ico|webp|woff2?)$/i;
const isPageLoad = (method, pathname) => method === "GET" && (pathname === "/console" || pathname.startsWith("/console/")) && !FILE.test(pathname);

/** Seconds since the epoch when `token` expires (the stand-in signed it; nothing to verify here). */
function expiresAt(token) {
  try {
    return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")).exp ?? 0;
  } catch {
    return 0;
  }
}

/**
 * @param {{ port?: number, workerOrigin: string, accessOrigin: string, adminEmail?: string, tokenTtlSeconds?: number, coveredPaths?: string[] }} options
 */
export function startConsoleServer({ port = CONSOLE_PORT, workerOrigin, accessOrigin, adminEmail = DEV_ADMIN_EMAIL, tokenTtlSeconds = DEFAULT_TTL_SECONDS, coveredPaths = ["/console", "/admin"] }) {
  let session = null;
  let signIns = 0;

  async function issue(body) {
    const response = await fetch(`${accessOrigin}/__access/token`, { method: "POST", body: JSON.stringify({ email: adminEmail, ...body }) });
    if (!response.ok) throw new Error(`the Access stand-in refused a token for ${adminEmail}: ${response.status} ${await response.text()}`);
    return (await response.json()).token;
  }

  async function signIn() {
    session = await issue({ ttl_seconds: tokenTtlSeconds });
    signIns += 1;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`console server: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  async function handle(req, res) {
    const url = new URL(req.url ?? "/", "http://console.local");
    if (url.pathname === "/") {
      res.writeHead(302, { location: "/console/" });
      return res.end();
    }
    const routed = url.pathname === "/admin" || url.pathname.startsWith("/admin/") || url.pathname === "/console" || url.pathname.startsWith("/console/");
    if (!routed) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("not found: this server has /console/ and /admin/ only");
    }
    if (isPageLoad(req.method, url.pathname) && (session === null || expiresAt(session) <= Math.floor(Date.now() / 1000))) await signIn();
    const headers = {};
    const covered = coveredPaths.some((prefix) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`));
    if (session !== null && covered) headers["cf-access-jwt-assertion"] = session;
    for (const name of FORWARDED) if (typeof req.headers[name] === "string") headers[name] = req.headers[name];
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const upstream = await fetch(`${workerOrigin}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: chunks.length > 0 && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined,
      redirect: "manual",
    });
    const returned = {};
    upstream.headers.forEach((value, name) => {
      if (!NOT_RETURNED.has(name)) returned[name] = value;
    });
    res.writeHead(upstream.status, returned);
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`;
      done({
        url,
        adminEmail,
        /** How many times this session signed in (the first page load, then once per expiry). */
        signIns: () => signIns,
        /** Replaces the session's token with one that expired a while ago (past the Worker's clock-skew allowance). */
        async expireSession() {
          session = await issue({ ttl_seconds: 0, exp_offset_seconds: -600 });
        },
        close: () => new Promise((closed) => server.close(() => closed())),
      });
    });
  });
}
