// A stand-in Shopify storefront on 127.0.0.1 (`npm run dev` serves it on :8790; the browser tests
// start their own): theme pages into which the theme app extension's blocks are rendered by the
// Liquid stand-in (scripts/liquid.mjs), as a merchant who placed them would have them —
//   /                      home, with the app embed (every page has it)
//   /products/:handle      a product page with the "points on product" block
//   /pages/rewards         the rewards section and the refer-a-friend blocks
//   /account/login, /account/register   Shopify's customer account pages (the stand-in's sign-in
//                          takes a customer id and keeps it in a cookie, the storefront's session)
// — the extension's assets at the root (as Shopify serves them from its CDN), and Shopify's App
// Proxy: /apps/loyalnest/* forwarded to the Worker's /proxy/v1/api/*, signed as Shopify signs it,
// an `application/liquid` answer rendered inside the theme page as Shopify renders it.
// The embed's inline settings come from the app-data metafield the app published to the Shopify
// emulator (`$app` widget_settings on its AppInstallation), read on every page as Shopify would.
// Query parameters of a page: `locale` (request.locale, default en; empty: a theme that gives the
// widget no locale, so Accept-Language decides), `lang` (<html lang>, for the
// widget's tests; defaults to `locale` when that is given), `shopify_locale` (window.Shopify.locale).
import { createHmac } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { LiquidError, renderLiquid } from "./liquid.mjs";

export const STOREFRONT_PORT = 8790;
export const PROXY_PREFIX = "/apps/loyalnest";
/** The storefront's session, from which Shopify fills `logged_in_customer_id`. */
export const CUSTOMER_COOKIE = "storefront_customer";
export const EXTENSION_DIR = resolve(import.meta.dirname, "../extensions/loyalnest-theme");
export const EXTENSION_ASSETS = resolve(EXTENSION_DIR, "assets");
/** The app-data metafield the embed inlines (queues/jobs.ts publish_widget_settings writes it). */
export const WIDGET_SETTINGS_METAFIELD = { namespace: "$app", key: "widget_settings" };
const SHOPIFY_PARAMS = ["shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"];
const ASSET_NAME = /^\/([\w-]+\.js)$/;

/** The stand-in shop's catalog: handle → title and price (in cents, as Liquid's variant.price). */
export const PRODUCTS = {
  "linen-shirt": { title: "Linen shirt", price: 2400 },
  "canvas-tote": { title: "Canvas tote", price: 3100 },
  "wool-scarf": { title: "Wool scarf", price: 3800 },
  "leather-wallet": { title: "Leather wallet", price: 4500 },
  "cotton-cap": { title: "Cotton cap", price: 5200 },
  "field-notebook": { title: "Field notebook", price: 5900 },
};

/**
 * Shopify's App Proxy signature: the parameters but `signature`, sorted, each `key=value` (a
 * repeated key's values joined by commas), concatenated, HMAC-SHA256 in hex with the app secret.
 * The Worker checks it (core/shopify-auth.ts verifyAppProxy); the browser tests go through it.
 */
export function signAppProxy(secret, params) {
  const byKey = new Map();
  for (const [key, value] of params) if (key !== "signature") byKey.set(key, [...(byKey.get(key) ?? []), value]);
  const message = [...byKey.keys()].sort().map((key) => `${key}=${byKey.get(key).join(",")}`).join("");
  return createHmac("sha256", secret).update(message).digest("hex");
}

/**
 * @param {{ appOrigin: string, apiSecret: string, shop: string, port?: number, assetsDir?: string,
 *   emulatorOrigin?: string }} options
 * `assetsDir`: where widget.js and its chunks are (default the extension's assets/);
 * `emulatorOrigin`: the Shopify emulator holding the app's metafields (none: no inline settings).
 */
export async function startStorefront(options) {
  const server = createServer((req, res) => {
    route(req, res, options).catch((error) => {
      const status = error instanceof LiquidError ? 500 : 502;
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(String(error?.message ?? error));
    });
  });
  await new Promise((listening, failed) => server.once("error", failed).listen(options.port ?? 0, "127.0.0.1", listening));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      }),
  };
}

