// The merchant's VIP tiers: list, create, replace, disable, and each tier's versions.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { TIER_LANGUAGES, VipTierInputSchema, displayThreshold, storedThreshold, type VipTier, type VipTierInput } from "../../core/tiers";
import { getReward } from "../../d1/rewards";
import { getProgram } from "../../d1/shops";
import { TierError, createTier, disableTier, getTier, listTiers, tierVersionsOf, updateTier } from "../../d1/vip-tiers";
import { requestDiscountConfigPublish } from "../../queues/jobs";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

const TierTextSchema = z.object({ name: z.string(), perks: z.array(z.string()) });
const VipTierSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    translations: z.object(Object.fromEntries(TIER_LANGUAGES.map((l) => [l, l === "en" ? TierTextSchema : TierTextSchema.optional()]))),
    basis: z.enum(["points", "spend"]),
    /** Points (integer), or spend ("500.00") in the shop's currency. */
    threshold: z.union([z.number().int(), z.string()]),
    earn_multiplier: z.number(),
    entry_reward_id: z.string().nullable(),
    discount: z.object({ percentage: z.string() }).nullable(),
    free_shipping: z.boolean(),
    sort: z.number().int(),
    enabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("VipTier");

/** The API's view: the threshold as merchants write it. */
function view(tier: VipTier) {
  return { ...tier, threshold: displayThreshold(tier.basis, tier.threshold) };
}

const tierId = z.object({ id: z.string().min(1).max(100) });
const json = <T extends z.ZodTypeAny>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const answer = <T extends z.ZodRawShape>(description: string, fields: T) => ({
  description,
  content: { "application/json": { schema: okEnvelope(fields) } },
});

export function registerVipTierRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/vip-tiers",
      summary: "The shop's VIP tiers, enabled and disabled",
      responses: { 200: answer("The tiers", { tiers: z.array(VipTierSchema) }), ...errorResponses(401, 403, 429) },
    }),
    async (c) => c.json(ok({ tiers: (await listTiers(c.env, c.get("session").shop)).map(view) }), 200),
  );

  merchant.openapi(
    createRoute({
      method: "post",
      path: "/vip-tiers",
      summary: "Add a tier (version 1); its threshold is in the program's tier basis",
      request: { body: json(VipTierInputSchema) },
      responses: { 201: answer("Created", { tier: VipTierSchema }), ...errorResponses(400, 401, 403, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const input = c.req.valid("json");
      await requireProgramBasis(c.env, shop, input);
      await requireEntryReward(c.env, shop, input);
      const tier = await tiers(() => createTier(c.env, shop, input, userId ?? "unknown"));
      recordAudit(c, { action: "vip_tier.create", subject: { type: "vip_tier", id: tier.id }, before: null, after: view(tier) });
      await afterTiersChanged(c.env, shop);
      return c.json(ok({ tier: view(tier) }), 201);
    },
  );

  merchant.openapi(
    createRoute({
      method: "put",
      path: "/vip-tiers/{id}",
      summary: "Replace a tier (a new version); send expected_version to refuse a stale edit",
      description: "Customers holding the tier keep it until the program's downgrade policy moves them.",
      request: {
        params: tierId,
        query: z.object({ expected_version: z.coerce.number().int().min(1).optional() }),
        body: json(VipTierInputSchema),
      },
      responses: { 200: answer("Saved", { tier: VipTierSchema }), ...errorResponses(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const input = c.req.valid("json");
      await requireProgramBasis(c.env, shop, input);
      await requireEntryReward(c.env, shop, input);
      const { expected_version } = c.req.valid("query");
      const { id } = c.req.valid("param");
      const before = await getTier(c.env, shop, id);
      const tier = await tiers(() => updateTier(c.env, shop, id, input, userId ?? "unknown", { expectedVersion: expected_version }));
      recordAudit(c, { action: "vip_tier.update", subject: { type: "vip_tier", id }, before: before && view(before), after: view(tier) });
      await afterTiersChanged(c.env, shop);
      return c.json(ok({ tier: view(tier) }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "delete",
      path: "/vip-tiers/{id}",
      summary: "Disable a tier: no longer reached; its members move to the highest enabled tier at or below it",
      request: { params: tierId },
      responses: { 200: answer("Disabled", { tier: VipTierSchema }), ...errorResponses(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const { id } = c.req.valid("param");
      const before = await getTier(c.env, shop, id);
      const tier = await tiers(() => disableTier(c.env, shop, id, userId ?? "unknown"));
      recordAudit(c, { action: "vip_tier.disable", subject: { type: "vip_tier", id }, before: before && view(before), after: view(tier) });
      await afterTiersChanged(c.env, shop);
      return c.json(ok({ tier: view(tier) }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/vip-tiers/{id}/versions",
      summary: "Every version of a tier, newest first, with who changed it",
      request: { params: tierId },
      responses: {
        200: answer("Versions", {
          versions: z.array(z.object({ version: z.number().int(), change: z.string(), changed_by: z.string(), tier: VipTierSchema, created_at: z.string() })),
        }),
        ...errorResponses(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { shop } = c.get("session");
      const { id } = c.req.valid("param");
      if (!(await getTier(c.env, shop, id))) throw new ApiError(404, "tier_not_found", `no tier ${id} in this shop`);
      const versions = await tierVersionsOf(c.env, shop, id);
      return c.json(ok({ versions: versions.map((v) => ({ ...v, tier: view(v.tier) })) }), 200);
    },
  );
}

/** Thresholds are written in the program's basis: points as an integer, spend as "500.00". */
async function requireProgramBasis(env: Env, shop: string, input: VipTierInput): Promise<void> {
  const { basis } = (await getProgram(env, shop)).tier_policy;
  if (storedThreshold(input.threshold).basis !== basis) {
    throw new ApiError(
      400,
      "threshold_basis_mismatch",
      basis === "points" ? "the program's tiers count points: the threshold is a whole number of points" : 'the program\'s tiers count spend: the threshold is an amount like "500.00"',
    );
  }
}

/** An entry reward is one of this shop's enabled rewards with a fixed value (not points_to_money). */
async function requireEntryReward(env: Env, shop: string, input: VipTierInput): Promise<void> {
  if (input.entry_reward_id === null) return;
  const reward = await getReward(env, shop, input.entry_reward_id);
  if (!reward || !reward.enabled || reward.type === "points_to_money") {
    throw new ApiError(
      400,
      "entry_reward_invalid",
      !reward ? `no reward ${input.entry_reward_id} in this shop` : !reward.enabled ? "the entry reward is disabled" : "a points_to_money reward has no value at 0 points",
    );
  }
}

/**
 * Every change of the shop's tiers ends here, after the write committed. The discount Function
 * reads the tiers' discount and free-shipping perks from a metafield: a job publishes it again
 * (queues/jobs.ts). A lost send leaves the write standing; the next cron tick repeats it.
 */
async function afterTiersChanged(env: Env, shop: string): Promise<void> {
  await requestDiscountConfigPublish(env, shop);
}

async function tiers<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof TierError) {
      const status = error.code === "tier_not_found" ? 404 : error.code === "threshold_basis_mismatch" ? 400 : 409;
      throw new ApiError(status, error.code, error.message);
    }
    throw error;
  }
}
