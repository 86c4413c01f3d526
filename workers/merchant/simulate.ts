// POST /v1/api/points-program/simulate: what a proposed settings, tier or campaign change would
// do, to a sample order and across the shop's customers, before anything is saved.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { formatMills, parseAmountToMills } from "../../core/money";
import { ProgramPatchSchema } from "../../core/program-api";
import {
  applyCampaignChanges,
  applyProgramChange,
  CampaignChangesSchema,
  pointsPer100,
  sampleEarn,
  SIMULATE_WINDOW_DAYS,
  applyTierChanges,
  TierChangesSchema,
  tierIdsOf,
  tierMoves,
  type EarnRules,
  type GoalSpendState,
} from "../../core/simulate";
import { campaignsForEarning } from "../../d1/campaigns";
import { getProgram } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import { withReporting } from "../../postgres/client";
import { customersByTier, recentOrders } from "../../postgres/simulate";
import { shopTiers } from "../../d1/vip-tiers";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { findProfile, UNREACHABLE } from "./known-customer";
import { log } from "../../core/log";

const Amount = z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, 'an amount like "50.00"');
const Instant = z.iso.datetime({ offset: true });

const SimulateRequestSchema = z
  .object({
    /** A program change: the body PUT /v1/api/points-program would take. */
    program: ProgramPatchSchema.optional(),
    /** Proposed tier changes, as the /vip-tiers routes would make them. */
    tiers: TierChangesSchema.optional(),
    campaigns: CampaignChangesSchema.optional(),
    sample_order: z
      .object({
        subtotal: Amount,
        shipping: Amount.optional(),
        tax: Amount.optional(),
        /** Prices include tax (the tax is then never added to the earn base). */
        taxes_included: z.boolean().optional(),
        /** When it is placed (campaigns are judged then); default: now. */
        placed_at: Instant.optional(),
        /** The customer placing it (their tier); default: a new customer. */
        customer_id: z.string().regex(/^\d{1,20}$/, "customer id must be Shopify's numeric id").optional(),
      })
      .strict()
      .optional(),
    /** The moment the shop-wide figures judge campaigns at; default: the sample's placed_at, else now. */
    at: Instant.optional(),
  })
  .strict();

/** points: the order's own (its snapshot); campaign_bonuses: goal-spend bonuses it reaches; total_points: what orders/paid answers. */
const Breakdown = z.object({
  points: z.number().int(),
  campaign_bonuses: z.array(z.object({ campaign_id: z.string(), campaign_version: z.number().int(), points: z.number().int() })),
  total_points: z.number().int(),
  snapshot: z.record(z.string(), z.unknown()),
});
const Per100 = z.number().nullable();

