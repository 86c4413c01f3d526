// GDPR requests, run by the jobs consumer (message `gdpr_request`), each from its
// gdpr_requests row (d1/gdpr-requests.ts). Every step is idempotent, so a retry (the queue's,
// or the sweeper's re-send of a request still open) finishes what a failed try began.
// - data_request → buildBundle: what every store holds on the customer, as JSON, sealed
//   (core/crypto) in R2 at gdpr/<shop>/<request id>.json.sealed; the merchant is told
//   (gdpr_bundle_ready) and downloads it through a signed, expiring link (workers/gdpr-download.ts).
// - redact → redactCustomer: close the account (tombstone: no effect applies any more), file
//   its unconfirmed events and every Postgres row under an anonymous id with the personal
//   columns null (postgres/gdpr.ts: the balance is forfeited, totals stay consistent), erase
//   the object's storage (tombstone kept), delete D1's rows for the customer and their orders
//   (inbox, order index, dead letters) and their bundles in R2.
// - shop_redact → redactShop: ignored (logged, recorded) if the shop is installed again; else
//   every customer's object erased (Postgres customers ∪ D1 order index), the shop's
//   coordinator object emptied (throttle state, a pending sealed token set), every D1 row of the
//   shop (every table with a `shop` column), R2 under the shop's prefixes, every Postgres row;
//   the shop row stays, without tokens, as the tombstone of the installation.
import { exportShopPrefix } from "../core/export-lifecycle";
import { deleteReferralCode, referralCodeOf } from "../d1/referral-codes";
import { and, eq, inArray, isNotNull, ne } from "drizzle-orm";
import { customerKeyedHash, dataKeys, decryptText, emailContext, encryptText, gdprBundleContext, keyring } from "../core/crypto";
import { BUNDLE_SECTIONS, type BundleSection, type DataBundle } from "../core/gdpr";
import type { LedgerEvent } from "../core/ledger-events";
import { parseJsonLossless } from "../core/json";
import { d1 } from "../d1/client";
import {
  claimGdprRequest,
  failGdprRequest,
  finishGdprRequest,
  MAX_ATTEMPTS,
  noteGdprFailure,
  type GdprRequestRow,
} from "../d1/gdpr-requests";
import { openInboxBody } from "../d1/inbox";
import { notifyMerchant } from "../d1/merchant-notices";
import { gdprRequests, orderIndex, shops, webhookInbox } from "../d1/schema";
import type { CustomerAccountExport } from "../durable-objects/customer-account";
import { customerAccount, shopCoordinator } from "../durable-objects/stubs";
import { withReporting, type Sql } from "../postgres/client";
import { anonymiseCustomer, customerProfile, deleteCustomers, deleteShop, refileRedacted, shopCustomerIds, tombstone, type ProfileRow } from "../postgres/gdpr";
import { projectEvents } from "../postgres/projection";
import { deleteDeadLettersFor, deleteDeadLettersOfShop } from "./dead-letters";

export type GdprRunOutcome = "done" | "failed" | "gone";

/** Runs one request. Throws on a passing failure (the job is retried); after MAX_ATTEMPTS it ends `failed`. */
export async function runGdprRequest(env: Env, requestId: string): Promise<GdprRunOutcome> {
  const row = await claimGdprRequest(env, requestId);
  if (!row) return "gone";
  try {
    switch (row.type) {
      case "data_request":
        await buildBundle(env, row);
        break;
      case "redact":
        await redactCustomer(env, row);
        break;
      case "shop_redact":
        await redactShop(env, row);
        break;
    }
    return "done";
  } catch (error) {
    const reason = String(error);
    if (row.attempts >= MAX_ATTEMPTS) {
      console.error(`gdpr: request ${row.id} (${row.type}) failed for good after ${row.attempts} tries`, reason);
      await failGdprRequest(env, row.id, reason);
      return "failed";
    }
    await noteGdprFailure(env, row.id, reason);
    throw error;
  }
}

function requireCustomer(row: GdprRequestRow): string {
  if (!row.customerId) throw new Error(`request ${row.id} names no customer`);
  return row.customerId;
}

// --- Data request ------------------------------------------------------------------------------

interface BundleContext {
  env: Env;
  shop: string;
  customerId: string;
  account: CustomerAccountExport | null;
  profile: ProfileRow | null;
}

/**
 * Where each section comes from. A store not built yet (events) answers an
 * empty list and a note: its issue replaces that one source.
 */
