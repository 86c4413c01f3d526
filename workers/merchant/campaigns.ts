// The merchant's bonus campaigns: list, create, replace, end early, and each campaign's versions.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { CampaignInputSchema } from "../../core/campaigns";
import { CampaignError, campaignVersionsOf, createCampaign, endCampaign, getCampaign, listCampaigns, updateCampaign } from "../../d1/campaigns";
import { requestDiscountConfigPublish } from "../../queues/jobs";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

const CampaignSchema = z
  .intersection(
    CampaignInputSchema,
    z.object({ id: z.string(), version: z.number().int(), ended_at: z.string().nullable(), created_at: z.string(), updated_at: z.string() }),
  )
  .openapi("Campaign");

const campaignId = z.object({ id: z.string().regex(/^cmp_[0-9a-f]{32}$/, "a campaign id (cmp_…)") });
const json = <T extends z.ZodTypeAny>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const answer = <T extends z.ZodRawShape>(description: string, fields: T) => ({
  description,
  content: { "application/json": { schema: okEnvelope(fields) } },
});

/** Fields whose problems get their own code (`invalid_ends_at`, `invalid_multiplier`, …). */
const NAMED_FIELDS = new Set(["kind", "translations", "starts_at", "ends_at", "eligible_tier_ids", "eligible_segments", "discount", "free_shipping", "multiplier", "stackable", "amount", "days", "points", "action"]);

/** A bad campaign body answers 400 with a code naming the field at fault. */
function campaignBodyHook(result: { success: boolean; target?: string; error?: z.ZodError }): undefined {
  if (result.success || !result.error) return;
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? "");
  const code = result.target === "json" && NAMED_FIELDS.has(field) ? `invalid_${field}` : "invalid_request";
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new ApiError(400, code, `${where}${issue?.message ?? "invalid input"}`);
}

export function registerCampaignRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/campaigns",
      summary: "The shop's bonus campaigns, ended ones included, newest first, a page at a time",
      request: {
        query: z.object({
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          per_page: z.coerce.number().int().min(1).max(250).default(50),
        }),
      },
      responses: {
        200: answer("A page of campaigns", { campaigns: z.array(CampaignSchema), total: z.number().int(), page: z.number().int(), per_page: z.number().int() }),
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { page, per_page } = c.req.valid("query");
      const listed = await listCampaigns(c.env, c.get("session").shop, { page, perPage: per_page });
      return c.json(ok({ ...listed, page, per_page }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "post",
      path: "/campaigns",
      summary: "Add a campaign (version 1)",
      description:
        "kind multiplier { multiplier, stackable } | goal_spend { amount, days, points } | bonus_action { action, points }; " +
        "runs from starts_at (included) to ends_at (excluded, null: open-ended); eligible_tier_ids null: everyone.",
      request: { body: json(CampaignInputSchema) },
      responses: { 201: answer("Created", { campaign: CampaignSchema }), ...errorResponses(400, 401, 403, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const campaign = await campaignWrite(() => createCampaign(c.env, shop, c.req.valid("json"), userId ?? "unknown"));
      recordAudit(c, { action: "campaign.create", subject: { type: "campaign", id: campaign.id }, before: null, after: campaign });
      await campaignsChanged(c.env, shop);
      return c.json(ok({ campaign }), 201);
    },
    campaignBodyHook,
  );

  merchant.openapi(
    createRoute({
      method: "put",
      path: "/campaigns/{id}",
      summary: "Replace a campaign (a new version); send expected_version to refuse a stale edit",
      description: "Orders already earned keep what they earned. A campaign ended early cannot be edited (409 campaign_ended).",
      request: {
        params: campaignId,
        query: z.object({ expected_version: z.coerce.number().int().min(1).optional() }),
        body: json(CampaignInputSchema),
      },
      responses: { 200: answer("Saved", { campaign: CampaignSchema }), ...errorResponses(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const { expected_version } = c.req.valid("query");
      const { id } = c.req.valid("param");
      const before = await getCampaign(c.env, shop, id);
      const campaign = await campaignWrite(() => updateCampaign(c.env, shop, id, c.req.valid("json"), userId ?? "unknown", { expectedVersion: expected_version }));
      recordAudit(c, { action: "campaign.update", subject: { type: "campaign", id }, before, after: campaign });
      await campaignsChanged(c.env, shop);
      return c.json(ok({ campaign }), 200);
    },
    campaignBodyHook,
  );

  merchant.openapi(
    createRoute({
      method: "post",
      path: "/campaigns/{id}/end",
      summary: "End a campaign now (ends_at becomes the time of this request); repeating it changes nothing",
      request: { params: campaignId },
      responses: { 200: answer("Ended", { campaign: CampaignSchema }), ...errorResponses(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const { id } = c.req.valid("param");
      const before = await getCampaign(c.env, shop, id);
      const campaign = await campaignWrite(() => endCampaign(c.env, shop, id, userId ?? "unknown"));
      // Ending again changes nothing: no audit row for a no-op.
      if (before?.ended_at !== campaign.ended_at) recordAudit(c, { action: "campaign.end", subject: { type: "campaign", id }, before, after: campaign });
      await campaignsChanged(c.env, shop);
      return c.json(ok({ campaign }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/campaigns/{id}/versions",
      summary: "Every version of a campaign, newest first, with who changed it",
      request: { params: campaignId },
      responses: {
        200: answer("Versions", {
          versions: z.array(z.object({ version: z.number().int(), change: z.string(), changed_by: z.string(), campaign: CampaignSchema, created_at: z.string() })),
        }),
        ...errorResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { shop } = c.get("session");
      const { id } = c.req.valid("param");
      if (!(await getCampaign(c.env, shop, id))) throw new ApiError(404, "campaign_not_found", `no campaign ${id} in this shop`);
      return c.json(ok({ versions: await campaignVersionsOf(c.env, shop, id) }), 200);
    },
  );
}

/**
 * After any campaign change, once the write committed: the discount Shopify Function's
 * configuration (campaign discounts for eligible customers) is published again by a job
 * (queues/jobs.ts). A lost send leaves the write standing; the next cron tick repeats it.
 */
async function campaignsChanged(env: Env, shop: string): Promise<void> {
  await requestDiscountConfigPublish(env, shop);
}

async function campaignWrite<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof CampaignError)) throw error;
    const status = error.code === "campaign_not_found" ? 404 : error.code === "unknown_tier_id" ? 400 : 409;
    throw new ApiError(status, error.code, error.message);
  }
}
