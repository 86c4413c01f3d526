// A stand-in storefront on 127.0.0.1: a theme page that loads widget.js (which loads widget-panel.js
// from beside itself, as from the extension's assets on Shopify's CDN), and Shopify's App Proxy,
// which forwards /apps/loyalnest/* to the Worker's /proxy/v1/api/*, signed as Shopify signs it.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { signAppProxy } from "../../core/shopify-auth";

export const PROXY_PREFIX = "/apps/loyalnest";
/** The storefront's session, from which Shopify fills `logged_in_customer_id`. */
export const CUSTOMER_COOKIE = "storefront_customer";
export const WIDGET_SCRIPTS = ["/widget.js", "/widget-panel.js", "/widget-surfaces.js", "/widget-analytics.js"];
const SHOPIFY_PARAMS = ["shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"];

export interface StorefrontOptions {
  /** widget/dist/widget.js; its chunks are served from beside it. */
  widgetFile: string;
  /** The Worker, e.g. http://127.0.0.1:8801 */
  appOrigin: string;
  apiSecret: string;
  shop: string;
}

export async function startStorefront(options: StorefrontOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    route(req, res, options).catch((error: unknown) => {
      res.writeHead(502, { "content-type": "text/plain" }).end(String(error));
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      }),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, options: StorefrontOptions) {
  const url = new URL(req.url ?? "/", "http://storefront");
  if (url.pathname.startsWith(`${PROXY_PREFIX}/`)) return forward(req, res, url, options);
  if (WIDGET_SCRIPTS.includes(url.pathname)) {
    res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
    return res.end(readFileSync(join(dirname(options.widgetFile), url.pathname)));
  }
  if (url.pathname === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(themePage({ lang: url.searchParams.get("lang"), shopifyLocale: url.searchParams.get("shopify_locale") }));
  }
  res.writeHead(404, { "content-type": "text/plain" }).end("not found");
}

/** Method and body pass through; cookies do not; Shopify's own parameters replace any sent. */
async function forward(req: IncomingMessage, res: ServerResponse, url: URL, options: StorefrontOptions) {
  const params = new URLSearchParams(url.search);
  for (const name of SHOPIFY_PARAMS) params.delete(name);
  params.set("shop", options.shop);
  params.set("logged_in_customer_id", readCookie(req, CUSTOMER_COOKIE) ?? "");
  params.set("path_prefix", PROXY_PREFIX);
  params.set("timestamp", String(Math.floor(Date.now() / 1000)));
  params.set("signature", await signAppProxy(options.apiSecret, params));

  const target = `${options.appOrigin}/proxy/v1/api${url.pathname.slice(PROXY_PREFIX.length)}?${params}`;
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const upstream = await fetch(target, {
    method: req.method,
    headers: forwardedHeaders(req),
    body: hasBody ? await readBody(req) : undefined,
  });
  res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/octet-stream" });
  res.end(Buffer.from(await upstream.arrayBuffer()));
}

/** Shopify's proxy passes the request's own headers on, Idempotency-Key among them; never cookies. */
function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = { accept: req.headers.accept ?? "*/*", "content-type": req.headers["content-type"] ?? "application/json" };
  const key = req.headers["idempotency-key"];
  if (typeof key === "string") headers["idempotency-key"] = key;
  const language = req.headers["accept-language"];
  if (typeof language === "string") headers["accept-language"] = language;
  return headers;
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = pair.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Uint8Array.from(Buffer.concat(chunks));
}

/** A theme with global rules a real one might have: none of them may reach the widget. */
function themePage({ lang, shopifyLocale }: { lang: string | null; shopifyLocale: string | null }): string {
  const langAttribute = lang ? ` lang="${encodeURIComponent(lang)}"` : "";
  // What a Shopify theme defines: the active currency always, the locale when the test asks;
  // added to what Shopify's own scripts (a test's init script) put there first, as on a real page.
  const shopify = `<script>window.Shopify = Object.assign(window.Shopify || {}, ${JSON.stringify({ locale: shopifyLocale ?? undefined, currency: { active: "USD", rate: "1.0" } })});</script>`;
  const products = ["Linen shirt", "Canvas tote", "Wool scarf", "Leather wallet", "Cotton cap", "Field notebook"]
    .map((name, i) => `<article class="card"><div class="swatch s${i % 3}"></div><h3>${name}</h3><p>$${(24 + i * 7).toFixed(2)}</p><button>Add to cart</button></article>`)
    .join("");
  return `<!doctype html>
<html${langAttribute}>
<head>
<meta charset="utf-8">
<title>Demo shop</title>
<style>
  body { margin: 0; font: 16px/1.5 Georgia, serif; color: #2b2b2b; background: #faf7f2; }
  header { padding: 18px 32px; border-bottom: 1px solid #e5ded2; font-size: 22px; letter-spacing: .08em; text-transform: uppercase; }
  main { display: grid; grid-template-columns: repeat(3, 1fr); gap: 24px; padding: 32px; }
  .card { background: #fff; padding: 16px; border-radius: 6px; }
  .swatch { height: 140px; border-radius: 4px; }
  .s0 { background: #d9cbb4; } .s1 { background: #b9c7c0; } .s2 { background: #cdb9c7; }
  h2, h3 { margin: 12px 0 4px; font-weight: normal; }
  button { padding: 10px 16px; border: 2px solid #2b2b2b; border-radius: 0; background: #ffde59; text-transform: uppercase; letter-spacing: .1em; font-family: Georgia, serif; }
  ul, li { list-style: square; }
</style>
${shopify}
</head>
<body>
<header>Demo shop</header>
<main>${products}</main>
<script src="/widget.js" data-proxy-base="${PROXY_PREFIX}" defer></script>
</body>
</html>`;
}