const BUNDLE_SOURCES: Record<BundleSection, (ctx: BundleContext) => Promise<{ data: unknown; note?: string }>> = {
  profile: async ({ env, shop, customerId, profile, account }) => {
    if (!profile) return { data: account ? { customer_id: customerId, ...account.summary } : null, note: profile ? undefined : "no profile in the reporting store" };
    const email = profile.email_encrypted ? await decryptText(await keyring(env), profile.email_encrypted, emailContext(shop, customerId)).catch(() => null) : null;
    return {
      data: {
        customer_id: customerId,
        email,
        first_name: profile.first_name,
        last_name: profile.last_name,
        shopify_created_at: profile.shopify_created_at,
        first_seen_at: profile.created_at,
        points_balance: account?.summary.points_balance ?? Number(profile.points_balance),
        total_points_earned: account?.summary.total_points_earned ?? Number(profile.total_points_earned),
        total_points_redeemed: account?.summary.total_points_redeemed ?? Number(profile.total_points_redeemed),
        total_points_reversed: account?.summary.total_points_reversed ?? Number(profile.total_points_reversed),
      },
    };
  },
  ledger: async ({ account }) => ({ data: account?.ledger ?? [] }),
  orders: async ({ account }) => ({ data: account?.orders ?? [] }),
  redemptions: async ({ account }) => ({ data: account?.redemptions ?? [] }),
  tier_history: async ({ account }) => ({ data: { current: account?.tier ?? null, changes: account?.tier_history ?? [] } }),
  earning_actions: async ({ account }) => ({ data: { awards: account?.earning_actions ?? [], social_follows: account?.social_follows ?? [] } }),
  birthday: async ({ account }) => ({ data: account?.birthday ?? null }),
  referrals: async ({ env, shop, customerId, account }) => ({
    data: { code: await referralCodeOf(env, shop, customerId), as_friend: account?.referrals.as_friend ?? null, as_advocate: account?.referrals.as_advocate ?? [] },
  }),
  notifications: async ({ account }) => ({ data: { contact: account?.contact ?? null, sent: account?.notifications ?? [] } }),
  events: async () => ({ data: [], note: "no activity events are stored yet" }),
};

export function bundleKey(shop: string, requestId: string): string {
  return `gdpr/${shop}/${requestId}.json.sealed`;
}

async function buildBundle(env: Env, row: GdprRequestRow): Promise<void> {
  const customerId = requireCustomer(row);
  const account = (await customerAccount(env, row.shop, customerId).gdprExport()) as CustomerAccountExport | null;
  const profile = await withReporting(env, null, (sql) => customerProfile(sql, row.shop, customerId));
  const ctx: BundleContext = { env, shop: row.shop, customerId, account, profile };
  const bundle: DataBundle = { format: "loyalnest-gdpr-bundle/1", shop: row.shop, customer_id: customerId, request_id: row.id, generated_at: new Date().toISOString(), sections: {} as DataBundle["sections"], notes: {} };
  for (const section of BUNDLE_SECTIONS) {
    const { data, note } = await BUNDLE_SOURCES[section](ctx);
    bundle.sections[section] = data;
    if (note) bundle.notes[section] = note;
  }
  const key = bundleKey(row.shop, row.id);
  const sealed = await encryptText(await dataKeys(env.ENCRYPTION_KEY), JSON.stringify(bundle), gdprBundleContext(row.shop, row.id));
  await env.FILES.put(key, sealed, { httpMetadata: { contentType: "text/plain" } });
  await finishGdprRequest(env, row.id, { bundleKey: key });
  await notifyMerchant(env, row.shop, { kind: "gdpr_bundle_ready", dedupeKey: `gdpr_bundle_ready:${row.id}`, details: { request_id: row.id, ledger_entries: account?.ledger.length ?? 0 } });
}

/** The bundle's JSON text, opened (workers/gdpr-download.ts). Null when it is gone. */
export async function openBundle(env: Env, row: GdprRequestRow): Promise<string | null> {
  if (!row.bundleKey) return null;
  const object = await env.FILES.get(row.bundleKey);
  if (!object) return null;
  return decryptText(await keyring(env), await object.text(), gdprBundleContext(row.shop, row.id));
}

// --- Customer redaction ------------------------------------------------------------------------

