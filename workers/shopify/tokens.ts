// A shop's offline tokens at rest: the one place they are sealed and opened, so the key
// context (today the shop; a purpose such as `token:<shop>` once core/crypto takes one) is
// chosen once. Sealed with AES-256-GCM (core/crypto).
import { dataKeys, decryptText, encryptText } from "../../core/crypto";
import type { Session } from "@shopify/shopify-api";
import { getShopTokenColumns, type ShopTokenColumns } from "../../d1/shops";

export interface OfflineTokens {
  accessToken: string;
  /** Epoch ms; null for a non-expiring token (the seeded demo shop's). */
  accessTokenExpiresAt: number | null;
  refreshToken: string | null;
}

function tokenContext(shop: string): string {
  return shop;
}

export async function sealTokens(env: Pick<Env, "ENCRYPTION_KEY">, shop: string, tokens: OfflineTokens): Promise<ShopTokenColumns> {
  const keys = await dataKeys(env.ENCRYPTION_KEY);
  return {
    accessTokenEncrypted: await encryptText(keys, tokens.accessToken, tokenContext(shop)),
    accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    refreshTokenEncrypted: tokens.refreshToken === null ? null : await encryptText(keys, tokens.refreshToken, tokenContext(shop)),
  };
}

export async function openTokens(env: Pick<Env, "ENCRYPTION_KEY">, shop: string, columns: ShopTokenColumns): Promise<OfflineTokens | null> {
  if (!columns.accessTokenEncrypted) return null;
  const keys = await dataKeys(env.ENCRYPTION_KEY);
  return {
    accessToken: await decryptText(keys, columns.accessTokenEncrypted, tokenContext(shop)),
    accessTokenExpiresAt: columns.accessTokenExpiresAt,
    refreshToken: columns.refreshTokenEncrypted ? await decryptText(keys, columns.refreshTokenEncrypted, tokenContext(shop)) : null,
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
