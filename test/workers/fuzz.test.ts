// Fuzz: every route the app's own GET /openapi.json lists, plus the webhook route once per
// topic in TOPICS, driven with generated invalid input (wrong types, huge strings, deep
// nesting, hostile unicode, numbers out of range, oversized payloads, duplicate and injected
// params) behind valid credentials, and with forged credentials. For every request: no 5xx,
// no hang, the JSON envelope; and a rejected request (or any GET) changes nothing — D1
// counts, the touched customers' Durable Object ledgers, the shop's Postgres rows.
//
// Seeded: the seed is printed with every failure; reproduce a run with
//   VITE_FUZZ_SEED=<seed> node_modules/.bin/vitest run --project workers test/workers/fuzz.test.ts
// (FUZZ_SEED is read too wherever the runtime exposes it; Vite forwards VITE_* variables.)
//
// Request bodies the webhook payload schema accepts go to a separate "sink" shop, so their
// asynchronous effects (queue → Postgres) never blur the before/after snapshots of the main
// shop; the last test checks that every accepted delivery reached the projection.
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hmacBase64, hmacHex, hmacSha256 } from "../../core/crypto";
import { toBase64 } from "../../core/encoding";
import { parseJsonLossless } from "../../core/json";
import { signAppProxy, verifyWebhook } from "../../core/shopify-auth";
import { connectReporting, type Sql } from "../../postgres/client";
import { MAX_WEBHOOK_BYTES } from "../../workers/webhooks";
import { TOPICS, isTopic, parsePayload } from "../../topics";
import { accountState, call, eventually, install } from "../helpers/app";
import * as F from "../helpers/fuzz";
import { customerBody, orderBody, uniqueShop } from "../helpers/shopify";

const { seed, source } = F.fuzzSeed();
const root = new F.Rng(seed);
const REPRODUCE = `fuzz seed ${seed} (${source}); reproduce with VITE_FUZZ_SEED=${seed} node_modules/.bin/vitest run --project workers test/workers/fuzz.test.ts`;

const MAIN = uniqueShop("fuzz");
const ACCEPT = uniqueShop("fuzz-accept");
const OTHER = uniqueShop("fuzz-other");
/** A shop that never installed: fresh each time, since an install route may install it. */
const stranger = () => uniqueShop("fuzz-stranger");
const fixtureIds = root.fork("fixture-ids");
const C1 = fixtureIds.digits(12);
const O1 = fixtureIds.digits(13);
const WATCHED_SHOPS = [MAIN, OTHER];

const TOPIC_NAMES = Object.keys(TOPICS);
/** Topics whose schema accepts any object: accepted deliveries go to a shop of their own. */
const SINKS = new Map<string, string>(TOPIC_NAMES.map((t) => [t, isTopic(t) && parsePayload(t, {}).ok ? uniqueShop("fuzz-sink") : ACCEPT]));

// --- Routes, from the app's own OpenAPI document ------------------------------------------

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  example?: unknown;
  default?: unknown;
  minimum?: number;
  enum?: unknown[];
  pattern?: string;
  $ref?: string;
};
type OpenApiParam = { name: string; in: string; required?: boolean; schema?: JsonSchema };
type OpenApiOperation = {
  parameters?: OpenApiParam[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
};
type OpenApiDoc = { paths: Record<string, Record<string, OpenApiOperation>>; components?: { schemas?: Record<string, JsonSchema> } };

type Auth = "webhook" | "proxy" | "session" | "admin" | "none";
interface Route {
  method: string;
  path: string;
  auth: Auth;
  query: OpenApiParam[];
  pathParams: OpenApiParam[];
  body: JsonSchema | null;
  /** Statuses the route documents with a body other than JSON (the referral page's Liquid), and its content types. */
  pages: Record<string, string[]>;
}

function documentedPages(operation: OpenApiOperation): Record<string, string[]> {
  const pages: Record<string, string[]> = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    const types = Object.keys(response.content ?? {});
    if (types.length > 0 && !types.includes("application/json")) pages[status] = types;
  }
  return pages;
}

const doc = (await (await call(`${F.ORIGIN}/openapi.json`)).json()) as OpenApiDoc;

function authOf(path: string, operation: OpenApiOperation): Auth {
  if (operation.parameters?.some((p) => p.in === "header" && p.name.toLowerCase() === "x-shopify-hmac-sha256")) return "webhook";
  // A review provider's webhook is signed over its body with the shop's provider secret, which
  // the fuzzer does not hold: no credentials to forge, but every answer must still be a 4xx.
  if (operation.parameters?.some((p) => p.in === "header" && p.name.toLowerCase() === "judgeme-hmac-sha256")) return "none";
  // SendGrid's event webhook: an ECDSA signature by the shop's SendGrid account, likewise.
  if (operation.parameters?.some((p) => p.in === "header" && p.name.toLowerCase() === "x-twilio-email-event-webhook-signature")) return "none";
  if (path.startsWith("/proxy/")) return "proxy";
  if (path.startsWith("/admin/")) return "admin";
  // The dashboard API and the install (token exchange) both take the App Bridge session token.
  if (path.startsWith("/v1/api/") || path.startsWith("/auth/")) return "session";
  return "none";
}

const ROUTES: Route[] = Object.entries(doc.paths).flatMap(([path, operations]) =>
  Object.entries(operations)
    .filter(([method]) => ["get", "post", "put", "patch", "delete"].includes(method))
    .map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      auth: authOf(path, operation),
      query: (operation.parameters ?? []).filter((p) => p.in === "query"),
      pathParams: (operation.parameters ?? []).filter((p) => p.in === "path"),
      body: operation.requestBody?.content?.["application/json"]?.schema ?? null,
      pages: documentedPages(operation),
    })),
);
const WEBHOOK_ROUTE = ROUTES.find((r) => r.auth === "webhook");
const OTHER_ROUTES = ROUTES.filter((r) => r.auth !== "webhook");

// --- Bookkeeping --------------------------------------------------------------------------

let sql: Sql;
const startedAt = Date.now();
const stats = { requests: 0, unsendable: 0, byStatus: new Map<number, number>(), slowest: 0, unsendableReasons: [] as string[], buildMs: 0, requestMs: 0, checkMs: 0 };
/** A request without a response after this long is a hang. */
const HANG_MS = 10_000;
/** Each test sends many requests; a hang must surface as a finding, not as the test's timeout. */
const TEST_TIMEOUT_MS = 180_000;
const PROXY_AUTH_PARAMS = new Set(["shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"]);

interface Case {
  label: string;
  build: () => Promise<{ request: Request; body: F.Body | null }>;
  watch: F.Watch;
  /** Forged credentials: only 401 or 403 is right. */
  forged?: boolean;
  /** A safe method: no state change whatever the status. */
  safe?: boolean;
  /** Where an accepted delivery landed: the last test checks it reaches the projection. */
  sink?: { shop: string; customers: string[] };
  /** Statuses answered with a documented page instead of the envelope (Route.pages). */
  pages?: Record<string, string[]>;
}

interface SinkEntry {
  shop: string;
  customerId: string;
  label: string;
}

