// GET /v1/gdpr/requests/:id/download?token=…: a data bundle, opened, for whoever holds the link
// the merchant's dashboard listed (workers/merchant/gdpr.ts). Outside the session-token
// surface because a link is clicked (no Authorization header travels with it); the token is
// an HMAC of shop, request and expiry, checked in constant time: 403 when it is wrong, altered
// or expired, 404 when the bundle is gone (the customer was redacted since).
import { createRoute, z } from "@hono/zod-openapi";
import { verifyDownloadToken } from "../core/gdpr";
import { getGdprRequest } from "../d1/gdpr-requests";
import { openBundle } from "../queues/gdpr";
import { ApiError, errorResponses } from "./http/envelope";
import { createSurface } from "./http/surface";

export const gdprDownload = createSurface();

gdprDownload.openapi(
  createRoute({
    method: "get",
    path: "/v1/gdpr/requests/{id}/download",
    summary: "Download a GDPR data bundle through its signed, expiring link",
    request: {
      params: z.object({ id: z.string().uuid("request id must be a UUID") }),
      query: z.object({ token: z.string().min(1, "token is required").max(400) }),
    },
    responses: {
      200: { description: "The bundle (JSON)", content: { "application/json": { schema: z.object({}).passthrough() } } },
      ...errorResponses(400, 403, 404),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { token } = c.req.valid("query");
    const row = await getGdprRequest(c.env, id);
    // The shop the token is checked against is the request's own: a link of one shop opens nothing of another.
    const check = row ? await verifyDownloadToken(c.env.SHOPIFY_API_SECRET, row.shop, row.id, token) : { valid: false as const, reason: "bad_signature" as const };
    if (!check.valid) throw new ApiError(403, check.reason === "expired" ? "link_expired" : "invalid_link", check.reason === "expired" ? "this download link has expired; list the requests again for a fresh one" : "this download link is not valid");
    const text = row!.type === "data_request" ? await openBundle(c.env, row!) : null;
    if (text === null) throw new ApiError(404, "bundle_not_found", "this bundle no longer exists");
    return new Response(text, {
      status: 200,
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="gdpr-${row!.id}.json"`,
        "cache-control": "no-store",
      },
    }) as never;
  },
);
