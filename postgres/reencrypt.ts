// Re-encrypts customers' emails still in v1 or under a retired key to v2 under the current key,
// and refreshes their blind index (derived from the same master key, so it changes with it).
// Resumable and idempotent: the rows say what is left; each write is a compare-and-set on the
// old ciphertext, so a profile the projection writes meanwhile wins.
import { emailBlindIndex, emailContext, encryptText, openForReencryption, type Keyring } from "../core/crypto";
import type { Sql } from "./client";
import { log } from "../core/log";

export interface EmailCursor {
  shop: string;
  customerId: string;
}

export interface ReencryptEmailsPage {
  rewritten: number;
  unreadable: number;
  next: EmailCursor | null;
}

export async function reencryptEmails(sql: Sql, ring: Keyring, limit: number, after: EmailCursor | null = null): Promise<ReencryptEmailsPage> {
  const prefix = `v2.${ring.current.kid}.`;
  // Two ranges rather than `<>`, so customers_email_key_prefix can serve them (0002).
  const rows = await sql<{ shop: string; customer_id: string; email_encrypted: string }[]>`
    SELECT shop, customer_id, email_encrypted FROM customers
     WHERE (substr(email_encrypted, 1, 12) < ${prefix} OR substr(email_encrypted, 1, 12) > ${prefix})
       AND email_encrypted IS NOT NULL
       AND (shop, customer_id) > (${after?.shop ?? ""}, ${after?.customerId ?? ""})
     ORDER BY shop, customer_id
     LIMIT ${limit}`;

  let unreadable = 0;
  const updates: [string, string, string, string, string][] = [];
  for (const row of rows) {
    const context = emailContext(row.shop, row.customer_id);
    try {
      const email = await openForReencryption(ring, row.email_encrypted, context, row.shop);
      updates.push([
        row.shop,
        row.customer_id,
        row.email_encrypted,
        await encryptText(ring.current, email, context),
        await emailBlindIndex(ring.current, row.shop, email),
      ]);
    } catch (error) {
      unreadable++;
      log.warn("reencrypt: an email opens under no configured key", row.shop, row.customer_id, String(error));
    }
  }
  let rewritten = 0;
  if (updates.length) {
    const result = await sql`
      UPDATE customers AS c SET email_encrypted = v.sealed, email_blind_index = v.blind_index, updated_at = now()
        FROM (VALUES ${sql(updates)}) AS v(shop, customer_id, old, sealed, blind_index)
       WHERE c.shop = v.shop AND c.customer_id = v.customer_id AND c.email_encrypted = v.old`;
    rewritten = result.count;
  }
  const last = rows[rows.length - 1];
  return { rewritten, unreadable, next: rows.length === limit && last ? { shop: last.shop, customerId: last.customer_id } : null };
}