async function run(c: Case, failures: string[], accepted: SinkEntry[] = []): Promise<F.Sent | null> {
  let built: Awaited<ReturnType<Case["build"]>>;
  const t0 = Date.now();
  try {
    built = await c.build();
  } catch (error) {
    // e.g. a header value that is not a ByteString: not sendable over HTTP at all.
    stats.unsendable++;
    if (stats.unsendableReasons.length < 5) stats.unsendableReasons.push(`${c.label}: ${String(error)}`);
    return null;
  }
  const t1 = Date.now();
  stats.buildMs += t1 - t0;
  const before = await F.snapshot(sql, c.watch);
  const t2 = Date.now();
  const sent = await F.timedCall(built.request, HANG_MS);
  stats.requests++;
  stats.requestMs += Date.now() - t2;
  stats.checkMs += t2 - t1;
  const what = `[${c.label}] ${F.describeRequest(built.request, built.body)}`;
  if (!sent) {
    failures.push(`${what} → no response within ${HANG_MS / 1000} s (hang)`);
    return null;
  }
  stats.byStatus.set(sent.status, (stats.byStatus.get(sent.status) ?? 0) + 1);
  stats.slowest = Math.max(stats.slowest, sent.ms);
  const answer = `${sent.status} ${sent.text.slice(0, 240)}`;
  if (sent.status >= 500) failures.push(`${what} → ${answer} — a server error for client input`);
  // A page the route documents for this status (the referral page's Liquid), in its documented
  // content type, is not an envelope; every other answer is (a method or path that reaches no
  // route answers the envelope's not_found).
  const page = c.pages?.[String(sent.status)]?.some((type) => sent.contentType?.startsWith(type));
  const envelope = page ? null : F.envelopeProblem(sent);
  if (envelope) failures.push(`${what} → ${answer} — envelope: ${envelope}`);
  if (c.forged && sent.status !== 401 && sent.status !== 403) failures.push(`${what} → ${answer} — forged credentials were not refused with 401/403`);
  const rejected = sent.status >= 400;
  if (rejected || c.safe) {
    const t3 = Date.now();
    const changes = F.diffSnapshots(before, await F.snapshot(sql, c.watch));
    stats.checkMs += Date.now() - t3;
    if (changes.length) failures.push(`${what} → ${answer} — state changed by a ${rejected ? "rejected" : "GET"} request: ${changes.join("; ")}`);
  } else if (sent.status < 300) {
    if (c.sink) for (const customerId of c.sink.customers) accepted.push({ shop: c.sink.shop, customerId, label: c.label });
    else await settle(c.watch, failures, what);
  }
  const polluted = F.prototypePolluted();
  if (polluted) failures.push(`${what} → ${answer} — Object.prototype.${polluted} was polluted`);
  return sent;
}

async function pendingWork(watch: F.Watch): Promise<number> {
  let pending = 0;
  for (const account of watch.accounts) pending += (await accountState(account.shop, account.customerId)).outbox;
  const inbox = await env.DB.prepare(`SELECT COUNT(*) AS n FROM webhook_inbox WHERE status = 'pending' AND shop IN (SELECT value FROM json_each(?1))`)
    .bind(JSON.stringify(watch.shops))
    .first<{ n: number }>();
  return pending + (inbox?.n ?? 0);
}

/**
 * An accepted request on a watched shop: wait for its effects so the next snapshot is clean.
 * 30 s: an effect now may publish twice (its entries, then a tier change evaluated after its
 * commit), and with every test file running at once on two cores a queue trip took over 12 s.
 */
async function settle(watch: F.Watch, failures: string[], what: string): Promise<void> {
  const left = await eventually(() => pendingWork(watch), (n) => n === 0, 30_000);
  if (left !== 0) failures.push(`${what} — accepted, but ${left} outbox/inbox entries were still pending after 30 s`);
  for (const shop of [MAIN, OTHER]) {
    const row = await env.DB.prepare(`SELECT status FROM shops WHERE domain = ?`).bind(shop).first<{ status: string }>();
    if (row?.status !== "installed") await install(shop);
  }
}

/** Deliveries accepted into sink shops, checked by the last test. */
const sinkAccepted: SinkEntry[] = [];

/** Every delivery accepted into a sink shop must reach the Postgres projection. */
async function drainSinks(entries: SinkEntry[], failures: string[]): Promise<void> {
  const waiting = [...new Map(entries.map((e) => [`${e.shop}:${e.customerId}`, e])).values()];
  const shops = [...new Set(waiting.map((e) => e.shop))];
  const outboxes = async () => {
    const stuck: (SinkEntry & { outbox: number })[] = [];
    for (const e of waiting) {
      const outbox = (await accountState(e.shop, e.customerId)).outbox;
      if (outbox > 0) stuck.push({ ...e, outbox });
    }
    return stuck;
  };
  const stuck = await eventually(outboxes, (s) => s.length === 0, 10_000);
  const collateral: string[] = [];
  for (const e of stuck) {
    const cause = await F.diagnoseOutbox(sql, e.shop, e.customerId).catch((error) => `diagnosis failed: ${String(error)}`);
    if (cause) {
      failures.push(
        `[${e.label}] customer ${e.customerId}: accepted with 2xx, but its ${e.outbox} ledger event(s) never reached the Postgres projection ` +
          `(10 s); projecting them alone fails: ${cause}`,
      );
    } else collateral.push(`${e.label} (customer ${e.customerId})`);
  }
  if (collateral.length) {
    failures.push(
      `${collateral.length} more accepted deliveries are stuck although their events project fine alone: the ledger-events consumer ` +
        `retries its whole batch, so they wait behind a poisoned event — ${collateral.slice(0, 8).join("; ")}${collateral.length > 8 ? "; …" : ""}`,
    );
  }
  if (shops.length) {
    const pending = await eventually(
      () => pendingWork({ shops, accounts: [] }),
      (n) => n === 0,
      8_000,
    );
    if (pending) failures.push(`${pending} inbox entries of the sink shops were still pending after 8 s`);
  }
}

function report(failures: string[]): void {
  if (failures.length) console.error(`${REPRODUCE}\n${failures.length} problem(s):\n- ${failures.join("\n- ")}`);
  expect(failures, `${failures.length} problem(s) — ${REPRODUCE}`).toEqual([]);
}

// --- Webhooks -----------------------------------------------------------------------------

async function webhookHeaders(topic: string, shop: string, body: F.Body, overrides: Record<string, string | null> = {}): Promise<Headers> {
  const values: Record<string, string | null> = {
    "content-type": "application/json",
    "x-shopify-hmac-sha256": await hmacBase64(F.SECRET, body),
    "x-shopify-topic": topic,
    "x-shopify-shop-domain": shop,
    "x-shopify-webhook-id": `fuzz-${crypto.randomUUID()}`,
    "x-shopify-api-version": "2026-10",
    ...overrides,
  };
  const headers = new Headers();
  for (const [key, value] of Object.entries(values)) if (value !== null) headers.set(key, value);
  return headers;
}

function webhookRequest(headers: Headers, body: F.Body): Request {
  return new Request(`${F.ORIGIN}${WEBHOOK_ROUTE?.path ?? "/v1/api/shopify/webhook"}`, { method: "POST", headers, body });
}

/** Would the route's own checks accept this delivery? (HMAC, headers, topic, JSON, payload schema.) */
async function schemaAccepts(headers: Headers, body: F.Body): Promise<boolean> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  if (bytes.length > MAX_WEBHOOK_BYTES) return false;
  const verified = await verifyWebhook(F.SECRET, bytes, headers);
  if (!verified.valid || !isTopic(verified.topic)) return false;
  let parsed: unknown;
  try {
    parsed = parseJsonLossless(new TextDecoder().decode(bytes));
  } catch {
    return false;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return false;
  return parsePayload(verified.topic, parsed).ok;
}

