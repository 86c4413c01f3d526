// The merchant's hand on points: adjust a customer's balance (with who and why), and the shop's
// expiry policy (points and reward codes). The admin console will call the same adjustment.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { PointsExpirySchema } from "../../core/expiry";
import type { ProgramSettings } from "../../core/program";
import { saveProgramChange } from "../../d1/program";
import { getProgram } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { idempotencyKey } from "../http/idempotency-key";
import { findProfile } from "./known-customer";

const ExpirySettingsSchema = z
  .object({
    points_expiry: PointsExpirySchema,
    return_points_on_code_expiry: z.boolean(),
  })
  .openapi("ExpirySettings");

/** An adjustment's input, the merchant's and the admin console's (workers/admin/points.ts). */
export const ADJUSTMENT_FIELDS = {
  points: z
    .number()
    .int()
    .min(-10_000_000)
    .max(10_000_000)
    .refine((p) => p !== 0, "points must not be zero"),
  reason: z.string().trim().min(1, "say why").max(500),
};

export function registerPointsRoutes(merchant: OpenAPIHono<App>): void {
  const adjustRoute = createRoute({
    method: "post",
    path: "/customers/{id}/adjust",
    summary: "Add (positive) or remove (negative) points by hand; never below zero",
    description: "Send an Idempotency-Key header: the same key applies the adjustment once.",
    request: {
      params: z.object({ id: z.string().regex(/^\d{1,20}$/, "customer id must be Shopify's numeric id") }),
      headers: z.object({ "idempotency-key": z.string().optional() }),
      body: {
        required: true,
        content: {
          "application/json": {
            schema: z.object(ADJUSTMENT_FIELDS).strict(),
          },
        },
      },
    },
    responses: {
      200: {
        description: "Applied (or already applied under this key)",
        content: {
          "application/json": {
            schema: okEnvelope({ entry_id: z.string(), points: z.number().int(), points_balance: z.number().int(), duplicate: z.boolean() }),
          },
        },
      },
      ...errorResponses(400, 401, 403, 404, 422, 429),
    },
  });

  merchant.openapi(adjustRoute, async (c) => {
    const { shop, userId } = c.get("session");
    const { id } = c.req.valid("param");
    // As for the customer detail: an id the shop does not have gets no object. With Postgres
    // down the adjustment goes ahead (the object is the truth; the id is numeric and rate-limited).
    if ((await findProfile(c, shop, id)) === null) throw new ApiError(404, "customer_not_found", `no customer ${id} in this shop`);
    const { points, reason } = c.req.valid("json");
    const requestKey = idempotencyKey(c.req.header("idempotency-key"));
    const program = await getProgram(c.env, shop);
    const result = await customerAccount(c.env, shop, id).adjust({
      shop,
      customerId: id,
      requestKey,
      points,
      reason,
      actor: { type: "merchant", id: userId ?? "unknown" },
      program,
    });
    if (result.outcome === "insufficient_points") {
      throw new ApiError(422, "insufficient_points", `cannot remove ${-points} points: the balance is ${result.balance}`);
    }
    if (result.outcome === "key_reused") {
      throw new ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used for a different adjustment");
    }
    return c.json(
      ok({ entry_id: result.entry_id, points: result.points, points_balance: result.balance, duplicate: result.outcome === "duplicate" }),
      200,
    );
  });

  const readExpiryRoute = createRoute({
    method: "get",
    path: "/points-program/expiry",
    summary: "When points and unused reward codes expire",
    responses: {
      200: { description: "The shop's expiry policy", content: { "application/json": { schema: okEnvelope({ settings: ExpirySettingsSchema, version: z.number().int() }) } } },
      ...errorResponses(401, 403, 429),
    },
  });

  merchant.openapi(readExpiryRoute, async (c) => {
    const program = await getProgram(c.env, c.get("session").shop);
    return c.json(ok({ settings: expirySettings(program), version: program.version }), 200);
  });

  const writeExpiryRoute = createRoute({
    method: "put",
    path: "/points-program/expiry",
    summary: "Change the expiry policy (a new program version; lots already earned keep their dates)",
    request: { body: { required: true, content: { "application/json": { schema: ExpirySettingsSchema.strict() } } } },
    responses: {
      200: { description: "Saved as a new program version", content: { "application/json": { schema: okEnvelope({ settings: ExpirySettingsSchema, version: z.number().int() }) } } },
      ...errorResponses(400, 401, 403, 429),
    },
  });

  merchant.openapi(writeExpiryRoute, async (c) => {
    const settings = c.req.valid("json");
    const { shop, userId } = c.get("session");
    let before: ProgramSettings | null = null;
    const program = await saveProgramChange(
      c.env,
      shop,
      (current) => {
        before = current;
        return { ...current, ...settings };
      },
      { actor: userId ?? "unknown" },
    );
    const expiryView = (p: ProgramSettings) => ({ version: p.version, ...expirySettings(p) });
    recordAudit(c, { action: "program.expiry_update", subject: { type: "program", id: null }, before: before && expiryView(before), after: expiryView(program) });
    return c.json(ok({ settings: expirySettings(program), version: program.version }), 200);
  });
}

function expirySettings(program: { points_expiry: z.infer<typeof PointsExpirySchema>; return_points_on_code_expiry: boolean }) {
  return { points_expiry: program.points_expiry, return_points_on_code_expiry: program.return_points_on_code_expiry };
}
