// A valid Admin API access token for a shop. Expiring offline tokens last an hour; the refresh
// itself runs in the shop's ShopCoordinator, one at a time, since each refresh token works once.
import { shopCoordinator } from "../../durable-objects/stubs";
import { readShopTokens, type OfflineTokens } from "./tokens";

/** Refresh a token this close to its expiry rather than send it. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export type TokenFailureReason = "not_installed" | "no_refresh_token" | "refresh_refused" | "shopify_unreachable";

export type TokenRefreshResult =
  | { ok: true; accessToken: string; accessTokenExpiresAt: number | null }
  | { ok: false; reason: TokenFailureReason; message: string };

export class ShopifyTokenError extends Error {
  override readonly name = "ShopifyTokenError";
  constructor(
    readonly shop: string,
    readonly reason: TokenFailureReason,
    message: string,
  ) {
    super(`${shop}: ${message}`);
  }
}

export function isUsable(tokens: OfflineTokens, now: number): boolean {
  return tokens.accessTokenExpiresAt === null || tokens.accessTokenExpiresAt - REFRESH_MARGIN_MS > now;
}

/** The shop's access token, refreshed first when it expires within REFRESH_MARGIN_MS. */
export async function adminAccessToken(env: Env, shop: string, now = Date.now()): Promise<string> {
  const tokens = await readShopTokens(env, shop);
  if (!tokens) throw new ShopifyTokenError(shop, "not_installed", "the shop is not installed (no offline token)");
  if (isUsable(tokens, now)) return tokens.accessToken;
  return refreshedAccessToken(env, shop, null);
}

/**
 * A token newer than `rejected` (the one Shopify just answered 401 to), or a refreshed one
 * when `rejected` is null. Throws ShopifyTokenError when there is none to be had.
 */
export async function refreshedAccessToken(env: Env, shop: string, rejected: string | null): Promise<string> {
  const result = await shopCoordinator(env, shop).refreshAccessToken(shop, rejected);
  if (!result.ok) throw new ShopifyTokenError(shop, result.reason, result.message);
  return result.accessToken;
}
