// Shopify's OAuth token endpoint: token exchange (session token → expiring offline token).
import { z } from "zod";
import { fetchWithRetries } from "../../core/retry";

export const OfflineTokenSchema = z.object({
  access_token: z.string().min(1),
  scope: z.string().default(""),
  expires_in: z.number().int().positive().optional(),
  refresh_token: z.string().min(1).optional(),
});
export type OfflineToken = z.infer<typeof OfflineTokenSchema>;

/** The Admin API origin of a shop: the local emulator in dev and tests, the shop itself in production. */
export function adminOrigin(env: Pick<Env, "SHOPIFY_ADMIN_ORIGIN">, shop: string): string {
  return env.SHOPIFY_ADMIN_ORIGIN ? env.SHOPIFY_ADMIN_ORIGIN : `https://${shop}`;
}

export type ExchangeResult = { ok: true; token: OfflineToken } | { ok: false; status: number; reason: string };

export async function exchangeSessionToken(env: Env, shop: string, sessionToken: string): Promise<ExchangeResult> {
  const body = JSON.stringify({
    client_id: env.SHOPIFY_API_KEY,
    client_secret: env.SHOPIFY_API_SECRET,
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    subject_token: sessionToken,
    subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
    requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    expiring: "1",
  });
  const response = await fetchWithRetries(
    () =>
      new Request(`${adminOrigin(env, shop)}/admin/oauth/access_token`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body,
      }),
  );
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const reason = (payload as { error?: unknown } | null)?.error;
    return { ok: false, status: response.status, reason: typeof reason === "string" ? reason : `HTTP ${response.status}` };
  }
  const token = OfflineTokenSchema.safeParse(payload);
  return token.success ? { ok: true, token: token.data } : { ok: false, status: 502, reason: "malformed token response" };
}