interface Fixture {
  body: F.Node;
  targets: F.Path[];
  customers: string[];
  gidType: (path: F.Path) => string;
}

/** A valid delivery of `topic` for customer C1 (or a fresh customer), with fresh ids. */
function fixture(topic: string, rng: F.Rng): Fixture {
  const freshOrder = rng.digits(rng.int(13, 19));
  const freshCustomer = rng.digits(rng.int(11, 19));
  const customerRef = F.obj({
    id: F.raw(C1),
    admin_graphql_api_id: F.str(`gid://shopify/Customer/${C1}`),
    email: F.str(`c${C1}@example.com`),
  });
  const order = (orderId: string) =>
    F.obj({
      id: F.raw(orderId),
      admin_graphql_api_id: F.str(`gid://shopify/Order/${orderId}`),
      name: F.str(`#${orderId.slice(-4)}`),
      currency: F.str("USD"),
      subtotal_price: F.str("10.00"),
      total_price: F.str("10.00"),
      financial_status: F.str("paid"),
      cancelled_at: F.raw("null"),
      customer: customerRef,
      line_items: F.arr([]),
    });
  const gidByPath = (fallback: string) => (path: F.Path) =>
    path.some((p) => typeof p === "string" && p.startsWith("customer")) ? "Customer" : path.includes("order_id") ? "Order" : fallback;
  const schemaKeys = (): F.Path[] => {
    const shape = isTopic(topic) ? (TOPICS[topic].schema as { shape?: Record<string, unknown> }).shape : undefined;
    return Object.keys(shape ?? {}).map((key) => [key]);
  };
  const withKeys = (extra: F.Path[]): F.Path[] => {
    const all = [...schemaKeys(), ...extra];
    return all.filter((path, i) => all.findIndex((p) => JSON.stringify(p) === JSON.stringify(path)) === i);
  };
  switch (topic) {
    case "orders/paid":
      // A fresh order: if a rejected delivery leaked through, C1 would earn.
      return { body: order(freshOrder), targets: withKeys([["customer", "admin_graphql_api_id"]]), customers: [C1], gidType: gidByPath("Order") };
    case "orders/cancelled":
      // C1's paid order: if a rejected cancellation leaked through, C1's points would be reversed.
      return { body: order(O1), targets: withKeys([["customer", "admin_graphql_api_id"]]), customers: [C1], gidType: gidByPath("Order") };
    case "refunds/create": {
      const refundId = rng.digits(rng.int(12, 19));
      return {
        body: F.obj({
          id: F.raw(refundId),
          admin_graphql_api_id: F.str(`gid://shopify/Refund/${refundId}`),
          order_id: F.raw(O1),
          refund_line_items: F.arr([F.obj({ id: F.raw("1"), line_item_id: F.raw("1"), quantity: F.raw("1"), subtotal: F.str("1.00"), total_tax: F.str("0.00") })]),
          transactions: F.arr([F.obj({ id: F.raw("1"), order_id: F.raw(O1), kind: F.str("refund"), status: F.str("success"), amount: F.str("1.00") })]),
        }),
        targets: withKeys([["refund_line_items", 0, "subtotal"], ["transactions", 0, "amount"]]),
        customers: [C1],
        gidType: gidByPath("Refund"),
      };
    }
    case "customers/create":
      // A fresh customer: a leaked signup would show as their first ledger entry.
      return {
        body: F.obj({
          id: F.raw(freshCustomer),
          admin_graphql_api_id: F.str(`gid://shopify/Customer/${freshCustomer}`),
          email: F.str(`f${freshCustomer}@example.com`),
          first_name: F.str("Fuzz"),
          last_name: F.str("Case"),
          created_at: F.str("2026-11-20T10:00:00Z"),
        }),
        targets: withKeys([]),
        customers: [freshCustomer, C1],
        gidType: gidByPath("Customer"),
      };
    default:
      // A topic added later: its schema's fields are fuzzed on an empty object.
      return { body: F.obj({ id: F.raw(freshOrder) }), targets: withKeys([]), customers: [C1], gidType: gidByPath("Order") };
  }
}

/** A signed delivery: to the sink shop when the route's checks would accept it, else to MAIN. */
function deliveryCase(
  topic: string,
  label: string,
  body: F.Body,
  customers: string[],
  options: { headers?: Record<string, string | null>; forged?: (headers: Headers) => Promise<void> } = {},
): Case {
  const ids = [...new Set([...customers, ...F.customerIdsIn(body)])];
  const sink = SINKS.get(topic) ?? ACCEPT;
  let accepted = false;
  return {
    label: `${topic} · ${label}`,
    forged: options.forged !== undefined,
    get watch(): F.Watch {
      // Rejected deliveries are checked on MAIN; accepted ones also on their sink accounts
      // (their ledgers change only inside requests, never in the background).
      return {
        shops: WATCHED_SHOPS,
        accounts: ids.flatMap((id) => (accepted ? [{ shop: sink, customerId: id }] : [])).concat(ids.map((id) => ({ shop: MAIN, customerId: id }))),
      };
    },
    get sink() {
      return accepted ? { shop: sink, customers: ids } : undefined;
    },
    build: async () => {
      const headers = await webhookHeaders(topic, MAIN, body, options.headers);
      if (options.forged) await options.forged(headers);
      else if (!options.headers?.["x-shopify-shop-domain"] && (await schemaAccepts(headers, body))) {
        accepted = true;
        headers.set("x-shopify-shop-domain", sink);
      }
      return { request: webhookRequest(headers, body), body };
    },
  };
}

type RootMutation = (rng: F.Rng, base: string) => { label: string; body: F.Body };

function padTo(base: string, bytes: number): string {
  const prefix = `${base.slice(0, -1)},"pad":"`;
  const fill = bytes - new TextEncoder().encode(prefix).length - 2;
  return `${prefix}${"x".repeat(Math.max(0, fill))}"}`;
}

