// Token exchange (session token → expiring offline token) through Shopify's library.
import { InvalidJwtError, RequestedTokenType } from "@shopify/shopify-api";
import { withShopify } from "../shopify/api";
import { refusal, withPassingRetries } from "../shopify/failures";
import { tokensFromSession, type OfflineTokens } from "../shopify/tokens";

export type ExchangeResult = { ok: true; tokens: OfflineTokens; scope: string } | { ok: false; status: number; reason: string };

/**
 * Trades the session token for an expiring offline token (an hour, with a rotating refresh
 * token). Passing failures are retried: an exchange only issues another token. The library
 * verifies the session token again before sending it (the middleware already has).
 */
export async function exchangeSessionToken(env: Env, shop: string, sessionToken: string): Promise<ExchangeResult> {
  try {
    const { session } = await withPassingRetries(() =>
      withShopify(env, (api) =>
        api.auth.tokenExchange({ shop, sessionToken, requestedTokenType: RequestedTokenType.OfflineAccessToken, expiring: true }),
      ),
    );
    if (!session.accessToken) return { ok: false, status: 502, reason: "malformed token response" };
    return { ok: true, tokens: tokensFromSession(session), scope: session.scope ?? "" };
  } catch (error) {
    if (error instanceof InvalidJwtError) return { ok: false, status: 401, reason: "invalid_session_token" };
    const refused = refusal(error);
    if (refused) return { ok: false, ...refused };
    throw error;
  }
}
