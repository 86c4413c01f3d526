// POST /v1/api/referrals/:id/approve|reject: the merchant decides a held referral. The id is the
// friend's customer id (a customer is referred at most once); the friend's account holds the
// referral and applies the decision (approve: both sides rewarded under today's program).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { ReferralRecord } from "../../core/ledger-events";
import { getProgram } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

const DecidedReferralSchema = z
  .object({ id: z.string(), status: z.string(), score: z.number().int(), decided_by: z.string().nullable() })
  .openapi("DecidedReferral");

const view = (r: ReferralRecord) => ({ id: r.id, status: r.status, score: r.score, decided_by: r.decided_by });

export function registerReferralDecisionRoutes(merchant: OpenAPIHono<App>): void {
  for (const decision of ["approve", "reject"] as const) {
    merchant.openapi(
      createRoute({
        method: "post",
        path: `/referrals/{id}/${decision}`,
        summary: decision === "approve" ? "Approve a held referral: both sides get their rewards" : "Reject a held referral: nothing is paid",
        description: "Only a held referral can be decided (409 referral_not_held otherwise). A repeat of the same decision answers 409 too, with the referral as it is.",
        request: { params: z.object({ id: z.string().regex(/^\d{1,20}$/, "a referral id is the friend's numeric customer id") }) },
        responses: {
          200: { description: "Decided", content: { "application/json": { schema: okEnvelope({ referral: DecidedReferralSchema }) } } },
          ...errorResponses(400, 401, 403, 404, 409, 429),
        },
      }),
      async (c) => {
        const { shop, userId } = c.get("session");
        const { id } = c.req.valid("param");
        const program = await getProgram(c.env, shop);
        const result = await customerAccount(c.env, shop, id).decideReferral({ shop, customerId: id, decision, by: `merchant:${userId ?? "unknown"}`, program });
        if (result.outcome === "not_found") throw new ApiError(404, "referral_not_found", `no referral ${id} in this shop`);
        if (result.outcome === "not_held") {
          throw new ApiError(409, "referral_not_held", `referral ${id} is ${result.referral.status}: only a held referral can be approved or rejected`);
        }
        recordAudit(c, { action: `referral.${decision}`, subject: { type: "referral", id }, before: { status: "held" }, after: view(result.referral) });
        return c.json(ok({ referral: view(result.referral) }), 200);
      },
    );
  }
}
