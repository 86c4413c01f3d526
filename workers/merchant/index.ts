// The embedded dashboard's API: /v1/api/... scoped to the session token's shop.
import { createRoute, z } from "@hono/zod-openapi";
import { decryptText, emailBlindIndex, emailContext, keyring, type Keyring } from "../../core/crypto";
import { customerAccount } from "../../durable-objects/stubs";
import { withReporting, type Sql } from "../../postgres/client";
import { searchCustomers, type CustomerRow, type CustomerSearch } from "../../postgres/customers";
import { RATE_LIMITS } from "../../core/rate-limits";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { rateLimit } from "../http/rate-limit";
import { createSurface } from "../http/surface";
import { sessionTokenAuth } from "./auth";
import { findProfile, UNREACHABLE } from "./known-customer";
import { registerIntegrationRoutes } from "./integrations";
import { registerPointsRoutes } from "./points";
import { registerProgramRoutes } from "./program";
import { registerRewardRoutes } from "./rewards";
import { registerVipTierRoutes } from "./vip-tiers";
import { registerCampaignRoutes } from "./campaigns";
import { registerSimulateRoute } from "./simulate";
import { registerNoticeRoutes } from "./notices";
import { registerSettingsRoutes } from "./settings";
import { staffRoleGuard } from "./staff-roles";
import { registerPlanRoutes } from "./plan";
import { registerGdprRoutes } from "./gdpr";
import { registerLogRoutes } from "./logs";
import { registerNotificationRoutes } from "./notifications";
import { registerReferralDecisionRoutes } from "./referral-decisions";
import { registerReferralReportRoutes } from "./referrals";
import { registerReferralConfigRoutes } from "./referrals-config";
import { registerDeveloperRoutes } from "./developer";
import { registerWidgetPreviewRoutes } from "./widget-preview";
import { registerCustomerTierRoute } from "./customer-tier";
import { registerExportRoutes } from "./exports";
import { registerAnalyticsRoutes } from "./analytics";
import { log } from "../../core/log";

const CustomerListItemSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    points_balance: z.number().int(),
    total_points_earned: z.number().int(),
    total_points_redeemed: z.number().int(),
  })
  .openapi("MerchantCustomer");

const TransactionSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    points: z.number().int(),
    balance_after: z.number().int(),
    source_type: z.string(),
    source_id: z.string(),
    note: z.string().nullable(),
    snapshot: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
  })
  .openapi("PointsTransaction");