const ROOT_MUTATIONS: RootMutation[] = [
  () => ({ label: "body null", body: "null" }),
  () => ({ label: "body []", body: "[]" }),
  (_r, base) => ({ label: "body wrapped in an array", body: `[${base}]` }),
  () => ({ label: "body a string", body: '"gid://shopify/Order/1"' }),
  (r) => ({ label: "body a number", body: r.pick(F.NUMBER_TEXTS.filter((n) => !n.startsWith('"'))) }),
  () => ({ label: "body true", body: "true" }),
  () => ({ label: "empty body", body: "" }),
  () => ({ label: "whitespace body", body: " \n\t " }),
  (r, base) => ({ label: "truncated JSON", body: base.slice(0, r.int(1, base.length - 1)) }),
  (_r, base) => ({ label: "trailing garbage", body: `${base}garbage` }),
  (_r, base) => ({ label: "two JSON documents", body: `${base}${base}` }),
  (_r, base) => ({ label: "trailing comma", body: `${base.slice(0, -1)},}` }),
  (_r, base) => ({ label: "BOM before the JSON", body: `\ufeff${base}` }),
  (_r, base) => ({ label: "comment in JSON", body: `/* c */${base}` }),
  (r, base) => ({ label: "invalid literal in a new field", body: `${base.slice(0, -1)},"x":${r.pick(F.INVALID_JSON_VALUES)}}` }),
  (_r, base) => ({ label: "single-quoted JSON", body: base.replace(/"/g, "'") }),
  (r) => {
    const deep = F.deepJson(r);
    return { label: `root nested ${deep.length} chars deep`, body: deep };
  },
  (r, base) => {
    const depth = r.int(10_000, 50_000);
    return { label: `payload under ${depth} levels of objects`, body: '{"a":'.repeat(depth) + base + "}".repeat(depth) };
  },
  (r, base) => {
    const depth = r.int(10_000, 50_000);
    return { label: `valid payload + a field ${depth} levels deep`, body: `${base.slice(0, -1)},"deep":${"[".repeat(depth)}${"]".repeat(depth)}}` };
  },
  (r, base) => {
    const size = r.int(MAX_WEBHOOK_BYTES + 1, 1_500_000);
    return { label: `oversized body (${size} bytes)`, body: padTo(base, size) };
  },
  (_r, base) => ({ label: "body of exactly 1 MiB", body: padTo(base, MAX_WEBHOOK_BYTES) }),
  (_r, base) => ({ label: "body of 1 MiB + 1 byte", body: padTo(base, MAX_WEBHOOK_BYTES + 1) }),
  (r, base) => {
    const bytes = new TextEncoder().encode(base);
    const at = base.indexOf('":"') + 3;
    const bad = r.pick([[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe0, 0x80], [0xf4, 0x90, 0x80, 0x80]]);
    const out = new Uint8Array(new ArrayBuffer(bytes.length + bad.length));
    out.set(bytes.slice(0, at));
    out.set(bad, at);
    out.set(bytes.slice(at), at + bad.length);
    return { label: `invalid UTF-8 bytes ${bad.map((b) => b.toString(16)).join(" ")} in a string`, body: out };
  },
  (_r, base) => {
    const out = new Uint8Array(new ArrayBuffer(2 + base.length * 2));
    out.set([0xff, 0xfe]);
    for (let i = 0; i < base.length; i++) {
      out[2 + i * 2] = base.charCodeAt(i) & 0xff;
      out[3 + i * 2] = base.charCodeAt(i) >> 8;
    }
    return { label: "UTF-16LE body", body: out };
  },
  (_r, base) => ({
    label: "prototype-polluting fields",
    body: `${base.slice(0, -1)},"__proto__":{"polluted":true,"admin_graphql_api_id":"gid://shopify/Order/1"},"constructor":{"prototype":{"polluted":true}}}`,
  }),
  (r, base) => {
    const extra = Array.from({ length: r.int(1_000, 5_000) }, (_, i) => `"k${i}":${i}`).join(",");
    return { label: "thousands of extra fields", body: `${base.slice(0, -1)},${extra}}` };
  },
  (r, base) => ({ label: "a 100 KB+ key", body: `${base.slice(0, -1)},${JSON.stringify(F.hugeString(r, 100_000, 300_000))}:1}` }),
  (r) => {
    const bytes = new Uint8Array(new ArrayBuffer(r.int(16, 4096)));
    for (let i = 0; i < bytes.length; i++) bytes[i] = r.int(0, 255);
    return { label: `${bytes.length} random bytes`, body: bytes };
  },
];

const FORGED_WEBHOOK: [string, (rng: F.Rng, body: string, headers: Headers) => Promise<void>][] = [
  ["no HMAC header", async (_r, _b, h) => h.delete("x-shopify-hmac-sha256")],
  ["empty HMAC header", async (_r, _b, h) => h.set("x-shopify-hmac-sha256", "")],
  ["HMAC of another secret", async (_r, b, h) => h.set("x-shopify-hmac-sha256", await hmacBase64("not-the-secret", b))],
  ["HMAC keyed with the API key", async (_r, b, h) => h.set("x-shopify-hmac-sha256", await hmacBase64(F.API_KEY, b))],
  ["truncated HMAC", async (r, _b, h) => h.set("x-shopify-hmac-sha256", h.get("x-shopify-hmac-sha256")!.slice(0, r.int(1, 40)))],
  ["HMAC with one bit flipped", async (r, _b, h) => h.set("x-shopify-hmac-sha256", F.flipBase64Bit(r, h.get("x-shopify-hmac-sha256")!))],
  ["HMAC hex-encoded", async (_r, b, h) => h.set("x-shopify-hmac-sha256", await hmacHex(F.SECRET, b))],
  ["HMAC of the body plus a newline", async (_r, b, h) => h.set("x-shopify-hmac-sha256", await hmacBase64(F.SECRET, `${b}\n`))],
  ["HMAC of the empty string", async (_r, _b, h) => h.set("x-shopify-hmac-sha256", await hmacBase64(F.SECRET, ""))],
  ["plain SHA-256 of the body", async (_r, b, h) => h.set("x-shopify-hmac-sha256", toBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(b)))))],
  ["HMAC upper-cased", async (_r, _b, h) => h.set("x-shopify-hmac-sha256", h.get("x-shopify-hmac-sha256")!.toUpperCase())],
  ["two HMAC values", async (_r, _b, h) => h.append("x-shopify-hmac-sha256", h.get("x-shopify-hmac-sha256")!)],
  ["HMAC 100 KB long", async (r, _b, h) => h.set("x-shopify-hmac-sha256", "A".repeat(r.int(100_000, 200_000)))],
  ["HMAC of 33 bytes", async (_r, b, h) => h.set("x-shopify-hmac-sha256", toBase64(new Uint8Array([...(await hmacSha256(F.SECRET, b)), 0])))],
  ["HMAC with a space", async (_r, _b, h) => h.set("x-shopify-hmac-sha256", ` ${h.get("x-shopify-hmac-sha256")!.slice(1)}`)],
  ["HMAC of all zero bytes", async (_r, _b, h) => h.set("x-shopify-hmac-sha256", toBase64(new Uint8Array(32)))],
];

/** Body changed after signing: the HMAC header stays that of the original. */
async function tamperedAfterSigning(rng: F.Rng, topic: string, fx: Fixture): Promise<Case> {
  const body = F.render(fx.body);
  const signature = await hmacBase64(F.SECRET, body);
  const tampered = body.replace(/"10\.00"|"1\.00"|"Fuzz"/, rng.pick(['"99999.00"', '"1000.00"', '"Mallory"'])).replace(/}$/, ' }');
  return deliveryCase(topic, "body changed after signing", tampered, fx.customers, {
    forged: async (headers) => headers.set("x-shopify-hmac-sha256", signature),
  });
}

