// A shop's offline tokens at rest: the one place they are sealed and opened. AES-256-GCM
// (core/crypto), each value bound to its shop and column (`token:<shop>:access|refresh`), so
// an access token copied into the refresh column, or to another shop, does not open. Values
// still in the v1 format open only after the sweeper's re-encryption (queues/reencrypt.ts).
import { decryptText, encryptText, keyring, tokenContext, type KeySource } from "../../core/crypto";
import type { Session } from "@shopify/shopify-api";
import { getShopTokenColumns, type ShopTokenColumns } from "../../d1/shops";

export interface OfflineTokens {
  accessToken: string;
  /** Epoch ms; null for a non-expiring token (the seeded demo shop's). */
  accessTokenExpiresAt: number | null;
  refreshToken: string | null;
}

export async function sealTokens(env: KeySource, shop: string, tokens: OfflineTokens): Promise<ShopTokenColumns> {
  const { current } = await keyring(env);
  return {
    accessTokenEncrypted: await encryptText(current, tokens.accessToken, tokenContext(shop, "access")),
    accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    refreshTokenEncrypted:
      tokens.refreshToken === null ? null : await encryptText(current, tokens.refreshToken, tokenContext(shop, "refresh")),
  };
}

export async function openTokens(env: KeySource, shop: string, columns: ShopTokenColumns): Promise<OfflineTokens | null> {
  if (!columns.accessTokenEncrypted) return null;
  const ring = await keyring(env);
  return {
    accessToken: await decryptText(ring, columns.accessTokenEncrypted, tokenContext(shop, "access")),
    accessTokenExpiresAt: columns.accessTokenExpiresAt,
    refreshToken: columns.refreshTokenEncrypted ? await decryptText(ring, columns.refreshTokenEncrypted, tokenContext(shop, "refresh")) : null,
  };
}

/** The installed shop's tokens, fresh from D1; null when not installed or without a token. */
export async function readShopTokens(env: Env, shop: string): Promise<OfflineTokens | null> {
  const columns = await getShopTokenColumns(env, shop);
  return columns ? openTokens(env, shop, columns) : null;
}

/** The tokens in a session the library made from Shopify's token answer. */
export function tokensFromSession(session: Session): OfflineTokens {
  if (!session.accessToken) throw new Error("Shopify answered without an access token");
  return {
    accessToken: session.accessToken,
    accessTokenExpiresAt: session.expires ? session.expires.getTime() : null,
    // The library keeps a refresh token only when Shopify also says when it expires.
    refreshToken: session.refreshToken ?? null,
  };
}