async function redactCustomer(env: Env, row: GdprRequestRow): Promise<void> {
  const customerId = requireCustomer(row);
  const keys = await dataKeys(env.ENCRYPTION_KEY);
  const hash = row.customerHash ?? (await customerKeyedHash(keys, row.shop, customerId));
  const account = customerAccount(env, row.shop, customerId);
  // 1. Closed first: from here no effect applies, so what is read next is final.
  const { pendingEvents } = await account.gdprClose();
  // 2. Postgres: tombstone, the unconfirmed events filed under the anonymous id, every row anonymised.
  const forfeited = await withReporting(env, null, async (sql) => {
    const anonymousId = await tombstone(sql, row.shop, hash);
    await projectPending(sql, pendingEvents, (shop, id) => customerKeyedHash(keys, shop, id));
    return (await anonymiseCustomer(sql, row.shop, customerId, anonymousId, row.id)).forfeited;
  });
  // 3. The object's storage, files included.
  await account.gdprErase({ tombstone: true });
  // 4. D1: their orders' rows, their parked deliveries, their dead letters, their referral code.
  const orders = await ordersOf(env, row, customerId);
  await deleteInboxRows(env, row.shop, customerId, orders);
  await d1(env).delete(orderIndex).where(and(eq(orderIndex.shop, row.shop), eq(orderIndex.customerId, customerId))).run();
  for (let i = 0; i < orders.length; i += 90) {
    await d1(env).delete(orderIndex).where(and(eq(orderIndex.shop, row.shop), inArray(orderIndex.orderGid, orders.slice(i, i + 90)))).run();
  }
  await deleteDeadLettersFor(env, row.shop, customerId);
  await deleteReferralCode(env, row.shop, customerId);
  // 5. R2: their data bundles.
  await deleteBundlesOf(env, row.shop, hash);
  await finishGdprRequest(env, row.id, { reason: forfeited > 0 ? `balance of ${forfeited} points forfeited` : null });
  await notifyMerchant(env, row.shop, { kind: "gdpr_request_done", dedupeKey: `gdpr_request_done:${row.id}`, details: { request_id: row.id, type: row.type } });
}

async function projectPending(sql: Sql, events: LedgerEvent[], hashOf: (shop: string, id: string) => Promise<string>): Promise<void> {
  const reporting = events.filter((e) => e.type !== "order_seen");
  if (reporting.length) await projectEvents(sql, await refileRedacted(sql, reporting, hashOf));
}

/** The order gids the request names (orders_to_redact) and the ones the order index holds for the customer. */
async function ordersOf(env: Env, row: GdprRequestRow, customerId: string): Promise<string[]> {
  const named = row.orders ? (JSON.parse(row.orders) as string[]).map((id) => `gid://shopify/Order/${id}`) : [];
  const indexed = await d1(env).select({ gid: orderIndex.orderGid }).from(orderIndex).where(and(eq(orderIndex.shop, row.shop), eq(orderIndex.customerId, customerId))).all();
  return [...new Set([...named, ...indexed.map((r) => r.gid)])];
}

/** Inbox rows of their orders, and open rows whose (sealed) body names the customer. */
async function deleteInboxRows(env: Env, shop: string, customerId: string, orders: string[]): Promise<void> {
  for (let i = 0; i < orders.length; i += 90) {
    await d1(env).delete(webhookInbox).where(and(eq(webhookInbox.shop, shop), inArray(webhookInbox.orderGid, orders.slice(i, i + 90)))).run();
  }
  const open = await d1(env)
    .select({ id: webhookInbox.id, shop: webhookInbox.shop, body: webhookInbox.body })
    .from(webhookInbox)
    .where(and(eq(webhookInbox.shop, shop), inArray(webhookInbox.status, ["pending", "parked"]), ne(webhookInbox.body, "")))
    .all();
  const naming: number[] = [];
  for (const entry of open) {
    const body = await openInboxBody(env, entry).then((text) => parseJsonLossless(text) as Record<string, unknown>).catch(() => null);
    if (body && namesCustomer(body, customerId)) naming.push(entry.id);
  }
  for (let i = 0; i < naming.length; i += 90) await d1(env).delete(webhookInbox).where(inArray(webhookInbox.id, naming.slice(i, i + 90))).run();
}

function namesCustomer(body: Record<string, unknown>, customerId: string): boolean {
  const gid = `gid://shopify/Customer/${customerId}`;
  const customer = body.customer as { admin_graphql_api_id?: unknown; id?: unknown } | null | undefined;
  return body.admin_graphql_api_id === gid || String(body.customer_id ?? "") === customerId || customer?.admin_graphql_api_id === gid || String(customer?.id ?? "") === customerId;
}

