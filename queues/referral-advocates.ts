// ledger-events: a friend's referral changed (their account's outbox) → the advocate's account
// gives or takes back the advocate's side (durable-objects/customer-account.ts referralChanged,
// idempotent per referral and revision). Done before the event is projected and confirmed, so
// an advocate's account that cannot be reached leaves the event to be retried, never lost.
import type { LedgerEvent } from "../core/ledger-events";
import { customerAccount } from "../durable-objects/stubs";
import { log } from "../core/log";

type ReferralEvent = Extract<LedgerEvent, { type: "referral" }>;

/**
 * Applies each referral event to its advocate; returns the messages to go on with (the others,
 * and the referral events applied). Those that failed are handed to `retry`.
 */
export async function withAdvocatesUpdated<M extends Message<LedgerEvent>>(env: Env, messages: M[], retry: (failed: M[]) => void): Promise<M[]> {
  const referrals = messages.filter((m): m is M & { body: ReferralEvent } => m.body.type === "referral");
  if (referrals.length === 0) return messages;
  const failed = new Set<M>();
  // One advocate's events in their order (a repeat of an older revision changes nothing anyway).
  await Promise.all(
    referrals.map(async (message) => {
      const { shop, referral } = message.body;
      try {
        await customerAccount(env, shop, referral.advocate_id).referralChanged({ shop, customerId: referral.advocate_id, referral });
      } catch (error) {
        log.warn(`ledger-events: referral ${referral.id} could not reach its advocate, retrying`, String(error));
        failed.add(message);
      }
    }),
  );
  if (failed.size > 0) retry([...failed]);
  return messages.filter((m) => !failed.has(m));
}
