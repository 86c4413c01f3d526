// GET /console/...: the admin console's own files (dashboard/build.mjs writes them into
// dashboard/console-assets/console/), served by this Worker from its static assets (the ASSETS
// binding; wrangler.toml `[assets]` with run_worker_first, so no file leaves without this code)
// behind the same check as /admin: a valid Cloudflare Access token of an active admin. A request
// without one gets the JSON refusal, never the page or its script. Same origin as /admin, so the
// console calls the API without CORS and one Access application covers both paths.
//
// Every path under /console/ without a file extension is a screen of the console's client-side
// router (/console/merchants/x.myshopify.com): it answers the console's index.html. A missing
// file with an extension (a stale console.js) is a plain 404, not the page.
import { Hono } from "hono";
import type { App } from "../http/context";
import { ApiError } from "../http/envelope";
import { accessAuth } from "./auth";

export const CONSOLE_PATH = "/console";

/** The console's documents may be framed by nobody (clickjacking an admin's button is the attack). */
export const CONSOLE_DOCUMENT_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  // A new deploy's index.html names the new script at once; never kept by a browser or a proxy.
  "cache-control": "no-store",
};

const COMMON_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

// Scripts and styles: behind Access, so never in a shared cache; revalidated (ETag) on each load,
// since their names carry no hash.
const FILE_CACHE_CONTROL = "private, no-cache";

// The kinds of file the console's build writes. Any other path is a screen, even with a dot in it
// (/console/merchants/shop.myshopify.com).
const FILE = /\.(?:html|js|mjs|css|map|json|txt|svg|png|ico|webp|woff2?)$/i;

export const consoleSite = new Hono<App>();

consoleSite.use(accessAuth());

consoleSite.get("*", async (c) => {
  const url = new URL(c.req.url);
  const path = url.pathname;
  if (path === CONSOLE_PATH) return c.redirect(`${CONSOLE_PATH}/${url.search}`, 308);
  const isDocument = !FILE.test(path) || path.endsWith(".html");
  // Documents are never revalidated (no-store), so only a file's request carries its validators.
  const headers = new Headers();
  for (const name of isDocument ? ["accept-encoding"] : ["if-none-match", "if-modified-since", "accept-encoding"]) {
    const value = c.req.header(name);
    if (value) headers.set(name, value);
  }
  // Any screen's path answers the index (the assets' html handling serves /console/ from console/index.html).
  const response = await c.env.ASSETS.fetch(new Request(new URL(isDocument ? `${CONSOLE_PATH}/` : path, url.origin), { headers }));
  if (response.status === 404) {
    if (isDocument) throw new ApiError(503, "console_not_built", "the admin console is not built: run npm run build:dashboard before deploying or starting wrangler");
    throw new ApiError(404, "not_found", `no console file ${path}`);
  }
  const answer = new Headers(response.headers);
  for (const [name, value] of Object.entries(COMMON_HEADERS)) answer.set(name, value);
  if (isDocument) {
    for (const [name, value] of Object.entries(CONSOLE_DOCUMENT_HEADERS)) answer.set(name, value);
    answer.delete("etag");
    answer.delete("last-modified");
  } else {
    answer.set("cache-control", FILE_CACHE_CONTROL);
  }
  return new Response(response.body, { status: response.status, headers: answer });
});
