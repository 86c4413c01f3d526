// The merchant's rewards catalog: list, create, replace, disable, and each reward's versions.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { REWARD_TYPES, RewardInputSchema, RewardTranslationSchema } from "../../core/rewards";
import { CatalogError, createReward, disableReward, getReward, listRewards, rewardVersionsOf, updateReward } from "../../d1/rewards";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

const RewardSchema = z
  .object({
    reward_id: z.string(),
    version: z.number().int(),
    type: z.enum(REWARD_TYPES),
    points_cost: z.number().int(),
    value: z.string().nullable(),
    min_points: z.number().int().nullable(),
    max_points: z.number().int().nullable(),
    product_variant_gid: z.string().nullable(),
    min_order_subtotal: z.string().nullable(),
    code_expiry_days: z.number().int().nullable(),
    enabled: z.boolean(),
    sort: z.number().int(),
    translations: z.object({ en: RewardTranslationSchema, es: RewardTranslationSchema.optional(), fr: RewardTranslationSchema.optional() }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Reward");

const rewardId = z.object({ id: z.string().min(1).max(200) });
const json = <T extends z.ZodTypeAny>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const answer = <T extends z.ZodRawShape>(description: string, fields: T) => ({
  description,
  content: { "application/json": { schema: okEnvelope(fields) } },
});

export function registerRewardRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/rewards",
      summary: "The shop's rewards, enabled and disabled",
      responses: { 200: answer("The catalog", { rewards: z.array(RewardSchema) }), ...errorResponses(401, 403, 429) },
    }),
    async (c) => c.json(ok({ rewards: await listRewards(c.env, c.get("session").shop) }), 200),
  );

  merchant.openapi(
    createRoute({
      method: "post",
      path: "/rewards",
      summary: "Add a reward (version 1)",
      request: { body: json(RewardInputSchema) },
      responses: { 201: answer("Created", { reward: RewardSchema }), ...errorResponses(400, 401, 403, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const reward = await catalog(() => createReward(c.env, shop, c.req.valid("json"), userId ?? "unknown"));
      recordAudit(c, { action: "reward.create", subject: { type: "reward", id: reward.reward_id }, before: null, after: reward });
      return c.json(ok({ reward }), 201);
    },
  );

  merchant.openapi(
    createRoute({
      method: "put",
      path: "/rewards/{id}",
      summary: "Replace a reward (a new version); send expected_version to refuse a stale edit",
      description: "Codes already issued keep the terms they were issued with.",
      request: {
        params: rewardId,
        query: z.object({ expected_version: z.coerce.number().int().min(1).optional() }),
        body: json(RewardInputSchema),
      },
      responses: { 200: answer("Saved", { reward: RewardSchema }), ...errorResponses(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const { expected_version } = c.req.valid("query");
      const { id } = c.req.valid("param");
      // Read before the write for the audit's "before": a concurrent edit in between shows as a
      // version gap between before and after.
      const before = await getReward(c.env, shop, id);
      const reward = await catalog(() => updateReward(c.env, shop, id, c.req.valid("json"), userId ?? "unknown", { expectedVersion: expected_version }));
      recordAudit(c, { action: "reward.update", subject: { type: "reward", id }, before, after: reward });
      return c.json(ok({ reward }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "delete",
      path: "/rewards/{id}",
      summary: "Disable a reward: no longer offered; codes already issued stay valid",
      request: { params: rewardId },
      responses: { 200: answer("Disabled", { reward: RewardSchema }), ...errorResponses(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const { id } = c.req.valid("param");
      const before = await getReward(c.env, shop, id);
      const reward = await catalog(() => disableReward(c.env, shop, id, userId ?? "unknown"));
      recordAudit(c, { action: "reward.disable", subject: { type: "reward", id }, before, after: reward });
      return c.json(ok({ reward }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/rewards/{id}/versions",
      summary: "Every version of a reward, newest first, with who changed it",
      request: { params: rewardId },
      responses: {
        200: answer("Versions", {
          versions: z.array(z.object({ version: z.number().int(), change: z.string(), changed_by: z.string(), reward: RewardSchema, created_at: z.string() })),
        }),
        ...errorResponses(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { shop } = c.get("session");
      const { id } = c.req.valid("param");
      if (!(await getReward(c.env, shop, id))) throw new ApiError(404, "reward_not_found", `no reward ${id} in this shop`);
      return c.json(ok({ versions: await rewardVersionsOf(c.env, shop, id) }), 200);
    },
  );
}

async function catalog<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof CatalogError) throw new ApiError(error.code === "reward_not_found" ? 404 : 409, error.code, error.message);
    throw error;
  }
}
