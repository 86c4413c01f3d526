// The refresh itself, run only inside the shop's ShopCoordinator (see refreshAccessToken there),
// so one shop never has two refreshes in flight.
import { HttpRetriableError } from "@shopify/shopify-api";
import { DEFAULT_RETRY } from "../../core/retry";
import { setShopTokenColumns, type ShopTokenColumns } from "../../d1/shops";
import type { TokenFailureReason, TokenRefreshResult } from "./admin-token";
import { isUsable } from "./admin-token";
import { withShopify } from "./api";
import { passingFailure, refusal, withPassingRetries } from "./failures";
import { readShopTokens, sealTokens, tokensFromSession, type OfflineTokens } from "./tokens";
import { log } from "../../core/log";

/** A refreshed pair not yet in D1 (kept in the object's storage until it is). */
const PENDING_KEY = "pendingTokens";

export interface RefusalMemo {
  refused: string | null;
  onRefused: (refreshToken: string) => void;
}

export async function refreshShopTokens(
  env: Env,
  storage: DurableObjectStorage,
  shop: string,
  rejected: string | null,
  memo: RefusalMemo,
): Promise<TokenRefreshResult> {
  await flushPending(env, storage, shop);
  const tokens = await readShopTokens(env, shop);
  if (!tokens) return failure("not_installed", "the shop is not installed (no offline token)");
  // Someone refreshed (or reinstalled) since the caller read its token: no need to spend ours.
  const replaced = rejected !== null && !sameSecret(tokens.accessToken, rejected);
  if (isUsable(tokens, Date.now()) && (rejected === null || replaced)) return success(tokens);
  const refreshToken = tokens.refreshToken;
  if (refreshToken === null) {
    return failure("no_refresh_token", "the access token expired or was refused and there is no refresh token; the merchant must open the app again");
  }
  if (memo.refused !== null && sameSecret(memo.refused, refreshToken)) {
    return failure("refresh_refused", "Shopify already refused this shop's refresh token; the merchant must open the app again");
  }

  let fresh: OfflineTokens;
  try {
    const { session } = await withPassingRetries(
      () => withShopify(env, (api) => api.auth.refreshToken({ shop, refreshToken })),
      DEFAULT_RETRY,
      // Only answers that say Shopify did nothing (5xx, 429). After a network failure the
      // request may have rotated the token; a second try would just be refused.
      (error) => (error instanceof HttpRetriableError ? passingFailure(error) : null),
    );
    fresh = tokensFromSession(session);
  } catch (error) {
    const refused = refusal(error);
    if (refused) {
      memo.onRefused(refreshToken);
      log.warn("token refresh refused", shop, refused.status, refused.reason);
      return failure("refresh_refused", `Shopify refused the token refresh (${refused.status} ${refused.reason}); the merchant must open the app again`);
    }
    log.error("token refresh failed", shop, String(error));
    return failure("shopify_unreachable", `Shopify could not be reached for the token refresh: ${String(error)}`);
  }

  // The old refresh token is spent now: keep the new pair durable here before D1, so a failed
  // D1 write cannot lose the shop's only valid refresh token.
  const sealed = await sealTokens(env, shop, fresh);
  await storage.put(PENDING_KEY, sealed);
  try {
    await setShopTokenColumns(env, shop, sealed);
    await storage.delete(PENDING_KEY);
  } catch (error) {
    log.error("refreshed token not yet stored in D1; kept for the next call", shop, String(error));
  }
  return success(fresh);
}

async function flushPending(env: Env, storage: DurableObjectStorage, shop: string): Promise<void> {
  const pending = await storage.get<ShopTokenColumns>(PENDING_KEY);
  if (!pending) return;
  await setShopTokenColumns(env, shop, pending);
  await storage.delete(PENDING_KEY);
}

function success(tokens: OfflineTokens): TokenRefreshResult {
  return { ok: true, accessToken: tokens.accessToken, accessTokenExpiresAt: tokens.accessTokenExpiresAt };
}

function failure(reason: TokenFailureReason, message: string): TokenRefreshResult {
  return { ok: false, reason, message };
}

/** Constant-time equality (for equal lengths; a token's length is no secret). */
function sameSecret(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= left[i]! ^ right[i]!;
  return difference === 0;
}