async function route(req, res, options) {
  const url = new URL(req.url ?? "/", "http://storefront");
  if (url.pathname.startsWith(`${PROXY_PREFIX}/`)) return forward(req, res, url, options);
  const asset = ASSET_NAME.exec(url.pathname);
  const assetFile = asset && resolve(options.assetsDir ?? EXTENSION_ASSETS, asset[1]);
  if (assetFile && existsSync(assetFile)) {
    res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
    return res.end(readFileSync(assetFile));
  }
  if (req.method === "POST" && url.pathname === "/account/login") return signIn(req, res);
  if (req.method === "POST" && url.pathname === "/account/logout") {
    res.writeHead(303, { location: "/", "set-cookie": `${CUSTOMER_COOKIE}=; Path=/; Max-Age=0` });
    return res.end();
  }
  const page = await themeContent(url, readCookie(req, CUSTOMER_COOKIE), options);
  if (!page) return res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found");
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(await themePage(url, readCookie(req, CUSTOMER_COOKIE), options, page));
}

/** The page's own content (the theme's template, with the merchant's blocks), or null for a 404. */
async function themeContent(url, customerId, options) {
  const context = liquidContext(url, customerId, null);
  if (url.pathname === "/") {
    const cards = Object.entries(PRODUCTS)
      .map(([handle, p], i) => `<article class="card"><div class="swatch s${i % 3}"></div><h3><a href="/products/${handle}">${p.title}</a></h3><p>${money(p.price)}</p><button>Add to cart</button></article>`)
      .join("");
    return { title: "Demo shop", main: `<main class="grid">${cards}</main>` };
  }
  const product = /^\/products\/([\w-]+)$/.exec(url.pathname);
  if (product && PRODUCTS[product[1]]) {
    const p = PRODUCTS[product[1]];
    const block = renderBlock("product-points", { ...context, product: { title: p.title, selected_or_first_available_variant: { price: p.price } } }, { spacing: 8 }, options);
    return { title: p.title, main: `<main class="product"><div class="swatch s0"></div><div><h1>${p.title}</h1><p class="price">${money(p.price)}</p>${block}<button>Add to cart</button></div></main>` };
  }
  if (url.pathname === "/pages/rewards") {
    const section = renderBlock("loyalty-section", context, { heading: "", text: "" }, options);
    const referral = renderBlock("referral", context, { heading: "" }, options);
    return { title: "Rewards", main: `<main class="page">${section}${referral}</main>` };
  }
  if (url.pathname === "/account/login" || url.pathname === "/account/register") {
    const joining = url.pathname === "/account/register";
    const heading = joining ? "Create account" : "Login";
    return {
      title: heading,
      main: `<main class="page"><h1>${heading}</h1><form method="post" action="/account/login"><label>Customer id (the stand-in's sign-in) <input name="customer_id" inputmode="numeric" required></label> <button>${joining ? "Create" : "Sign in"}</button></form></main>`,
    };
  }
  return null;
}

/** What Shopify gives a theme's Liquid: the shopper's locale, currency, session, the app's metafields. */
function liquidContext(url, customerId, widgetSettings) {
  return {
    request: { locale: { iso_code: url.searchParams.get("locale") ?? url.searchParams.get("shopify_locale") ?? "en" } },
    cart: { currency: { iso_code: "USD" } },
    customer: customerId ? { id: customerId } : null,
    routes: { root_url: "/", account_login_url: "/account/login", account_register_url: "/account/register" },
    app: { metafields: { [WIDGET_SETTINGS_METAFIELD.namespace]: { [WIDGET_SETTINGS_METAFIELD.key]: widgetSettings } } },
  };
}

/** One of the extension's blocks, with the settings a merchant gave it in the theme editor. */
function renderBlock(name, context, settings, options) {
  const file = resolve(EXTENSION_DIR, "blocks", `${name}.liquid`);
  return renderLiquid(readFileSync(file, "utf8"), { ...context, block: { settings } }, liquidHost(context.request.locale.iso_code, options), `blocks/${name}.liquid`);
}

