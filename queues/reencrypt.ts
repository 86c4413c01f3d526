// The encryption migration, one bounded step per sweep: shop tokens, review providers'
// secrets and messaging providers' keys in D1 and customer emails
// in Postgres still in v1 or under a retired key are rewritten as v2 under the current key,
// until none remain. Safe to run any number of times, concurrently with normal writes.
//
// Each step walks from the start of the key order, skipping (and logging) values no configured
// key opens, so a handful of unreadable rows cannot stall the walk; if they outnumber
// MAX_PAGES pages they would, and the log says which rows need an operator.
//
// Emails can arrive in an older format after their row was migrated: the ledger-events
// consumer projects profiles from a CustomerAccount's outbox, which may hold events sealed
// before the migration (or before a rotation). The projection stores them as they come; the
// next sweep finds and rewrites them.
import { keyring, type KeySource } from "../core/crypto";
import { reencryptIntegrationSecrets, reencryptReviewSecrets, reencryptShopTokens } from "../d1/reencrypt";
import { withReporting } from "../postgres/client";
import { reencryptEmails, type EmailCursor } from "../postgres/reencrypt";
import { log } from "../core/log";

const MAX_PAGES = 5;

export interface ReencryptResult {
  tokens: number;
  /** Review providers' webhook secrets (review_integrations). */
  reviewSecrets: number;
  /** Messaging providers' keys and tokens (integrations). */
  integrationSecrets: number;
  emails: number;
  unreadable: number;
  /** False when Postgres could not be reached; the next sweep tries again. */
  emailsReachable: boolean;
}

export async function reencryptBatch(
  env: Pick<Env, "DB" | "HYPERDRIVE"> & KeySource,
  limit: number,
): Promise<ReencryptResult> {
  const ring = await keyring(env);
  const result: ReencryptResult = { tokens: 0, reviewSecrets: 0, integrationSecrets: 0, emails: 0, unreadable: 0, emailsReachable: true };

  let afterShop: string | null = "";
  for (let page = 0; page < MAX_PAGES && afterShop !== null && result.tokens < limit; page++) {
    const step = await reencryptShopTokens(env, ring, limit, afterShop);
    result.tokens += step.rewritten;
    result.unreadable += step.unreadable;
    afterShop = step.next;
  }

  let afterSecret: string | null = "";
  for (let page = 0; page < MAX_PAGES && afterSecret !== null && result.reviewSecrets < limit; page++) {
    const step = await reencryptReviewSecrets(env, ring, limit, afterSecret);
    result.reviewSecrets += step.rewritten;
    result.unreadable += step.unreadable;
    afterSecret = step.next;
  }

  let afterIntegration: string | null = "";
  for (let page = 0; page < MAX_PAGES && afterIntegration !== null && result.integrationSecrets < limit; page++) {
    const step = await reencryptIntegrationSecrets(env, ring, limit, afterIntegration);
    result.integrationSecrets += step.rewritten;
    result.unreadable += step.unreadable;
    afterIntegration = step.next;
  }

  try {
    await withReporting(env, null, async (sql) => {
      let after: EmailCursor | null = null;
      for (let page = 0; page < MAX_PAGES && result.emails < limit; page++) {
        const step = await reencryptEmails(sql, ring, limit, after);
        result.emails += step.rewritten;
        result.unreadable += step.unreadable;
        if (!step.next) break;
        after = step.next;
      }
    });
  } catch (error) {
    // Postgres down: earning and the rest of the sweep go on; the emails wait for a later sweep.
    log.warn("reencrypt: Postgres unavailable, emails wait for the next sweep", String(error));
    result.emailsReachable = false;
  }
  return result;
}