const simulateRoute = createRoute({
  method: "post",
  path: "/points-program/simulate",
  summary: "Dry run: what a proposed program, tier or campaign change would earn, before it is saved",
  description:
    `sample: the sample order's points now and as proposed, with the rule snapshot each would record, and the goal-spend campaign bonuses it would reach. customers: tier moves over the ` +
    `projection's customers (lifetime points). points_per_100: points per 100 units of the earn base over the earn entries of the last ` +
    `${SIMULATE_WINDOW_DAYS} days, each order judged at \`at\` for its customer as they stand now (goal-spend bonuses not included there).`,
  request: { body: { required: true, content: { "application/json": { schema: SimulateRequestSchema } } } },
  responses: {
    200: {
      description: "The dry run's answer",
      content: {
        "application/json": {
          schema: okEnvelope({
            at: z.string(),
            sample: z
              .object({ customer_id: z.string().nullable(), placed_at: z.string(), earn_base: z.string(), now: Breakdown, proposed: Breakdown })
              .nullable(),
            customers: z.object({
              total: z.number().int(),
              /** null: the tier policy's value (spend, or a period) lives in the objects alone, not the projection. */
              tier_moves: z.array(z.object({ from: z.string().nullable(), to: z.string().nullable(), count: z.number().int() })).nullable(),
              moved: z.number().int().nullable(),
            }),
            points_per_100: z.object({ now: Per100, proposed: Per100, window_days: z.number().int(), orders: z.number().int(), sales: z.string() }),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 404, 429, 503),
  },
});

export function registerSimulateRoute(merchant: OpenAPIHono<App>): void {
  merchant.openapi(simulateRoute, async (c) => {
    const { shop } = c.get("session");
    const body = c.req.valid("json");
    const now = Date.now();
    const [program, campaigns, tiers] = await Promise.all([getProgram(c.env, shop), campaignsForEarning(c.env, shop), shopTiers(c.env, shop)]);
    const current: EarnRules = { program, campaigns, tiers };
    const proposed = proposedRules(current, body, now);

    const at = body.at ? Date.parse(body.at) : body.sample_order?.placed_at ? Date.parse(body.sample_order.placed_at) : now;
    const since = new Date(now - SIMULATE_WINDOW_DAYS * 86_400_000);
    const { groups, recent } = await reporting(c, async (sql) => ({
      groups: await customersByTier(sql, shop),
      recent: await recentOrders(sql, shop, since),
    }));
    const moves = tierMoves(groups, current, proposed, at);
    const perNow = pointsPer100(recent, current, at);
    const perProposed = pointsPer100(recent, proposed, at);

    return c.json(
      ok({
        at: new Date(at).toISOString(),
        sample: body.sample_order ? await sample(c, shop, body.sample_order, current, proposed, now) : null,
        customers: {
          total: groups.reduce((sum, g) => sum + g.customers, 0),
          tier_moves: moves,
          moved: moves === null ? null : moves.reduce((sum, m) => sum + m.count, 0),
        },
        points_per_100: {
          now: perNow.per_100,
          proposed: perProposed.per_100,
          window_days: SIMULATE_WINDOW_DAYS,
          orders: recent.reduce((sum, r) => sum + r.orders, 0),
          sales: formatMills(perNow.sales_mills),
        },
      }),
      200,
    );
  });
}

type SimulateRequest = z.infer<typeof SimulateRequestSchema>;

/** The rules as saving the change would leave them; a change that would not save answers 400. */
function proposedRules(current: EarnRules, body: SimulateRequest, now: number): EarnRules {
  const parsed = applyProgramChange(current.program, body.program ?? {});
  if (!parsed.ok) throw new ApiError(400, "invalid_program", `program.${parsed.path}: ${parsed.message}`);
  const program = parsed.program;
  const tiers = body.tiers ? applyTierChanges(current.tiers, body.tiers, now) : [...current.tiers];
  if (!Array.isArray(tiers)) throw new ApiError(404, tiers.code, tiers.message);
  const campaigns = body.campaigns ? applyCampaignChanges(current.campaigns, body.campaigns, now) : [...current.campaigns];
  if (!Array.isArray(campaigns)) throw new ApiError(400, campaigns.code, campaigns.message);
  // As saving would: a campaign may name only the (proposed) enabled tiers.
  const known = tierIdsOf(tiers);
  const changed = [...(body.campaigns?.create ?? []), ...(body.campaigns?.update ?? []).map((u) => u.campaign)];
  const unknown = changed.flatMap((c) => (c.eligible_tier_ids ?? []).filter((id) => !known.has(id)));
  if (unknown.length > 0) throw new ApiError(400, "unknown_tier_id", `campaigns: no tier ${unknown.join(", ")} in the proposed tiers`);
  return { program, campaigns, tiers };
}

async function sample(
  c: Context<App>,
  shop: string,
  order: NonNullable<SimulateRequest["sample_order"]>,
  current: EarnRules,
  proposed: EarnRules,
  now: number,
) {
  const amounts = {
    baseMills: parseAmountToMills(order.subtotal)!,
    shippingMills: parseAmountToMills(order.shipping ?? "0")!,
    taxMills: parseAmountToMills(order.tax ?? "0")!,
    taxesIncluded: order.taxes_included ?? false,
  };
  const placedAt = order.placed_at ? Date.parse(order.placed_at) : now;
  let customer = { held: null as string | null, value: 0 };
  let states: [GoalSpendState | null, GoalSpendState | null] = [null, null];
  if (order.customer_id) {
    // Asked of the projection first: calling an object creates it (workers/merchant/index.ts).
    const profile = await findProfile(c, shop, order.customer_id);
    if (profile === null) throw new ApiError(404, "customer_not_found", `no customer ${order.customer_id} in this shop`);
    if (profile === UNREACHABLE) throw new ApiError(503, "reporting_unavailable", "customer reporting is temporarily unavailable", { "retry-after": "5" });
    const account = customerAccount(c.env, shop, order.customer_id);
    // The tier the object holds now (a change due is applied first), and the value it judged.
    const held = await account.heldTier({ shop, customerId: order.customer_id, tiers: [...current.tiers], program: current.program });
    customer = { held: held.tier_id, value: held.value };
    states = await Promise.all([account.goalSpendState([...current.campaigns], placedAt), account.goalSpendState([...proposed.campaigns], placedAt)]);
  }
  const before = sampleEarn(current, amounts, customer, placedAt, states[0]);
  const after = sampleEarn(proposed, amounts, customer, placedAt, states[1]);
  const breakdown = (earn: typeof before) => ({
    points: earn.points,
    campaign_bonuses: earn.bonuses,
    total_points: earn.points + earn.bonuses.reduce((sum, b) => sum + b.points, 0),
    snapshot: { ...earn.snapshot } as Record<string, unknown>,
  });
  return {
    customer_id: order.customer_id ?? null,
    placed_at: new Date(placedAt).toISOString(),
    earn_base: formatMills(after.base_mills),
    now: breakdown(before),
    proposed: breakdown(after),
  };
}

async function reporting<T>(c: Context<App>, work: Parameters<typeof withReporting<T>>[2]): Promise<T> {
  try {
    return await withReporting(c.env, c.executionCtx, work);
  } catch (error) {
    log.error("simulate: reporting query failed", String(error));
    throw new ApiError(503, "reporting_unavailable", "customer reporting is temporarily unavailable", { "retry-after": "5" });
  }
}