function liquidHost(locale, options) {
  const strings = [`${locale}.json`, "en.default.json"].map((name) => resolve(EXTENSION_DIR, "locales", name)).filter(existsSync).map((file) => JSON.parse(readFileSync(file, "utf8")));
  return {
    // The stand-in shop's money format, Shopify's default for USD: "${{amount}}" (1,234.50).
    money: (cents) => `$${(cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`,
    assetUrl: (name) => {
      if (!existsSync(resolve(options.assetsDir ?? EXTENSION_ASSETS, name))) throw new LiquidError(`asset_url: the extension has no asset "${name}" (run npm run build:widget)`);
      return `/${name}`;
    },
    translate: (key) => {
      for (const table of strings) {
        const found = key.split(".").reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), table);
        if (typeof found === "string") return found;
      }
      throw new LiquidError(`t: no translation for "${key}" in locales/ (${locale} or en.default)`);
    },
  };
}

/** The app-data metafield the app published, as the embed's `app.metafields` reads it; null when none. */
async function publishedWidgetSettings(options) {
  if (!options.emulatorOrigin) return null;
  const response = await fetch(`${options.emulatorOrigin}/__emulator/metafields?shop=${encodeURIComponent(options.shop)}`);
  if (!response.ok) throw new Error(`the Shopify emulator answered ${response.status} for the app's metafields`);
  const { metafields } = await response.json();
  const found = metafields.find((m) => m.ownerId.startsWith("gid://shopify/AppInstallation/") && m.namespace === WIDGET_SETTINGS_METAFIELD.namespace && m.key === WIDGET_SETTINGS_METAFIELD.key);
  return found ? { type: found.type, value: found.type === "json" ? JSON.parse(found.value) : found.value } : null;
}

/** The theme's layout around a page: its global styles, the app embed at the end of <body>. */
async function themePage(url, customerId, options, { title, main }) {
  const locale = url.searchParams.get("locale");
  const lang = url.searchParams.get("lang") ?? locale;
  const context = liquidContext(url, customerId, await publishedWidgetSettings(options));
  const embed = renderLiquid(readFileSync(resolve(EXTENSION_DIR, "blocks/app-embed.liquid"), "utf8"), context, liquidHost(context.request.locale.iso_code, options), "blocks/app-embed.liquid");
  // What a Shopify theme defines: the active currency always, the locale when the page asks;
  // added to what Shopify's own scripts (a test's init script) put there first, as on a real page.
  const shopify = `<script>window.Shopify = Object.assign(window.Shopify || {}, ${JSON.stringify({ locale: url.searchParams.get("shopify_locale") ?? undefined, currency: { active: "USD", rate: "1.0" } })});</script>`;
  const account = customerId
    ? `<form method="post" action="/account/logout"><button class="link">Sign out (${escapeHtml(customerId)})</button></form>`
    : `<a href="/account/login">Sign in</a>`;
  return `<!doctype html>
<html${lang ? ` lang="${escapeHtml(lang)}"` : ""}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { margin: 0; font: 16px/1.5 Georgia, serif; color: #2b2b2b; background: #faf7f2; }
  header { display: flex; justify-content: space-between; align-items: center; padding: 18px 32px; border-bottom: 1px solid #e5ded2; }
  header .logo { font-size: 22px; letter-spacing: .08em; text-transform: uppercase; color: inherit; text-decoration: none; }
  nav a, header a { color: inherit; margin-left: 16px; }
  .grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 24px; padding: 32px; }
  .product { display: grid; grid-template-columns: 1fr 1fr; gap: 32px; padding: 32px; }
  .page { max-width: 720px; margin: 0 auto; padding: 32px; }
  .card { background: #fff; padding: 16px; border-radius: 6px; }
  .swatch { height: 140px; border-radius: 4px; }
  .product .swatch { height: 360px; }
  .s0 { background: #d9cbb4; } .s1 { background: #b9c7c0; } .s2 { background: #cdb9c7; }
  h1, h2, h3 { margin: 12px 0 4px; font-weight: normal; }
  button { padding: 10px 16px; border: 2px solid #2b2b2b; border-radius: 0; background: #ffde59; text-transform: uppercase; letter-spacing: .1em; font-family: Georgia, serif; }
  nav form { display: inline; margin-left: 16px; }
  button.link { background: none; border: 0; padding: 0; text-decoration: underline; text-transform: none; letter-spacing: 0; font-size: 16px; }
  ul, li { list-style: square; }
</style>
${shopify}
</head>
<body>
<header><a class="logo" href="/">Demo shop</a><nav><a href="/pages/rewards">Rewards</a>${account}</nav></header>
${main}
${embed}
</body>
</html>`;
}

