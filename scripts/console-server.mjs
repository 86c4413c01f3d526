// The admin console in dev and tests: what Cloudflare Access and Pages do in production, on one
// local origin (default http://127.0.0.1:8794, `LOYALNEST_CONSOLE_PORT`):
//   /console/...  dashboard/dist/console (the built console; unknown paths → its index.html)
//   /admin/...    proxied to the Worker with a `Cf-Access-Jwt-Assertion` header the Access stand-in
//                 (scripts/access-standin.mjs) signs for `adminEmail`, as Access adds one for the
//                 signed-in person. The Worker verifies it as it verifies Access's.
// So the console calls /admin on its own origin exactly as it does behind Access. Which admin you
// are is this server's choice (`LOYALNEST_DEV_ADMIN_EMAIL`, default the seed's superadmin); start
// another server for another admin. A dev tool on 127.0.0.1 only, never deployed.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
export const CONSOLE_DIST = resolve(ROOT, "dashboard/dist/console");
export const CONSOLE_PORT = 8794;
export const DEV_ADMIN_EMAIL = "admin@loyalnest.dev";
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".map": "application/json" };
// What the browser may send on to /admin; an Access header or cookie of its own is never passed.
const FORWARDED = ["accept", "content-type", "idempotency-key", "accept-language"];

/** @param {{ port?: number, workerOrigin: string, accessOrigin: string, adminEmail?: string }} options */
export function startConsoleServer({ port = CONSOLE_PORT, workerOrigin, accessOrigin, adminEmail = DEV_ADMIN_EMAIL }) {
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`console server: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  async function handle(req, res) {
    const url = new URL(req.url ?? "/", "http://console.local");
    if (url.pathname === "/admin" || url.pathname.startsWith("/admin/")) return proxy(req, res, url);
    if (url.pathname === "/" || url.pathname === "/console") {
      res.writeHead(302, { location: "/console/" });
      return res.end();
    }
    if (!url.pathname.startsWith("/console/")) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("not found");
    }
    const file = resolve(CONSOLE_DIST, `.${decodeURIComponent(url.pathname.slice("/console".length))}`);
    const inside = file.startsWith(CONSOLE_DIST + sep);
    const target = inside && existsSync(file) && statSync(file).isFile() ? file : resolve(CONSOLE_DIST, "index.html");
    if (!existsSync(target)) {
      res.writeHead(503, { "content-type": "text/plain" });
      return res.end("the console is not built: npm run build:dashboard");
    }
    res.writeHead(200, { "content-type": TYPES[extname(target)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(readFileSync(target));
  }

  async function proxy(req, res, url) {
    const tokenResponse = await fetch(`${accessOrigin}/__access/token?email=${encodeURIComponent(adminEmail)}`);
    if (!tokenResponse.ok) throw new Error(`the Access stand-in refused a token for ${adminEmail}: ${tokenResponse.status}`);
    const headers = { "cf-access-jwt-assertion": (await tokenResponse.text()).trim() };
    for (const name of FORWARDED) if (typeof req.headers[name] === "string") headers[name] = req.headers[name];
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const upstream = await fetch(`${workerOrigin}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: chunks.length > 0 && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined,
      redirect: "manual",
    });
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`;
      done({ url, adminEmail, close: () => new Promise((closed) => server.close(() => closed())) });
    });
  });
}