async function deleteBundlesOf(env: Env, shop: string, customerHash: string): Promise<void> {
  const rows = await d1(env)
    .select({ id: gdprRequests.id, key: gdprRequests.bundleKey })
    .from(gdprRequests)
    .where(and(eq(gdprRequests.shop, shop), eq(gdprRequests.customerHash, customerHash), isNotNull(gdprRequests.bundleKey)))
    .all();
  for (const r of rows) {
    await env.FILES.delete(r.key!);
    await d1(env).update(gdprRequests).set({ bundleKey: null }).where(eq(gdprRequests.id, r.id)).run();
  }
}

// --- Shop redaction ----------------------------------------------------------------------------

/** Customers erased per round; rounds go on until neither store names one. */
const SHOP_REDACT_PAGE = 100;

async function redactShop(env: Env, row: GdprRequestRow): Promise<void> {
  const shop = await d1(env).select().from(shops).where(eq(shops.domain, row.shop)).get();
  if (shop?.status === "installed") {
    console.warn(`gdpr: shop/redact for ${row.shop} ignored: the shop is installed again`);
    await finishGdprRequest(env, row.id, { reason: "ignored: the shop is installed again" });
    return;
  }
  await withReporting(env, null, async (sql) => {
    for (;;) {
      const fromPostgres = await shopCustomerIds(sql, row.shop, SHOP_REDACT_PAGE);
      const fromIndex = await d1(env)
        .selectDistinct({ id: orderIndex.customerId })
        .from(orderIndex)
        .where(and(eq(orderIndex.shop, row.shop), ne(orderIndex.customerId, "")))
        .limit(SHOP_REDACT_PAGE)
        .all();
      const ids = [...new Set([...fromPostgres, ...fromIndex.map((r) => r.id)])];
      if (ids.length === 0) break;
      for (let i = 0; i < ids.length; i += 10) {
        await Promise.all(ids.slice(i, i + 10).map((id) => customerAccount(env, row.shop, id).gdprErase({ tombstone: false })));
      }
      await deleteCustomers(sql, row.shop, ids);
      for (let i = 0; i < ids.length; i += 90) {
        await d1(env).delete(orderIndex).where(and(eq(orderIndex.shop, row.shop), inArray(orderIndex.customerId, ids.slice(i, i + 90)))).run();
      }
    }
    await deleteShop(sql, row.shop);
  });
  await shopCoordinator(env, row.shop).forget();
  await deleteShopRowsInD1(env, row.shop);
  await deleteDeadLettersOfShop(env, row.shop);
  for (const prefix of [`gdpr/${row.shop}/`, exportShopPrefix(row.shop), `${row.shop}/`]) await deleteR2Prefix(env, prefix);
  await d1(env).update(gdprRequests).set({ bundleKey: null }).where(eq(gdprRequests.shop, row.shop)).run();
  await finishGdprRequest(env, row.id, {});
}

/** Tables kept: the shop row (the tombstone, tokens cleared below) and the GDPR record itself. */
const KEPT_TABLES = new Set(["shops", "gdpr_requests", "d1_migrations", "_cf_KV", "_cf_METADATA"]);

/** Every row of the shop in every D1 table with a `shop` column (tables added later included). */
async function deleteShopRowsInD1(env: Env, shop: string): Promise<void> {
  const statements = (await tablesWithShopColumn(env)).filter((name) => !KEPT_TABLES.has(name)).map((name) => env.DB.prepare(`DELETE FROM "${name.replaceAll('"', '""')}" WHERE shop = ?`).bind(shop));
  statements.push(
    env.DB.prepare(`UPDATE shops SET access_token_encrypted = NULL, refresh_token_encrypted = NULL, access_token_expires_at = NULL, updated_at = ? WHERE domain = ?`).bind(Date.now(), shop),
  );
  await env.DB.batch(statements);
}

/** D1 refuses pragma functions: the column is read from each table's CREATE statement. */
export async function tablesWithShopColumn(env: Pick<Env, "DB">): Promise<string[]> {
  const { results } = await env.DB.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL`).all<{ name: string; sql: string }>();
  return results.filter((t) => /[(,]\s*[`"]?shop[`"]?\s+text/i.test(t.sql)).map((t) => t.name);
}

async function deleteR2Prefix(env: Env, prefix: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ prefix, cursor, limit: 1000 });
    if (page.objects.length) await env.FILES.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}