const HEADER_CASES: [string, (rng: F.Rng) => Record<string, string | null>][] = [
  ["topic upper-cased", () => ({ "x-shopify-topic": "ORDERS/PAID" })],
  ["topic with a trailing space", () => ({ "x-shopify-topic": "orders/paid " })],
  ["topic percent-encoded", () => ({ "x-shopify-topic": "orders%2Fpaid" })],
  ["topic with dot segments", () => ({ "x-shopify-topic": "orders/../orders/paid" })],
  ["topic __proto__", () => ({ "x-shopify-topic": "__proto__" })],
  ["topic constructor", () => ({ "x-shopify-topic": "constructor" })],
  ["topic hasOwnProperty", () => ({ "x-shopify-topic": "hasOwnProperty" })],
  ["topic toString", () => ({ "x-shopify-topic": "toString" })],
  ["topic empty", () => ({ "x-shopify-topic": "" })],
  ["topic 100 KB", (r) => ({ "x-shopify-topic": "a".repeat(r.int(100_000, 300_000)) })],
  ["topic latin-1", () => ({ "x-shopify-topic": "ord\u00e9rs/paid" })],
  ["shop upper-cased", () => ({ "x-shopify-shop-domain": MAIN.toUpperCase() })],
  ["shop with an evil suffix", () => ({ "x-shopify-shop-domain": `${MAIN}.evil.example` })],
  ["shop with dot segments", () => ({ "x-shopify-shop-domain": `../${MAIN}` })],
  ["shop with a port", () => ({ "x-shopify-shop-domain": `${MAIN}:443` })],
  ["shop as a URL", () => ({ "x-shopify-shop-domain": `https://${MAIN}` })],
  ["shop empty", () => ({ "x-shopify-shop-domain": "" })],
  ["shop 100 KB", (r) => ({ "x-shopify-shop-domain": `${"a".repeat(r.int(100_000, 200_000))}.myshopify.com` })],
  ["shop not installed", () => ({ "x-shopify-shop-domain": stranger() })],
  ["webhook id 100 KB", (r) => ({ "x-shopify-webhook-id": "w".repeat(r.int(100_000, 300_000)) })],
  ["webhook id empty", () => ({ "x-shopify-webhook-id": "" })],
  ["webhook id latin-1 and controls", () => ({ "x-shopify-webhook-id": "\u00ff\u00fe\t\u0080" })],
  ["API version garbage", (r) => ({ "x-shopify-api-version": r.pick(["", "../..", "x".repeat(100_000), "9999-99"]) })],
  ["event id 100 KB", (r) => ({ "x-shopify-event-id": "e".repeat(r.int(100_000, 200_000)) })],
  ["content-type text/plain", () => ({ "content-type": "text/plain" })],
  ["no content-type", () => ({ "content-type": null })],
  ["content-type UTF-16", () => ({ "content-type": "application/json; charset=utf-16" })],
  ["content-length lies (huge)", () => ({ "content-length": "99999999999" })],
];

// --- Other routes (storefront, merchant, and whatever joins the document) -----------------

function baseValue(name: string, schema: JsonSchema | undefined): string {
  if (name === "id" || name.endsWith("_id")) return C1;
  if (schema?.example !== undefined) return String(schema.example);
  if (schema?.enum?.length) return String(schema.enum[0]);
  if (schema?.default !== undefined) return String(schema.default);
  const type = Array.isArray(schema?.type) ? schema?.type[0] : schema?.type;
  if (type === "integer" || type === "number") return String(schema?.minimum ?? 1);
  if (type === "boolean") return "true";
  return "a";
}

function baseQuery(route: Route): F.Query {
  const query: F.Query = [];
  if (route.auth === "proxy") {
    query.push(["shop", MAIN], ["logged_in_customer_id", C1], ["path_prefix", F.pct("/apps/loyalnest")], ["timestamp", String(Math.floor(Date.now() / 1000))]);
  }
  for (const param of route.query) {
    if (route.auth === "proxy" && PROXY_AUTH_PARAMS.has(param.name)) continue;
    query.push([param.name, F.pct(baseValue(param.name, param.schema))]);
  }
  return query;
}

function basePathValues(route: Route): Record<string, string> {
  return Object.fromEntries(route.pathParams.map((p) => [p.name, F.pct(baseValue(p.name, p.schema))]));
}

function fillPath(route: Route, values: Record<string, string>): string {
  return route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => values[name] ?? "x");
}

async function sessionHeader(shop = MAIN): Promise<string> {
  return `Bearer ${await F.jwt({ alg: "HS256", typ: "JWT" }, F.sessionClaims(shop), F.SECRET)}`;
}

/** A request to `route` with valid credentials around the given (possibly hostile) parts. */
async function authedRequest(route: Route, query: F.Query, pathValues: Record<string, string>, init: { method?: string; body?: F.Body | null } = {}): Promise<Request> {
  let url = `${F.ORIGIN}${fillPath(route, pathValues)}`;
  const rendered = F.renderQuery(query);
  if (rendered) url += `?${rendered}`;
  const headers = new Headers();
  if (route.auth === "proxy") {
    const signature = await signAppProxy(F.SECRET, new URL(url).searchParams);
    url += `${rendered ? "&" : "?"}signature=${signature}`;
  } else if (route.auth === "session") headers.set("authorization", await sessionHeader());
  const method = init.method ?? route.method;
  if (init.body !== undefined && init.body !== null) headers.set("content-type", "application/json");
  return new Request(url, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : (init.body ?? undefined) });
}

/** The accounts a request names: C1, the signed-in customer, a customer id in the path. */
function routeWatch(request: Request | null): F.Watch {
  const accounts = [{ shop: MAIN, customerId: C1 }];
  if (request) {
    const url = new URL(request.url);
    for (const value of [url.searchParams.get("logged_in_customer_id"), ...url.pathname.split("/")]) {
      if (value && /^\d{1,20}$/.test(value) && value !== C1) accounts.push({ shop: MAIN, customerId: value });
    }
  }
  return { shops: WATCHED_SHOPS, accounts: accounts.slice(0, 4) };
}

function routeCase(route: Route, label: string, build: () => Promise<Request>, extra: Partial<Case> = {}): Case {
  let built: Request | null = null;
  return {
    label: `${route.method} ${route.path} · ${label}`,
    safe: route.method === "GET",
    pages: route.pages,
    get watch() {
      return routeWatch(built);
    },
    build: async () => {
      built = await build();
      return { request: built, body: null };
    },
    ...extra,
  };
}

/** Forged App Proxy signatures: each returns the full URL. */
const FORGED_PROXY: [string, (rng: F.Rng, route: Route) => Promise<string>][] = [
  ["signature with one bit flipped", async (r, route) => resign(route, (q, sig) => [...q, ["signature", F.flipHexBit(r, sig)]])],
  ["truncated signature", async (r, route) => resign(route, (q, sig) => [...q, ["signature", sig.slice(0, r.pick([0, 2, 32, 62, 63]))]])],
  ["no signature", async (_r, route) => resign(route, (q) => q)],
  ["two signatures, one valid", async (_r, route) => resign(route, (q, sig) => [...q, ["signature", sig], ["signature", "00".repeat(32)]])],
  ["signature of another secret", async (_r, route) => resign(route, (q) => q, "not-the-secret")],
  ["stale timestamp", async (r, route) => resign(route, (q) => withParam(q, "timestamp", String(Math.floor(Date.now() / 1000) - r.int(91, 10_000_000))), F.SECRET, true)],
  ["future timestamp", async (r, route) => resign(route, (q) => withParam(q, "timestamp", String(Math.floor(Date.now() / 1000) + r.int(91, 10_000_000))), F.SECRET, true)],
  ["timestamp of 13 digits", async (_r, route) => resign(route, (q) => withParam(q, "timestamp", "9999999999999"), F.SECRET, true)],
  ["timestamp 1e9 in exponent form", async (_r, route) => resign(route, (q) => withParam(q, "timestamp", "1.7e9"), F.SECRET, true)],
  ["customer id appended after signing", async (_r, route) => resign(route, (q, sig) => [...q, ["signature", sig], ["logged_in_customer_id", "1"]])],
  ["customer id replaced after signing", async (r, route) => resign(route, (q, sig) => [...withParam(q, "logged_in_customer_id", r.digits(8)), ["signature", sig]])],
  ["shop replaced after signing", async (_r, route) => resign(route, (q, sig) => [...withParam(q, "shop", OTHER), ["signature", sig]])],
  ["extra param injected after signing", async (_r, route) => resign(route, (q, sig) => [...q, ["signature", sig], ["admin", "true"]])],
  [
    "customer id and path prefix merged into one param",
    async (_r, route) =>
      resign(route, (q, sig) => [...q.filter(([k]) => k !== "path_prefix").map(([k, v]): [string, string | null] => (k === "logged_in_customer_id" ? [k, `${v}path_prefix=${F.pct("/apps/loyalnest")}`] : [k, v])), ["signature", sig]]),
  ],
  ["signature base64-encoded", async (_r, route) => resign(route, (q, sig) => [...q, ["signature", encodeURIComponent(toBase64(hexBytes(sig)))]])],
  ["signature over &-joined params", async (_r, route) => resign(route, async (q) => [...q, ["signature", await hmacHex(F.SECRET, new URL(`${F.ORIGIN}/?${F.renderQuery(q)}`).searchParams.toString())]])],
  ["signature 1 MB long", async (r, route) => resign(route, (q) => [...q, ["signature", "ab".repeat(r.int(250_000, 500_000))]])],
  ["Signature with a capital S", async (_r, route) => resign(route, (q, sig) => [...q, ["Signature", sig]])],
  ["valid signature, shop not a myshopify domain", async (_r, route) => resign(route, (q) => withParam(q, "shop", "evil.example.com"), F.SECRET, true)],
  ["signature of all zero bytes", async (_r, route) => resign(route, (q) => [...q, ["signature", "00".repeat(32)]])],
];

