// The dev admin frame: a local stand-in for Shopify admin around the embedded dashboard, so the app
// runs (and is tested) offline as it runs in the admin. Two origins, as in production, where the
// admin (admin.shopify.com) and the app (Cloudflare Pages) never share one:
//   admin  http://127.0.0.1:8791/store/demo-shop/apps/loyalnest[/<app path>]
//          the admin's page: top bar, side nav (with the app's <ui-nav-menu> links), title bar,
//          save bar and toasts (scripts/admin-frame/admin.{html,js,css}); it mints session tokens
//          (POST /admin/session-token) for the allowed shops only: the demo shop in `npm run dev`.
//   app    http://127.0.0.1:8792/<app path>?shop=&host=&embedded=1&locale=
//          dashboard/dist as Cloudflare Pages would serve it (unknown paths → index.html), with
//          App Bridge's CDN script swapped for the stand-in (scripts/admin-frame/app-bridge.js),
//          and /v1/api/*, /v1/exports/* and /auth/* proxied to the Worker, so the app calls its own origin
//          (the build's LOYALNEST_API_ORIGIN is empty in dev).
// Session tokens are HS256 JWTs with Shopify's claims, signed with the dev SHOPIFY_API_SECRET: this
// is a dev tool that listens on 127.0.0.1 only and is never deployed.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { extname, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const ASSETS = resolve(import.meta.dirname, "admin-frame");
/** The dev admin's own URL parameters (which staff user, which admin language); the rest of its query is the app's. */
const ADMIN_PARAMS = ["user", "locale"];
export const DASHBOARD_DIST = resolve(ROOT, "dashboard/dist");
export const ADMIN_FRAME_PORT = 8791;
export const APP_BRIDGE_CDN = "https://cdn.shopify.com/shopifycloud/app-bridge.js";
const APP_BRIDGE_STANDIN_PATH = "/__admin-frame/app-bridge.js";
const APP_HANDLE = "loyalnest";
const SESSION_TOKEN_LIFETIME_SECONDS = 60;
const PROXIED = /^\/(v1\/(api|exports)|auth)(\/|$)/;
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

const base64Url = (value) => Buffer.from(value).toString("base64url");

/**
 * A session token as App Bridge's `shopify.idToken()` returns it (shopify.md "Embedded merchant
 * dashboard"): HS256, `iss` https://<shop>/admin, `dest` https://<shop>, `aud` the API key,
 * `sub` the staff user, one minute of life, `nbf` = `iat` = now, a fresh `jti`, the admin's `sid`.
 */
export function signSessionToken({ apiKey, apiSecret, shop, userId = "1", sessionId = randomBytes(16).toString("hex"), now = Math.floor(Date.now() / 1000) }) {
  const header = base64Url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64Url(
    JSON.stringify({
      iss: `https://${shop}/admin`,
      dest: `https://${shop}`,
      aud: apiKey,
      sub: String(userId),
      exp: now + SESSION_TOKEN_LIFETIME_SECONDS,
      nbf: now,
      iat: now,
      jti: randomUUID(),
      sid: sessionId,
    }),
  );
  const signature = createHmac("sha256", apiSecret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}

/** `demo-shop.myshopify.com` → `demo-shop`, the admin's /store/<store> segment. */
const storeOf = (shop) => shop.replace(/\.myshopify\.com$/, "");
/** Shopify's `host` parameter: base64 of the admin's store path. */
const hostParam = (shop) => Buffer.from(`admin.shopify.com/store/${storeOf(shop)}`).toString("base64").replace(/=+$/, "");

/**
 * Builds the dashboard into dashboard/dist with the dev API key, through dashboard/build.mjs's
 * exported builder (or by running the script when it exports none). Throws with the build's errors.
 */
export async function buildDashboardForFrame({ apiKey, log = () => {} }) {
  const script = resolve(ROOT, "dashboard/build.mjs");
  if (!existsSync(script)) throw new Error("dashboard/build.mjs is missing: nothing builds the dashboard");
  const module = await import(script);
  const build = module.buildDashboard ?? module.build ?? module.default;
  if (typeof build === "function") return build({ apiKey, apiOrigin: "", log });
  const { spawnSync } = await import("node:child_process");
  const result = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: "utf8", env: { ...process.env, SHOPIFY_API_KEY: apiKey, LOYALNEST_API_ORIGIN: "" } });
  if (result.status !== 0) throw new Error(`dashboard build failed:\n${result.stdout}${result.stderr}`);
  return { dist: DASHBOARD_DIST };
}

/**
 * @param {{ port?: number, appPort?: number, workerOrigin: string, apiKey: string, apiSecret: string,
 *   shops: string[], distDir?: string }} options
 * `port`: the admin's (0: a free one; `npm run dev` asks 8791); `appPort`: the app's (default: a
 * free one, or port + 1 when port is fixed). `shops`: the shops the admin signs tokens for; the
 * first is the one `/` opens. The dashboard must have been built (buildDashboardForFrame); until
 * it is, the app's origin answers 503 saying so.
 */
