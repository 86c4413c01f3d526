// A stand-in for the Shopify Admin API in dev and tests, checking requests as Shopify does:
// token exchange and refresh (client credentials, session token), access tokens on GraphQL,
// the discount mutations LoyalNest sends, and the cost-based throttle per shop.
// It recognises those operations by name; it is not a GraphQL server.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { readDevVars } from "./dev-vars.mjs";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
const OFFLINE_TOKEN = "urn:shopify:params:oauth:token-type:offline-access-token";
const ACCESS_TOKEN_TTL_S = 3600;
// Shopify's refresh tokens for expiring offline tokens last 90 days and rotate on every use.
const REFRESH_TOKEN_TTL_S = 90 * 24 * 3600;
const SESSION_TOKEN_LEEWAY_S = 10;
const INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)";
const MUTATIONS = {
  discountCodeBasicCreate: "basicCodeDiscount",
  discountCodeFreeShippingCreate: "freeShippingCodeDiscount",
};

/**
 * `accessTokens` pre-issues tokens (`{ [token]: shop }`, non-expiring), e.g. the seeded demo
 * shop's. `bucket` and `mutationCost` shape the throttle (Shopify Standard: 1000, 100/s).
 */
export async function startShopifyEmulator({
  port = 8788,
  host = "127.0.0.1",
  apiKey,
  apiSecret,
  scopes = "read_customers,read_orders,write_discounts",
  accessTokens = {},
  bucket = { maximumAvailable: 1000, restoreRate: 100 },
  mutationCost = 10,
} = {}) {
  if (!apiKey || !apiSecret) throw new Error("startShopifyEmulator needs apiKey and apiSecret");
  const tokens = new Map(Object.entries(accessTokens).map(([token, shop]) => [token, { shop, expiresAt: null }]));
  const refreshTokens = new Map();
  // Refresh tokens already used once: refused like any unknown token, but still attributed to
  // their shop in the request log so a test can see a double spend.
  const spentRefreshTokens = new Map();
  const buckets = new Map();
  const requests = [];
  const discounts = [];

  function issueToken(shop, { expiring = true } = {}) {
    const access_token = `shpat_${randomBytes(16).toString("hex")}`;
    tokens.set(access_token, { shop, expiresAt: expiring ? Date.now() + ACCESS_TOKEN_TTL_S * 1000 : null });
    if (!expiring) return { access_token, scope: scopes };
    const refresh_token = `shprt_${randomBytes(16).toString("hex")}`;
    refreshTokens.set(refresh_token, { shop, expiresAt: Date.now() + REFRESH_TOKEN_TTL_S * 1000 });
    return { access_token, expires_in: ACCESS_TOKEN_TTL_S, refresh_token, refresh_token_expires_in: REFRESH_TOKEN_TTL_S, scope: scopes };
  }

  function verifySessionToken(jwt) {
    const [header, payload, signature, extra] = String(jwt ?? "").split(".");
    if (!header || !payload || !signature || extra !== undefined) return null;
    if (decodeSegment(header)?.alg !== "HS256") return null;
    const expected = createHmac("sha256", apiSecret).update(`${header}.${payload}`).digest("base64url");
    if (!sameSecret(signature, expected)) return null;
    const claims = decodeSegment(payload);
    const now = Date.now() / 1000;
    if (!claims || claims.aud !== apiKey) return null;
    if (!(claims.exp + SESSION_TOKEN_LEEWAY_S > now) || claims.nbf - SESSION_TOKEN_LEEWAY_S > now) return null;
    const shop = /^https:\/\/([a-z0-9][a-z0-9-]*\.myshopify\.com)$/.exec(claims.dest ?? "")?.[1];
    return shop ?? null;
  }

  /** Answers `[status, body, shop]`; the shop (when known) is for the request log only. */
  function oauth(params) {
    if (!sameSecret(params.client_id, apiKey) || !sameSecret(params.client_secret, apiSecret)) {
      return [401, { error: "invalid_client", error_description: "Client credentials are invalid" }, null];
    }
    if (params.grant_type === TOKEN_EXCHANGE) {
      if (params.subject_token_type !== ID_TOKEN) return [...oauthError("subject_token_type must be " + ID_TOKEN), null];
      if (params.requested_token_type !== OFFLINE_TOKEN) return [...oauthError("requested_token_type must be " + OFFLINE_TOKEN), null];
      const shop = verifySessionToken(params.subject_token);
      if (!shop) return [400, { error: "invalid_subject_token", error_description: "Session token is invalid or expired" }, null];
      return [200, issueToken(shop, { expiring: String(params.expiring) === "1" }), shop];
    }
    if (params.grant_type === "refresh_token") {
      const entry = refreshTokens.get(params.refresh_token);
      // Rotation: a refresh token works once; the answer carries its successor.
      refreshTokens.delete(params.refresh_token);
      if (!entry || entry.expiresAt <= Date.now()) {
        const shop = entry?.shop ?? spentRefreshTokens.get(params.refresh_token) ?? null;
        return [400, { error: "invalid_grant", error_description: "Refresh token is invalid, expired or already used" }, shop];
      }
      spentRefreshTokens.set(params.refresh_token, entry.shop);
      return [200, issueToken(entry.shop), entry.shop];
    }
    return [400, { error: "unsupported_grant_type", error_description: `grant_type ${params.grant_type}` }, null];
  }

  /** Restores the shop's bucket, then spends `cost` when it fits; returns the status to report. */
  function charge(shop, cost) {
    const now = Date.now();
    const state = buckets.get(shop) ?? { available: bucket.maximumAvailable, at: now };
    const available = Math.min(bucket.maximumAvailable, state.available + ((now - state.at) / 1000) * bucket.restoreRate);
    const fits = available >= cost;
    buckets.set(shop, { available: fits ? available - cost : available, at: now });
    const throttleStatus = {
      maximumAvailable: bucket.maximumAvailable,
      currentlyAvailable: Math.floor(fits ? available - cost : available),
      restoreRate: bucket.restoreRate,
    };
    return { fits, cost: { requestedQueryCost: cost, actualQueryCost: fits ? cost : null, throttleStatus } };
  }

  function graphql(shop, body) {
    if (typeof body?.query !== "string") return [400, { errors: { query: "Required parameter missing or invalid" } }];
    const operation = Object.keys(MUTATIONS).find((name) => new RegExp(`\\b${name}\\s*\\(`).test(body.query));
    if (!operation) {
      return [200, { errors: [{ message: `emulator: only ${Object.keys(MUTATIONS).join(", ")} are answered` }] }];
    }
    const argument = MUTATIONS[operation];
    const variable = new RegExp(`\\b${operation}\\s*\\(\\s*${argument}\\s*:\\s*\\$(\\w+)`).exec(body.query)?.[1];
    const input = variable ? body.variables?.[variable] : undefined;
    if (!input || typeof input !== "object") {
      return [200, { errors: [{ message: `Field '${operation}' is missing required arguments: ${argument} (pass it as a variable)`, extensions: { code: "missingRequiredArguments" } }] }];
    }
    const { fits, cost } = charge(shop, mutationCost);
    if (!fits) {
      const throttled = { message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } };
      return [200, { errors: [throttled], extensions: { cost } }];
    }
    const userErrors = validateDiscount(operation, argument, input, discounts.some((d) => d.shop === shop && d.code === input.code));
    let codeDiscountNode = null;
    if (userErrors.length === 0) {
      codeDiscountNode = { id: `gid://shopify/DiscountCodeNode/${1_000_000_000 + discounts.length + 1}` };
      discounts.push({ shop, id: codeDiscountNode.id, code: input.code, operation, input });
    }
    return [200, { data: { [operation]: { codeDiscountNode, userErrors } }, extensions: { cost } }];
  }

  /** Answers `[status, body, shop]` for one request to the Shopify side. */
  function answer(method, path, headers, body) {
    if (method === "POST" && path === "/admin/oauth/access_token") return oauth(body ?? {});
    if (/^\/admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/.test(path) && method === "POST") {
      const entry = tokens.get(headers["x-shopify-access-token"]);
      if (!entry || (entry.expiresAt !== null && entry.expiresAt <= Date.now())) return [401, { errors: INVALID_TOKEN }, entry?.shop ?? null];
      return [...graphql(entry.shop, body), entry.shop];
    }
    return [404, { errors: "Not Found" }, null];
  }

  /**
   * Not Shopify: the emulator's own controls, for tests running inside workerd that cannot
   * reach this process's memory. `GET /__emulator/requests?shop=` lists what the shop's
   * requests were and how they were answered; `POST /__emulator/expire-access-tokens?shop=`
   * lets an hour pass for the shop's access tokens (Shopify then answers 401).
   */
  function control(method, url) {
    const shop = url.searchParams.get("shop");
    if (!shop) return [400, { errors: "shop is required" }];
    if (method === "GET" && url.pathname === "/__emulator/requests") {
      return [200, { requests: requests.filter((r) => r.shop === shop).map(({ headers: _h, body: _b, ...summary }) => summary) }];
    }
    if (method === "POST" && url.pathname === "/__emulator/expire-access-tokens") {
      let expired = 0;
      for (const entry of tokens.values()) {
        if (entry.shop === shop && entry.expiresAt !== null) {
          entry.expiresAt = Date.now() - 1;
          expired++;
        }
      }
      return [200, { expired }];
    }
    return [404, { errors: "Not Found" }];
  }

  async function handle(req, res) {
    const url = new URL(req.url, "http://emulator");
    const text = await readBody(req);
    if (url.pathname.startsWith("/__emulator/")) return send(res, ...control(req.method, url));
    const body = parseBody(text, req.headers["content-type"]);
    const [status, answerBody, shop] = answer(req.method, url.pathname, req.headers, body);
    requests.push({
      at: Date.now(),
      method: req.method,
      path: url.pathname,
      shop,
      grantType: url.pathname === "/admin/oauth/access_token" ? (body?.grant_type ?? null) : null,
      status,
      errorCode: answerBody?.errors?.[0]?.extensions?.code ?? answerBody?.error ?? null,
      headers: req.headers,
      body: body ?? text,
    });
    return send(res, status, answerBody);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, { errors: String(error) }));
  });
  await new Promise((ready, fail) => server.once("error", fail).listen(port, host, ready));
  return {
    url: `http://${host}:${server.address().port}`,
    requests,
    discounts,
    issueToken,
    close: () => new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}

