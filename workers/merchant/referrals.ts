// The merchant's referral reports: the shop's referrals, filtered and paged, and their ROI, from
// the Postgres projection (postgres/referrals.ts), this shop only (the session token's).
// Approving or rejecting a held referral lives beside the customer's object.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { ReferralStatus } from "../../core/ledger-events";
import { log } from "../../core/log";
import { ReferralRewardSchema } from "../../core/referral-config";
import { bestPointValue } from "../../core/referral-roi";
import { enabledRewards } from "../../d1/rewards";
import { withReporting, type Sql } from "../../postgres/client";
import { listReferrals, referralRoi } from "../../postgres/referrals";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { isRealInstant } from "./logs";

const REFERRAL_STATUSES = ["pending", "completed", "held", "rejected", "expired", "reversed"] as const satisfies readonly ReferralStatus[];
// Fails to compile when ReferralStatus gains a status this list lacks.
const _everyStatus: Record<ReferralStatus, true> = { pending: true, completed: true, held: true, rejected: true, expired: true, reversed: true };
void _everyStatus;

const customerId = (what: string) => z.string().regex(/^\d{1,20}$/, `${what} must be Shopify's numeric customer id`);
const instant = z.string().refine(isRealInstant, "a real date (YYYY-MM-DD) or an ISO date-time with a zone");
const window = {
  from: instant.optional().openapi({ description: "Included; a date means its start (UTC)" }),
  to: instant.optional().openapi({ description: "Excluded; a date means its start (UTC)" }),
};

const SideRewardSchema = z.object({ reward: ReferralRewardSchema, points: z.number().int(), redemption_id: z.string().nullable() });

const ReferralSchema = z
  .object({
    id: z.string().openapi({ description: "The friend's customer id" }),
    code: z.string(),
    advocate_id: z.string(),
    friend_id: z.string(),
    status: z.enum(REFERRAL_STATUSES),
    score: z.number().int(),
    reasons: z.array(z.object({ code: z.string(), score: z.number().int(), detail: z.string() })),
    bound_via: z.enum(["endpoint", "signup", "order"]),
    program_version: z.number().int(),
    advocate: SideRewardSchema,
    friend: SideRewardSchema,
    order_gid: z.string().nullable(),
    order_subtotal: z.string().nullable(),
    decided_by: z.string().nullable(),
    bound_at: z.string(),
    expires_at: z.string(),
    completed_at: z.string().nullable(),
    updated_at: z.string(),
  })
  .openapi("Referral");

const RoiSchema = z
  .object({
    referrals_completed: z.number().int(),
    revenue: z.string().openapi({ description: "Referred friends' paid orders from each completion on, net of refunds, in the shop's money" }),
    reward_cost: z.string().openapi({ description: "Points given valued at the catalog's best money per point, plus discount codes' face value" }),
    points_given: z.number().int(),
    discounts_given: z.number().int(),
    ratio: z.number().nullable().openapi({ description: "revenue / reward_cost; null when the cost is 0" }),
  })
  .openapi("ReferralRoi");

/** A bad query answers 400 with a code naming the parameter: `invalid_status`, `invalid_per_page`, … */
function queryHook(result: { success: boolean; error?: z.ZodError }): undefined {
  if (result.success || !result.error) return;
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? "");
  const code = field ? `invalid_${field}` : "invalid_request";
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new ApiError(400, code, `${where}${issue?.message ?? "invalid input"}`);
}

function range(from: string | undefined, to: string | undefined): { from: Date | null; to: Date | null } {
  const out = { from: from ? new Date(from) : null, to: to ? new Date(to) : null };
  if (out.from && out.to && out.from >= out.to) throw new ApiError(400, "invalid_range", "from must be before to");
  return out;
}

export function registerReferralReportRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/referrals",
      summary: "The shop's referrals, newest bound first, filtered by status, advocate, friend and the time they were bound",
      request: {
        query: z.object({
          status: z.enum(REFERRAL_STATUSES).optional(),
          advocate_id: customerId("advocate_id").optional(),
          friend_id: customerId("friend_id").optional(),
          ...window,
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          per_page: z.coerce.number().int().min(1).max(100).default(25),
        }),
      },
      responses: {
        200: {
          description: "A page of referrals",
          content: {
            "application/json": {
              schema: okEnvelope({ referrals: z.array(ReferralSchema), total: z.number().int(), page: z.number().int(), per_page: z.number().int() }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 429, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const { from, to } = range(q.from, q.to);
      const filters = { status: q.status, advocateId: q.advocate_id, friendId: q.friend_id, from: from ?? undefined, to: to ?? undefined };
      const { rows, total } = await reporting(c, (sql) => listReferrals(sql, c.get("session").shop, filters, { page: q.page, perPage: q.per_page }));
      return c.json(ok({ referrals: rows, total, page: q.page, per_page: q.per_page }), 200);
    },
    queryHook,
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/referrals/roi",
      summary: "Referral ROI of the referrals completed in the window: their friends' revenue against their rewards' cost (core/referral-roi.ts)",
      request: { query: z.object(window) },
      responses: {
        200: { description: "The referral ROI", content: { "application/json": { schema: okEnvelope({ roi: RoiSchema }) } } },
        ...errorResponses(400, 401, 403, 429, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const { from, to } = range(q.from, q.to);
      const shop = c.get("session").shop;
      const rate = bestPointValue(await enabledRewards(c.env, shop));
      const roi = await reporting(c, (sql) => referralRoi(sql, shop, from, to, rate));
      return c.json(ok({ roi }), 200);
    },
    queryHook,
  );
}

async function reporting<T>(c: { env: Env; executionCtx: { waitUntil(p: Promise<unknown>): void } }, work: (sql: Sql) => Promise<T>): Promise<T> {
  try {
    return await withReporting(c.env, c.executionCtx, work);
  } catch (error) {
    log.error("referrals: reporting query failed", String(error));
    throw new ApiError(503, "reporting_unavailable", "referral reports are temporarily unavailable", { "retry-after": "5" });
  }
}