const listRoute = createRoute({
  method: "get",
  path: "/customers",
  summary: "Search the shop's customers (email exact, id exact, or name contains)",
  request: {
    query: z.object({
      search: z
        .string()
        .max(200)
        .regex(/^[^\u0000-\u001f\u007f]*$/, "search must not contain control characters")
        .optional(),
      page: z.coerce.number().int().min(1).max(100_000).default(1),
      per_page: z.coerce.number().int().min(1).max(250).default(25),
    }),
  },
  responses: {
    200: {
      description: "A page of customers",
      content: {
        "application/json": {
          schema: okEnvelope({
            customers: z.array(CustomerListItemSchema),
            total: z.number().int(),
            // false: a name search's matches were counted up to `total` and there are more.
            total_exact: z.boolean(),
            page: z.number().int(),
            per_page: z.number().int(),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 503, 429),
  },
});

const detailRoute = createRoute({
  method: "get",
  path: "/customers/{id}",
  summary: "One customer: balance (from their account) and ledger",
  request: {
    params: z.object({ id: z.string().regex(/^\d{1,20}$/, "customer id must be Shopify's numeric id") }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
  },
  responses: {
    200: {
      description: "Customer and transactions, newest first",
      content: {
        "application/json": {
          schema: okEnvelope({
            customer: CustomerListItemSchema.extend({ total_points_reversed: z.number().int() }),
            transactions: z.array(TransactionSchema),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 404, 429),
  },
});

export const merchant = createSurface([
  sessionTokenAuth(),
  rateLimit([
    { rule: RATE_LIMITS.merchantUser, key: (c) => (c.get("session").userId ? `${c.get("session").shop}:${c.get("session").userId}` : null) },
    { rule: RATE_LIMITS.merchantShop, key: (c) => c.get("session").shop },
  ]),
  staffRoleGuard(),
]);

registerPointsRoutes(merchant);
registerProgramRoutes(merchant);
registerRewardRoutes(merchant);
registerIntegrationRoutes(merchant);
registerVipTierRoutes(merchant);
registerCampaignRoutes(merchant);
registerSimulateRoute(merchant);
registerGdprRoutes(merchant);
registerNoticeRoutes(merchant);
registerSettingsRoutes(merchant);
registerPlanRoutes(merchant);
registerLogRoutes(merchant);
registerNotificationRoutes(merchant);
registerReferralDecisionRoutes(merchant);
registerReferralReportRoutes(merchant);
registerReferralConfigRoutes(merchant);
registerDeveloperRoutes(merchant);
registerWidgetPreviewRoutes(merchant);
registerCustomerTierRoute(merchant);
registerExportRoutes(merchant);
registerAnalyticsRoutes(merchant);

merchant.openapi(listRoute, async (c) => {
  const { shop } = c.get("session");
  const { search, page, per_page } = c.req.valid("query");
  const keys = await keyring(c.env);
  const criteria = await toSearch(search, (email) => emailBlindIndex(keys.current, shop, email));
  const { rows, total, exact } = await reporting(c, (sql) => searchCustomers(sql, shop, criteria, page, per_page));
  const customers = await Promise.all(rows.map((row) => toListItem(row, keys, shop)));
  return c.json(ok({ customers, total, total_exact: exact, page, per_page }), 200);
});

merchant.openapi(detailRoute, async (c) => {
  const { shop } = c.get("session");
  const { id } = c.req.valid("param");
  const { limit } = c.req.valid("query");
  // Calling a customer's object creates it, so the projection is asked first whether the
  // customer exists: an id it does not know answers 404 without an object being made for it
  // (merchants could otherwise create one per id they try). The projection lags the objects by
  // the ledger-events queue, so a customer from the last seconds may 404 briefly; the dashboard
  // finds customers through the list, which is the projection too. When Postgres cannot be
  // reached, the balance is still answered from the object, the source of truth, as before:
  // only then can an unknown id create an (empty) object, at most at the per-user rate limit.
  const profile = await findProfile(c, shop, id);
  if (profile === null) throw new ApiError(404, "customer_not_found", `no customer ${id} in this shop`);
  const account = customerAccount(c.env, shop, id);
  const [summary, ledger] = await Promise.all([account.summary(), account.ledger(limit)]);
  if (profile === UNREACHABLE && ledger.length === 0) throw new ApiError(404, "customer_not_found", `no customer ${id} in this shop`);
  const keys = await keyring(c.env);
  return c.json(
    ok({
      customer: {
        id,
        ...(profile === UNREACHABLE
          ? { email: null, first_name: null, last_name: null }
          : { email: await decryptEmail(profile, keys, shop), first_name: profile.first_name, last_name: profile.last_name }),
        ...summary,
      },
      transactions: ledger.map((entry) => ({ ...entry, snapshot: entry.snapshot as Record<string, unknown> | null })),
    }),
    200,
  );
});

async function reporting<T>(
  c: { env: Env; executionCtx: { waitUntil(p: Promise<unknown>): void } },
  work: (sql: Sql) => Promise<T>,
): Promise<T> {
  try {
    return await withReporting(c.env, c.executionCtx, work);
  } catch (error) {
    log.error("reporting query failed", String(error));
    throw new ApiError(503, "reporting_unavailable", "customer reporting is temporarily unavailable", { "retry-after": "5" });
  }
}

async function toSearch(search: string | undefined, blindIndex: (email: string) => Promise<string>): Promise<CustomerSearch> {
  const text = search?.trim() ?? "";
  if (text === "") return { kind: "all" };
  if (text.includes("@")) return { kind: "email", blindIndex: await blindIndex(text) };
  if (/^\d{1,20}$/.test(text)) return { kind: "id", customerId: text };
  return { kind: "name", text };
}

/** Null when absent or unreadable, e.g. a v1 row the sweeper has not re-encrypted yet. */
async function decryptEmail(row: CustomerRow, keys: Keyring, shop: string) {
  if (!row.email_encrypted) return null;
  try {
    return await decryptText(keys, row.email_encrypted, emailContext(shop, row.customer_id));
  } catch {
    return null;
  }
}

async function toListItem(row: CustomerRow, keys: Keyring, shop: string) {
  return {
    id: row.customer_id,
    email: await decryptEmail(row, keys, shop),
    first_name: row.first_name,
    last_name: row.last_name,
    points_balance: Number(row.points_balance),
    total_points_earned: Number(row.total_points_earned),
    total_points_redeemed: Number(row.total_points_redeemed),
  };
}