function validateDiscount(operation, argument, input, codeTaken) {
  const errors = [];
  const error = (field, code, message) => errors.push({ field: [argument, field], code, message });
  if (!input.title) error("title", "BLANK", "Title can't be blank");
  if (!input.code) error("code", "BLANK", "Code can't be blank");
  else if (codeTaken) error("code", "TAKEN", "Code must be unique. Please try a different code.");
  if (operation === "discountCodeBasicCreate") {
    if (!input.context) error("context", "BLANK", "Context can't be blank");
    const value = input.customerGets?.value;
    if (!value) error("customerGets", "BLANK", "Customer gets value can't be blank");
    else if (value.percentage !== undefined && !(value.percentage > 0 && value.percentage <= 1)) {
      error("customerGets", "VALUE_OUTSIDE_RANGE", "Percentage must be between 0 and 1");
    }
  }
  return errors;
}

function oauthError(description) {
  return [400, { error: "invalid_request", error_description: description }];
}

function sameSecret(given, expected) {
  const a = Buffer.from(String(given ?? ""));
  const b = Buffer.from(String(expected));
  return a.length === b.length && timingSafeEqual(a, b);
}

function decodeSegment(segment) {
  try {
    return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    return null;
  }
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(text, contentType = "") {
  if (contentType.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const vars = readDevVars();
  const emulator = await startShopifyEmulator({
    port: Number(process.argv[2] ?? process.env.SHOPIFY_EMULATOR_PORT ?? 8788),
    apiKey: process.env.SHOPIFY_API_KEY ?? vars.SHOPIFY_API_KEY,
    apiSecret: process.env.SHOPIFY_API_SECRET ?? vars.SHOPIFY_API_SECRET,
  });
  console.log(`Shopify emulator on ${emulator.url}`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => emulator.close());
}