export async function startAdminFrame({ port = 0, appPort = port === 0 ? 0 : port + 1, workerOrigin, apiKey, apiSecret, shops, distDir = DASHBOARD_DIST }) {
  if (!workerOrigin || !apiKey || !apiSecret) throw new Error("admin frame: workerOrigin, apiKey and apiSecret are required");
  if (!shops?.length) throw new Error("admin frame: at least one shop to sign in to");
  const allowed = new Set(shops);
  const origins = { admin: "", app: "" };

  const adminServer = createServer((req, res) => handleAdmin(req, res).catch((error) => fail(res, 500, String(error?.stack ?? error))));
  const appServer = createServer((req, res) => handleApp(req, res).catch((error) => fail(res, 500, String(error?.stack ?? error))));

  async function handleAdmin(req, res) {
    const url = new URL(req.url, origins.admin);
    if (url.pathname === "/") return redirect(res, `/store/${storeOf(shops[0])}/apps/${APP_HANDLE}`);
    if (url.pathname === "/favicon.ico") return noContent(res);
    if (url.pathname === "/admin/admin.js" || url.pathname === "/admin/admin.css") {
      return send(res, 200, TYPES[extname(url.pathname)], readFileSync(resolve(ASSETS, url.pathname.slice("/admin/".length))));
    }
    if (url.pathname === "/admin/session-token") return sessionTokenEndpoint(req, res, url);
    const match = /^\/store\/([a-z0-9][a-z0-9-]*)\/apps\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (match && match[2] === APP_HANDLE) return adminPage(res, url, `${match[1]}.myshopify.com`, match[3] ?? "/");
    return fail(res, 404, `not found: ${url.pathname}`);
  }

  function sessionTokenEndpoint(req, res, url) {
    if (req.method !== "POST") return json(res, 405, { error: "POST only" });
    // Only the admin's own page asks: the app (another origin) gets tokens through App Bridge.
    if (req.headers.origin !== origins.admin) return json(res, 403, { error: "session tokens are minted for the admin's page only" });
    const shop = url.searchParams.get("shop") ?? "";
    if (!allowed.has(shop)) return json(res, 403, { error: `the dev admin signs in only to ${[...allowed].join(", ")}, not ${shop || "(no shop)"}` });
    const user = url.searchParams.get("user") ?? "1";
    if (!/^\d{1,20}$/.test(user)) return json(res, 400, { error: "user must be a numeric staff id" });
    return json(res, 200, { token: signSessionToken({ apiKey, apiSecret, shop, userId: user, sessionId: sessionIdFor(shop, user) }) });
  }

  const sessions = new Map();
  const sessionIdFor = (shop, user) => {
    const key = `${shop}:${user}`;
    if (!sessions.has(key)) sessions.set(key, randomBytes(16).toString("hex"));
    return sessions.get(key);
  };

  function adminPage(res, url, shop, appPath) {
    if (!allowed.has(shop)) {
      const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not allowed · dev admin</title><link rel="stylesheet" href="/admin/admin.css"></head><body><main class="Refused"><h1>Not allowed</h1><p>The dev admin signs in only to ${escapeHtml([...allowed].join(", "))}, not ${escapeHtml(shop)}.</p></main></body></html>`;
      return send(res, 403, TYPES[".html"], body);
    }
    const user = url.searchParams.get("user") ?? "1";
    const locale = url.searchParams.get("locale") ?? "en";
    // The rest of the admin URL's query is the app's (its filters, search, page), passed on as
    // Shopify admin does, with Shopify's own parameters added.
    const query = new URLSearchParams(url.searchParams);
    for (const name of ADMIN_PARAMS) query.delete(name);
    for (const [name, value] of Object.entries({ embedded: "1", host: hostParam(shop), locale, shop })) query.set(name, value);
    const appSrc = `${origins.app}${appPath}?${query}`;
    const config = { shop, storeName: storeOf(shop), user: /^\d{1,20}$/.test(user) ? user : "1", appOrigin: origins.app, appPath: `/store/${storeOf(shop)}/apps/${APP_HANDLE}`, adminParams: ADMIN_PARAMS };
    const html = readFileSync(resolve(ASSETS, "admin.html"), "utf8")
      .replaceAll("%CONFIG%", JSON.stringify(config).replace(/</g, "\\u003c"))
      .replaceAll("%STORE_NAME%", escapeHtml(config.storeName))
      .replaceAll("%APP_PATH%", escapeHtml(config.appPath))
      .replaceAll("%APP_SRC%", escapeHtml(appSrc));
    return send(res, 200, TYPES[".html"], html);
  }

  async function handleApp(req, res) {
    const url = new URL(req.url, origins.app);
    if (PROXIED.test(url.pathname)) return proxy(req, res, url);
    if (url.pathname === APP_BRIDGE_STANDIN_PATH) {
      return send(res, 200, TYPES[".js"], readFileSync(resolve(ASSETS, "app-bridge.js"), "utf8").replace("%ADMIN_ORIGIN%", origins.admin));
    }
    if (req.method !== "GET" && req.method !== "HEAD") return fail(res, 405, "the app's origin serves files (and proxies /v1/api, /v1/exports, /auth)");
    const index = resolve(distDir, "index.html");
    if (!existsSync(index)) return fail(res, 503, "dashboard/dist/index.html is missing: run `npm run build:dashboard`");
    const file = staticFile(url.pathname);
    if (!file && url.pathname === "/favicon.ico") return noContent(res);
    if (file) return send(res, 200, TYPES[extname(file)] ?? "application/octet-stream", readFileSync(file));
    if (extname(url.pathname)) return fail(res, 404, `not found: ${url.pathname}`);
    // A client-side route: Pages answers its single-page app's index.html.
    return send(res, 200, TYPES[".html"], appIndex(index));
  }

  function staticFile(pathname) {
    if (pathname === "/" || pathname === "/index.html") return null;
    const file = resolve(distDir, `.${decodeURIComponent(pathname)}`);
    if (!file.startsWith(distDir + sep)) return null;
    return existsSync(file) && statSync(file).isFile() ? file : null;
  }

  /** dist/index.html with App Bridge's CDN script swapped for the stand-in, the dev API key in its meta. */
  function appIndex(index) {
    const html = readFileSync(index, "utf8");
    if (!html.includes(APP_BRIDGE_CDN)) throw new Error(`dashboard/dist/index.html does not load ${APP_BRIDGE_CDN}: App Bridge would be missing in the admin`);
    return html
      .replace(APP_BRIDGE_CDN, APP_BRIDGE_STANDIN_PATH)
      .replace(/(<meta name="shopify-api-key" content=")[^"]*(")/, `$1${escapeHtml(apiKey)}$2`);
  }

  /** The Worker behind the app's own origin: method, headers and body streamed both ways. */
  function proxy(req, res, url) {
    const target = new URL(url.pathname + url.search, workerOrigin);
    return new Promise((done) => {
      const headers = { ...req.headers, host: target.host };
      const upstream = httpRequest(target, { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("end", done);
      });
      upstream.on("error", (error) => {
        if (!res.headersSent) fail(res, 502, `the Worker at ${workerOrigin} did not answer: ${error.message}`);
        else res.destroy(error);
        done();
      });
      req.pipe(upstream);
    });
  }

  await listen(adminServer, port);
  await listen(appServer, appPort);
  origins.admin = `http://127.0.0.1:${adminServer.address().port}`;
  origins.app = `http://127.0.0.1:${appServer.address().port}`;
  return {
    /** The admin's origin; `/` opens the first shop's app. */
    url: origins.admin,
    /** The app's origin (dashboard/dist and the API proxy). */
    appUrl: origins.app,
    /**
     * The admin page showing the app at `path`, for `shop` (default the first) as staff `user`.
     * @param {string} [path]
     * @param {{ shop?: string, user?: string, locale?: string }} [options]
     */
    adminUrl(path = "/", { shop = shops[0], user, locale } = {}) {
      // `path` may carry the app's query ("/customers?search=ada"): it goes on the admin's URL, as Shopify admin's.
      const app = new URL(path, "http://app.invalid");
      const query = new URLSearchParams(app.search);
      if (user) query.set("user", String(user));
      if (locale) query.set("locale", locale);
      const suffix = app.pathname === "/" ? "" : app.pathname;
      return `${origins.admin}/store/${storeOf(shop)}/apps/${APP_HANDLE}${suffix}${query.size ? `?${query}` : ""}`;
    },
    async close() {
      await Promise.all(
        [adminServer, appServer].map(
          (server) =>
            new Promise((done) => {
              server.close(() => done());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}

function listen(server, port) {
  return new Promise((done, fail) => {
    server.once("error", (error) => fail(error.code === "EADDRINUSE" ? new Error(`port ${port} on 127.0.0.1 is in use (another \`npm run dev\`?)`) : error));
    server.listen(port, "127.0.0.1", () => done());
  });
}

function send(res, status, type, body) {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}
const json = (res, status, body) => send(res, status, "application/json", JSON.stringify(body));
const fail = (res, status, message) => {
  if (res.headersSent) return res.destroy();
  send(res, status, "text/plain; charset=utf-8", message);
};
/** A browser's favicon request, answered so it is no console error. */
function noContent(res) {
  res.writeHead(204, { "cache-control": "no-store" });
  res.end();
}
function redirect(res, location) {
  res.writeHead(302, { location, "cache-control": "no-store" });
  res.end();
}
function escapeHtml(value) {
  return String(value).replace(/[&"<>']/g, (c) => ({ "&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;", "'": "&#39;" })[c]);
}