/** Method and body pass through; cookies do not; Shopify's own parameters replace any sent. */
async function forward(req, res, url, options) {
  const params = new URLSearchParams(url.search);
  for (const name of SHOPIFY_PARAMS) params.delete(name);
  const customerId = readCookie(req, CUSTOMER_COOKIE);
  params.set("shop", options.shop);
  params.set("logged_in_customer_id", customerId ?? "");
  params.set("path_prefix", PROXY_PREFIX);
  params.set("timestamp", String(Math.floor(Date.now() / 1000)));
  params.set("signature", signAppProxy(options.apiSecret, params));

  const target = `${options.appOrigin}/proxy/v1/api${url.pathname.slice(PROXY_PREFIX.length)}?${params}`;
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const upstream = await fetch(target, {
    method: req.method,
    headers: forwardedHeaders(req),
    body: hasBody ? await readBody(req) : undefined,
    redirect: "manual",
  });
  const type = upstream.headers.get("content-type") ?? "application/octet-stream";
  // Shopify renders an `application/liquid` answer with the shop's Liquid, inside the theme's layout.
  if (type.split(";")[0].trim() === "application/liquid") {
    const source = await upstream.text();
    const context = liquidContext(url, customerId, null);
    const main = renderLiquid(source, context, liquidHost(context.request.locale.iso_code, options), `${PROXY_PREFIX}${url.pathname.slice(PROXY_PREFIX.length)}`);
    res.writeHead(upstream.status, { "content-type": "text/html; charset=utf-8" });
    return res.end(await themePage(url, customerId, options, { title: "Rewards", main }));
  }
  const headers = { "content-type": type };
  const location = upstream.headers.get("location");
  if (location) headers.location = location;
  res.writeHead(upstream.status, headers);
  res.end(Buffer.from(await upstream.arrayBuffer()));
}

/** Shopify's proxy passes the request's own headers on, Idempotency-Key among them; never cookies. */
function forwardedHeaders(req) {
  const headers = { accept: req.headers.accept ?? "*/*", "content-type": req.headers["content-type"] ?? "application/json" };
  for (const name of ["idempotency-key", "accept-language"]) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  return headers;
}

/** The stand-in's sign-in: a customer id, kept as the storefront session's cookie. */
async function signIn(req, res) {
  const form = new URLSearchParams(Buffer.from(await readBody(req)).toString("utf8"));
  const customerId = form.get("customer_id") ?? "";
  if (!/^\d{1,20}$/.test(customerId)) {
    res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
    return res.end("customer_id must be a Shopify customer id (digits)");
  }
  res.writeHead(303, { location: "/", "set-cookie": `${CUSTOMER_COOKIE}=${customerId}; Path=/; HttpOnly; SameSite=Lax` });
  res.end();
}

function readCookie(req, name) {
  for (const pair of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = pair.trim().split("=");
    if (key === name && value.join("") !== "") return decodeURIComponent(value.join("="));
  }
  return undefined;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Uint8Array.from(Buffer.concat(chunks));
}

const money = (cents) => `$${(cents / 100).toFixed(2)}`;
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