const fuzzedSchemas = new Set<unknown>();
const fuzzedParams = new Set<string>();

/** `n` distinct items, at random. */
function sample<T>(rng: F.Rng, items: readonly T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
  return out;
}

/** Every forgery for the first route of each kind of authentication, a random dozen for the rest. */
function forgeriesFor<T>(route: Route, all: readonly T[], rng: F.Rng): readonly T[] {
  if (OTHER_ROUTES.find((r) => r.auth === route.auth) === route) return all;
  return sample(rng, all, 12);
}

function withParam(query: F.Query, key: string, value: string): F.Query {
  return query.map(([k, v]): [string, string | null] => (k === key ? [k, value] : [k, v]));
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/**
 * Builds a proxy URL: `edit` gets the base query and its valid signature and returns the final
 * query; with `sign`, the edited query is signed (validly) with `secret` instead.
 */
async function resign(route: Route, edit: (query: F.Query, signature: string) => F.Query | Promise<F.Query>, secret = F.SECRET, sign = false): Promise<string> {
  const base = baseQuery(route);
  const path = `${F.ORIGIN}${fillPath(route, basePathValues(route))}`;
  const signature = await signAppProxy(F.SECRET, new URL(`${path}?${F.renderQuery(base)}`).searchParams);
  if (sign || secret !== F.SECRET) {
    const edited = await edit(base, signature);
    const own = await signAppProxy(secret, new URL(`${path}?${F.renderQuery(edited)}`).searchParams);
    return `${path}?${F.renderQuery([...edited, ["signature", own]])}`;
  }
  return `${path}?${F.renderQuery(await edit(base, signature))}`;
}

/** Forged session tokens: each returns the Authorization header value, or null for none. */
const FORGED_SESSION: [string, (rng: F.Rng) => Promise<string | null>][] = [
  ["no Authorization header", async () => null],
  ["Bearer without a token", async () => "Bearer "],
  ["Basic credentials", async () => `Basic ${btoa(`${MAIN}:password`)}`],
  ["alg none, unsigned", async () => `Bearer ${await F.jwt({ alg: "none", typ: "JWT" }, F.sessionClaims(MAIN), null)}`],
  ["alg none, signed", async () => `Bearer ${await F.jwt({ alg: "none", typ: "JWT" }, F.sessionClaims(MAIN), F.SECRET)}`],
  ["alg hs256 (lower case)", async () => `Bearer ${await F.jwt({ alg: "hs256", typ: "JWT" }, F.sessionClaims(MAIN), F.SECRET)}`],
  ["alg HS512 header", async () => `Bearer ${await F.jwt({ alg: "HS512", typ: "JWT" }, F.sessionClaims(MAIN), F.SECRET)}`],
  ["alg RS256 header", async () => `Bearer ${await F.jwt({ alg: "RS256", typ: "JWT" }, F.sessionClaims(MAIN), F.SECRET)}`],
  ["alg as an array", async () => `Bearer ${await F.jwt({ alg: ["HS256"], typ: "JWT" }, F.sessionClaims(MAIN), F.SECRET)}`],
  ["wrong audience", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { aud: "another-app" }), F.SECRET)}`],
  ["audience array without the key", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { aud: ["a", "b"] }), F.SECRET)}`],
  ["no audience", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { aud: undefined }), F.SECRET)}`],
  ["expired an hour ago", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { exp: Math.floor(Date.now() / 1000) - 3600 }), F.SECRET)}`],
  ["no exp", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { exp: undefined }), F.SECRET)}`],
  ["exp as a string", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { exp: "99999999999" }), F.SECRET)}`],
  ["nbf in the future", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { nbf: Math.floor(Date.now() / 1000) + 3600 }), F.SECRET)}`],
  ["issuer of another shop", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { iss: `https://${OTHER}/admin` }), F.SECRET)}`],
  ["dest over http", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { dest: `http://${MAIN}`, iss: `http://${MAIN}/admin` }), F.SECRET)}`],
  ["dest not a shop", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { dest: "https://evil.example.com", iss: "https://evil.example.com/admin" }), F.SECRET)}`],
  ["signed with another secret", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN), "not-the-secret")}`],
  ["signed with the API key", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN), F.API_KEY)}`],
  [
    "signature with one bit flipped",
    async (r) => {
      const [h, p, s] = (await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN), F.SECRET)).split(".") as [string, string, string];
      return `Bearer ${h}.${p}.${F.base64Url(Uint8Array.from(atob(F.flipBase64Bit(r, s.replace(/-/g, "+").replace(/_/g, "/"))), (c) => c.charCodeAt(0)))}`;
    },
  ],
  [
    "claims of another shop under a valid signature",
    async () => {
      const [h, , s] = (await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN), F.SECRET)).split(".") as [string, string, string];
      const [, p] = (await F.jwt({ alg: "HS256" }, F.sessionClaims(OTHER), "x")).split(".") as [string, string];
      return `Bearer ${h}.${p}.${s}`;
    },
  ],
  ["garbage base64 segments", async () => "Bearer !!!.@@@.###"],
  ["two segments", async () => `Bearer ${(await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN), F.SECRET)).split(".").slice(0, 2).join(".")}`],
  ["four segments", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN), F.SECRET)}.extra`],
  ["empty signature segment", async () => `Bearer ${(await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN), F.SECRET)).replace(/\.[^.]*$/, ".")}`],
  ["claims JSON null, signed", async () => `Bearer ${await F.jwt({ alg: "HS256" }, "null", F.SECRET)}`],
  ["claims not JSON, signed", async () => `Bearer ${await F.jwt({ alg: "HS256" }, "{not json", F.SECRET)}`],
  ["header not JSON", async () => `Bearer ${await F.jwt("{not json", F.sessionClaims(MAIN), F.SECRET)}`],
  ["huge garbage token", async (r) => `Bearer ${"a".repeat(r.int(300_000, 1_000_000))}.${"b".repeat(1000)}.c`],
  ["huge claims, wrong secret", async (r) => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN, { pad: "x".repeat(r.int(300_000, 1_000_000)) }), "not-the-secret")}`],
  ["two tokens", async () => `Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN), "x")}, Bearer ${await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN), "y")}`],
  ["token with inner space", async () => `Bearer ${(await F.jwt({ alg: "HS256" }, F.sessionClaims(MAIN), F.SECRET)).replace(".", ". ")}`],
];

