// Re-encrypts the shops' Admin API tokens (and review and messaging providers' secrets) still in v1 or under a retired key to v2 under the
// current key. Resumable and idempotent: the rows themselves say what is left, and each write
// is a compare-and-set on the old ciphertext, so a concurrent install (a new token) wins.
import { decryptText, encryptText, integrationSecretContext, isCurrent, openForReencryption, reviewSecretContext, tokenContext, type Keyring } from "../core/crypto";
import { log } from "../core/log";

export interface ReencryptPage {
  rewritten: number;
  /** Values no configured key opens (or malformed): left as they are, and logged. */
  unreadable: number;
  /** Key to continue after, or null when the walk reached the end. */
  next: string | null;
}

const COLUMNS = [
  ["access_token_encrypted", "access"],
  ["refresh_token_encrypted", "refresh"],
] as const;

export async function reencryptShopTokens(env: Pick<Env, "DB">, ring: Keyring, limit: number, after = ""): Promise<ReencryptPage> {
  const prefix = `v2.${ring.current.kid}.`;
  const { results } = await env.DB.prepare(
    `SELECT domain, access_token_encrypted, refresh_token_encrypted FROM shops
      WHERE domain > ?1
        AND ((access_token_encrypted IS NOT NULL AND substr(access_token_encrypted, 1, ?2) <> ?3)
          OR (refresh_token_encrypted IS NOT NULL AND substr(refresh_token_encrypted, 1, ?2) <> ?3))
      ORDER BY domain LIMIT ?4`,
  )
    .bind(after, prefix.length, prefix, limit)
    .all<{ domain: string; access_token_encrypted: string | null; refresh_token_encrypted: string | null }>();

  let rewritten = 0;
  let unreadable = 0;
  for (const row of results) {
    for (const [column, kind] of COLUMNS) {
      const old = row[column];
      if (old === null || isCurrent(ring, old)) continue;
      const context = tokenContext(row.domain, kind);
      let sealed: string;
      try {
        sealed = await encryptText(ring.current, await openForReencryption(ring, old, context, row.domain), context);
      } catch (error) {
        unreadable++;
        log.warn("reencrypt: a shop token opens under no configured key", row.domain, column, String(error));
        continue;
      }
      // Column names come from the constant list above, never from input.
      const result = await env.DB.prepare(`UPDATE shops SET ${column} = ?1 WHERE domain = ?2 AND ${column} = ?3`)
        .bind(sealed, row.domain, old)
        .run();
      rewritten += result.meta.changes;
    }
  }
  return { rewritten, unreadable, next: results.length === limit ? results[results.length - 1]!.domain : null };
}

/** The review providers' webhook secrets (review_integrations) under a retired key, rewritten under the current one. */
export async function reencryptReviewSecrets(env: Pick<Env, "DB">, ring: Keyring, limit: number, after = ""): Promise<ReencryptPage> {
  const prefix = `v2.${ring.current.kid}.`;
  const { results } = await env.DB.prepare(
    `SELECT shop, provider, secret_encrypted FROM review_integrations
      WHERE shop > ?1 AND substr(secret_encrypted, 1, ?2) <> ?3 ORDER BY shop LIMIT ?4`,
  )
    .bind(after, prefix.length, prefix, limit)
    .all<{ shop: string; provider: string; secret_encrypted: string }>();
  let rewritten = 0;
  let unreadable = 0;
  for (const row of results) {
    const context = reviewSecretContext(row.shop, row.provider);
    let sealed: string;
    try {
      sealed = await encryptText(ring.current, await decryptText(ring, row.secret_encrypted, context), context);
    } catch (error) {
      unreadable++;
      log.warn("reencrypt: a review secret opens under no configured key", row.shop, String(error));
      continue;
    }
    const result = await env.DB.prepare(`UPDATE review_integrations SET secret_encrypted = ?1 WHERE shop = ?2 AND secret_encrypted = ?3`)
      .bind(sealed, row.shop, row.secret_encrypted)
      .run();
    rewritten += result.meta.changes;
  }
  return { rewritten, unreadable, next: results.length === limit ? results[results.length - 1]!.shop : null };
}

/** The messaging providers' sealed keys (integrations) under a retired key, rewritten under the current one. */
export async function reencryptIntegrationSecrets(env: Pick<Env, "DB">, ring: Keyring, limit: number, after = ""): Promise<ReencryptPage> {
  const prefix = `v2.${ring.current.kid}.`;
  // The key is "shop provider" (a space sorts before every character a domain or provider holds).
  const { results } = await env.DB.prepare(
    `SELECT shop, provider, secrets_encrypted FROM integrations
      WHERE shop || ' ' || provider > ?1 AND substr(secrets_encrypted, 1, ?2) <> ?3 ORDER BY shop, provider LIMIT ?4`,
  )
    .bind(after, prefix.length, prefix, limit)
    .all<{ shop: string; provider: string; secrets_encrypted: string }>();
  let rewritten = 0;
  let unreadable = 0;
  for (const row of results) {
    const context = integrationSecretContext(row.shop, row.provider);
    let sealed: string;
    try {
      sealed = await encryptText(ring.current, await decryptText(ring, row.secrets_encrypted, context), context);
    } catch (error) {
      unreadable++;
      log.warn("reencrypt: an integration's secrets open under no configured key", row.shop, row.provider, String(error));
      continue;
    }
    const result = await env.DB.prepare(`UPDATE integrations SET secrets_encrypted = ?1 WHERE shop = ?2 AND provider = ?3 AND secrets_encrypted = ?4`)
      .bind(sealed, row.shop, row.provider, row.secrets_encrypted)
      .run();
    rewritten += result.meta.changes;
  }
  const last = results[results.length - 1];
  return { rewritten, unreadable, next: results.length === limit && last ? `${last.shop} ${last.provider}` : null };
}