// --- Setup --------------------------------------------------------------------------------

beforeAll(async () => {
  sql = connectReporting(env);
  for (const shop of [MAIN, ACCEPT, OTHER, ...new Set(SINKS.values())]) await install(shop);
  // C1 signs up and pays O1 in MAIN and in ACCEPT, so refunds and cancellations have an order
  // to act on, and the projection has rows to keep.
  // The fixtures double as a check of the snapshots: each store must see them arrive.
  const fixtureWatch: F.Watch = { shops: WATCHED_SHOPS, accounts: [{ shop: MAIN, customerId: C1 }] };
  const empty = await F.snapshot(sql, fixtureWatch);
  for (const shop of [MAIN, ACCEPT]) {
    const fixtures = [
      ["customers/create", customerBody({ id: C1, email: `c${C1}@example.com`, firstName: "Fixture", lastName: "Customer" })],
      ["orders/paid", orderBody({ id: O1, customerId: C1, subtotal: "50.00" })],
    ] as const;
    for (const [topic, body] of fixtures) {
      const response = await call(webhookRequest(await webhookHeaders(topic, shop, body), body));
      expect(response.status, `fixture ${topic} for ${shop}`).toBe(200);
    }
  }
  const left = await eventually(
    () => pendingWork({ shops: [MAIN, ACCEPT], accounts: [{ shop: MAIN, customerId: C1 }, { shop: ACCEPT, customerId: C1 }] }),
    (n) => n === 0,
    20_000,
  );
  expect(left, "fixtures reach the projection").toBe(0);
  expect((await accountState(MAIN, C1)).balance).toBe(700);
  const seen = F.diffSnapshots(empty, await F.snapshot(sql, fixtureWatch)).map((change) => change.split(":")[0]);
  for (const key of ["d1.order_index", "pg.customers", "pg.transactions", `account ${C1}@${MAIN.split(".")[0]}`]) {
    expect(seen, `the snapshot sees the fixtures in ${key}`).toContain(key);
  }
});

afterAll(async () => {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const statuses = [...stats.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ");
  console.log(
    `fuzz: ${stats.requests} requests (${stats.unsendable} unsendable) over ${ROUTES.length} routes + ${TOPIC_NAMES.length} topics in ${seconds} s; ` +
      `statuses ${statuses}; ${stats.unsendableReasons.length ? `unsendable: ${stats.unsendableReasons.join(" | ")}; ` : ""}slowest ${stats.slowest} ms; ` +
      `time building ${(stats.buildMs / 1000).toFixed(1)} s, requests ${(stats.requestMs / 1000).toFixed(1)} s, snapshots ${(stats.checkMs / 1000).toFixed(1)} s; ${REPRODUCE}`,
  );
  await sql?.end({ timeout: 1 });
});

// --- Tests --------------------------------------------------------------------------------

describe("discovery", () => {
  it("finds the routes in GET /openapi.json and the webhook topics", () => {
    expect(WEBHOOK_ROUTE, "the webhook route is in the OpenAPI document").toBeDefined();
    expect(OTHER_ROUTES.length).toBeGreaterThan(0);
    expect(TOPIC_NAMES.length).toBeGreaterThan(0);
    // The body generator that routes with a JSON body uses.
    const schema: JsonSchema = { type: "object", properties: { reward_id: { type: "string" }, note: { type: "string" } }, required: ["reward_id"] };
    expect(F.render(exampleBody(schema))).toBe('{"reward_id":"a","note":"a"}');
  });
});

describe.each(TOPIC_NAMES)("webhook %s", (topic) => {
  it("invalid bodies behind a valid HMAC", async () => {
    const rng = root.fork(`webhook:${topic}`);
    const failures: string[] = [];
    const accepted: SinkEntry[] = [];
    const probe = fixture(topic, rng);
    // Every category on every field the first time a payload schema is fuzzed; a sample when
    // another topic shares the schema (orders/paid and orders/cancelled).
    const schema = isTopic(topic) ? TOPICS[topic].schema : null;
    const repeat = fuzzedSchemas.has(schema);
    fuzzedSchemas.add(schema);
    for (const target of probe.targets) {
      for (const category of repeat ? sample(rng, F.FIELD_CATEGORIES, 5) : F.FIELD_CATEGORIES) {
        const fx = fixture(topic, rng);
        const { label, replacement } = F.fieldMutation(rng, category, F.at(fx.body, target), fx.gidType(target));
        const body = F.render(F.replaceAt(fx.body, target, replacement));
        await run(deliveryCase(topic, `${target.join(".")}: ${category}: ${label}`, body, fx.customers), failures, accepted);
      }
    }
    for (const mutate of topic === TOPIC_NAMES[0] ? ROOT_MUTATIONS : sample(rng, ROOT_MUTATIONS, 12)) {
      const fx = fixture(topic, rng);
      const { label, body } = mutate(rng, F.render(fx.body));
      await run(deliveryCase(topic, label, body, fx.customers), failures, accepted);
    }
    // A few deliveries with several fields broken at once.
    for (let i = 0; i < 4; i++) {
      const fx = fixture(topic, rng);
      let node = fx.body;
      const labels: string[] = [];
      for (let j = 0; j < rng.int(2, 4) && probe.targets.length; j++) {
        const target = rng.pick(probe.targets);
        const category = rng.pick(F.FIELD_CATEGORIES.filter((c) => c !== "huge string" && c !== "deep nesting"));
        const { label, replacement } = F.fieldMutation(rng, category, F.at(node, target), fx.gidType(target));
        node = F.replaceAt(node, target, replacement);
        labels.push(`${target.join(".")}: ${label}`);
      }
      await run(deliveryCase(topic, `combined: ${labels.join(" + ")}`, F.render(node), fx.customers), failures, accepted);
    }
    sinkAccepted.push(...accepted);
    report(failures);
  }, TEST_TIMEOUT_MS);

  it("forged HMACs and hostile headers", async () => {
    const rng = root.fork(`webhook-auth:${topic}`);
    const failures: string[] = [];
    const accepted: SinkEntry[] = [];
    // Every forgery for the first topic, a random handful for the others.
    const forgeries = topic === TOPIC_NAMES[0] ? FORGED_WEBHOOK : Array.from({ length: 5 }, () => rng.pick(FORGED_WEBHOOK));
    for (const [label, forge] of forgeries) {
      const fx = fixture(topic, rng);
      const body = F.render(fx.body);
      await run(deliveryCase(topic, `forged: ${label}`, body, fx.customers, { forged: (headers) => forge(rng, body, headers) }), failures, accepted);
    }
    await run(await tamperedAfterSigning(rng, topic, fixture(topic, rng)), failures, accepted);
    const headerCases = topic === TOPIC_NAMES[0] ? HEADER_CASES : Array.from({ length: 4 }, () => rng.pick(HEADER_CASES));
    for (const [label, headers] of headerCases) {
      const fx = fixture(topic, rng);
      const overrides = headers(rng);
      // A topic header names the topic: keep this topic's own unless the case changes it.
      if (overrides["x-shopify-topic"] !== undefined && topic !== TOPIC_NAMES[0]) continue;
      await run(deliveryCase(topic, `header: ${label}`, F.render(fx.body), fx.customers, { headers: overrides }), failures, accepted);
    }
    sinkAccepted.push(...accepted);
    report(failures);
  }, TEST_TIMEOUT_MS);
});

describe.each(OTHER_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))("%s", (_name, route) => {
  it("valid credentials, invalid params", async () => {
    const rng = root.fork(`params:${route.method} ${route.path}`);
    const failures: string[] = [];

    // The unmodified request first: the fuzz means nothing if its credentials are refused.
    const baseline = await run(routeCase(route, "baseline", () => authedRequest(route, baseQuery(route), basePathValues(route))), failures);
    if (route.auth === "proxy" || route.auth === "session") {
      expect([401, 403], `baseline ${route.method} ${route.path} is accepted: ${baseline?.text.slice(0, 200)}`).not.toContain(baseline?.status);
    }

    // Declared params, the proxy's own, and one the route does not declare.
    const queryKeys = [...new Set([...baseQuery(route).map(([k]) => k), ...route.query.map((p) => p.name), "x_undeclared"])].filter((k) => k !== "signature");
    for (const key of queryKeys) {
      // The full product the first time a param is fuzzed behind this kind of credentials
      // (the proxy's own params and the undeclared one recur on every route), a sample after.
      const seenBefore = fuzzedParams.has(`${route.auth}:${key}`);
      fuzzedParams.add(`${route.auth}:${key}`);
      for (const category of seenBefore ? sample(rng, F.QUERY_CATEGORIES, 4) : F.QUERY_CATEGORIES) {
        const { label, query } = F.queryMutation(rng, category, baseQuery(route), key);
        await run(routeCase(route, `query ${category}: ${label}`, () => authedRequest(route, query, basePathValues(route))), failures);
      }
    }
    for (const param of route.pathParams) {
      for (let category = 0; category < F.PATH_CATEGORY_COUNT; category++) {
        const { label, value } = F.pathParamValue(rng, category);
        await run(routeCase(route, `path {${param.name}} ${label}`, () => authedRequest(route, baseQuery(route), { ...basePathValues(route), [param.name]: value })), failures);
      }
    }
    // Other methods on the same path, with a hostile JSON body.
    for (const method of ["POST", "PUT", "PATCH", "DELETE"].filter((m) => m !== route.method)) {
      const body = rng.pick(['{"reward_id":1e309}', F.deepJson(rng), JSON.stringify({ x: F.hugeString(rng, 100_000, 300_000) }), "null"]);
      await run(routeCase(route, `method ${method}`, () => authedRequest(route, baseQuery(route), basePathValues(route), { method, body })), failures);
    }
    // Routes with a JSON body (the merchant and storefront writes): the same field categories.
    if (route.body) {
      const base = exampleBody(route.body);
      const targets = Object.keys(resolve(route.body).properties ?? {}).map((k) => [k]);
      for (const target of targets) {
        for (const category of F.FIELD_CATEGORIES) {
          const { label, replacement } = F.fieldMutation(rng, category, F.at(base, target), "Customer");
          const body = F.render(F.replaceAt(base, target, replacement));
          await run(routeCase(route, `body ${target.join(".")}: ${category}: ${label}`, () => authedRequest(route, baseQuery(route), basePathValues(route), { body })), failures);
        }
      }
      for (const mutate of ROOT_MUTATIONS) {
        const { label, body } = mutate(rng, F.render(base));
        await run(routeCase(route, `body ${label}`, () => authedRequest(route, baseQuery(route), basePathValues(route), { body })), failures);
      }
    }
    report(failures);
  }, TEST_TIMEOUT_MS);

  it("forged credentials", async () => {
    const rng = root.fork(`forged:${route.method} ${route.path}`);
    const failures: string[] = [];
    const init = (): RequestInit => ({ method: route.method, ...(route.body ? { body: "{}", headers: { "content-type": "application/json" } } : {}) });
    if (route.auth === "proxy") {
      for (const [label, forge] of forgeriesFor(route, FORGED_PROXY, rng)) {
        await run(routeCase(route, `forged: ${label}`, async () => new Request(await forge(rng, route), init()), { forged: true }), failures);
      }
      // Validly signed, for a shop that never installed: refused (403), or served by a route meant for it.
      await run(routeCase(route, "valid signature, shop never installed", async () => new Request(await resign(route, (q) => withParam(q, "shop", stranger()), F.SECRET, true), init())), failures);
    } else if (route.auth === "session") {
      await run(
        routeCase(route, "valid token, shop never installed", async () => {
          const request = new Request(`${F.ORIGIN}${fillPath(route, basePathValues(route))}?${F.renderQuery(baseQuery(route))}`, init());
          request.headers.set("authorization", await sessionHeader(stranger()));
          return request;
        }),
        failures,
      );
      for (const [label, forge] of forgeriesFor(route, FORGED_SESSION, rng)) {
        await run(
          routeCase(
            route,
            `forged: ${label}`,
            async () => {
              const authorization = await forge(rng);
              const url = `${F.ORIGIN}${fillPath(route, basePathValues(route))}?${F.renderQuery(baseQuery(route))}`;
              const request = new Request(url, init());
              if (authorization !== null) request.headers.set("authorization", authorization);
              return request;
            },
            { forged: true },
          ),
          failures,
        );
      }
    } else {
      // Admin (Access JWT) and unauthenticated routes: junk credentials of every kind.
      for (const [label, forge] of FORGED_SESSION.slice(0, 12)) {
        await run(
          routeCase(route, `junk credentials: ${label}`, async () => {
            const request = new Request(`${F.ORIGIN}${fillPath(route, basePathValues(route))}`, init());
            const value = await forge(rng);
            if (value !== null) {
              request.headers.set("authorization", value);
              request.headers.set("cf-access-jwt-assertion", value.replace(/^\w+ /, ""));
            }
            return request;
          }, route.auth === "admin" ? { forged: true } : {}),
          failures,
        );
      }
    }
    report(failures);
  }, TEST_TIMEOUT_MS);
});

// --- JSON bodies from the document's schemas (for routes that take one) --------------------

function resolve(schema: JsonSchema): JsonSchema {
  if (schema.$ref) return doc.components?.schemas?.[schema.$ref.split("/").pop()!] ?? {};
  return schema;
}

function exampleBody(schema: JsonSchema, depth = 0): F.Node {
  const s = resolve(schema);
  if (s.example !== undefined) return F.raw(JSON.stringify(s.example));
  if (s.enum?.length) return F.raw(JSON.stringify(s.enum[0]));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === "object" || s.properties) {
    const fields: Record<string, F.Node> = {};
    for (const [key, value] of Object.entries(s.properties ?? {})) {
      if (depth < 4 && (s.required?.includes(key) || depth === 0)) fields[key] = exampleBody(value, depth + 1);
    }
    return F.obj(fields);
  }
  if (type === "array") return F.arr(s.items && depth < 4 ? [exampleBody(s.items, depth + 1)] : []);
  if (type === "integer" || type === "number") return F.raw(String(s.minimum ?? 1));
  if (type === "boolean") return F.raw("true");
  if (type === "null") return F.raw("null");
  return F.str(s.pattern?.includes("\\d") ? C1 : "a");
}

describe("after everything", () => {
  it("every delivery accepted with 2xx reaches the Postgres projection", async () => {
    const failures: string[] = [];
    expect(sinkAccepted.length, "some fuzzed deliveries were valid and accepted").toBeGreaterThan(0);
    await drainSinks(sinkAccepted, failures);
    report(failures);
  }, TEST_TIMEOUT_MS);
});
