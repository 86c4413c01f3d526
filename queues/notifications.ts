// notifications: one message per (notification, channel), from the ledger-events consumer.
// Each is sent at most once: the customer's object grants a claim per (event key, channel)
// (durable-objects/notification-rows.ts), so a repeated ledger event, a duplicated delivery or a
// retry after a success finds the notification sent and stops. A send is tried NOTIFY_TRIES
// times, waiting 10 s then 20 s with jitter (longer when the provider says Retry-After); then,
// or at once for a failure that cannot pass (a bad key, a refused recipient), the message goes
// to the dead-letter queue with its reason and email_events records it failed.
// Analytics messages (server-side PostHog events) are sent here too, one capture per shop per
// batch.
//
// Ambiguity, stated: a provider that accepted a message but whose answer never came (a timeout)
// is tried again, so that message may arrive twice; Klaviyo drops the repeat (unique_id) and
// PostHog keeps one event per uuid; SendGrid and Twilio have no idempotency key to offer.
import { notifyRetryDelaySeconds, NOTIFY_TRIES, type NotificationsMessage } from "../core/notifications";
import { customerAccount } from "../durable-objects/stubs";
import type { NotificationClaim } from "../durable-objects/customer-account-types";
import { ProviderError } from "../workers/providers/types";
import { deliver } from "./notification-delivery";
import { sendAnalytics } from "./notification-analytics";
import { log } from "../core/log";

type NotifyMessage = Message<Extract<NotificationsMessage, { kind: "notify" }>>;

export async function handleNotifications(batch: MessageBatch<NotificationsMessage>, env: Env): Promise<void> {
  const notify = batch.messages.filter((m): m is NotifyMessage => m.body.kind === "notify");
  const analytics = batch.messages.filter((m) => m.body.kind === "analytics") as Message<Extract<NotificationsMessage, { kind: "analytics" }>>[];
  await Promise.all([sendAnalytics(env, analytics), ...notify.map((m) => notifyOnce(env, m))]);
}

/** A message the notifications consumer gave up on, as the dead-letter queue receives it. */
export type DeadNotification = NotificationsMessage & { dead_letter: { reason: string; tries: number; at: string } };

async function notifyOnce(env: Env, message: NotifyMessage): Promise<void> {
  const n = message.body;
  const account = customerAccount(env, n.shop, n.customer_id);
  const identity = { shop: n.shop, customerId: n.customer_id };
  let claim: NotificationClaim;
  try {
    claim = await account.claimNotification({ ...identity, key: n.key, channel: n.channel, type: n.type, redemptionId: n.facts.redemption_id ?? null });
  } catch (error) {
    // The account could not be asked: nothing was sent; try the message again later.
    return retryOrDeadLetter(env, message, message.attempts, `account unavailable: ${String(error)}`, null);
  }
  if (claim.state === "done" || claim.state === "skip") return message.ack();
  if (claim.state === "busy") {
    // Another message holds the claim (a duplicate being sent now): look again once it lapses,
    // when the outcome will be known. A lapsed claim is taken over by whoever asks next.
    if (message.attempts >= NOTIFY_TRIES + 2) return deadLetter(env, message, message.attempts, "claim held by another sender through every retry");
    return message.retry({ delaySeconds: Math.ceil(claim.retryInMs / 1000) + 1 });
  }

  let outcome: Awaited<ReturnType<typeof deliver>>;
  try {
    outcome = await deliver(env, n, claim);
  } catch (error) {
    const failure = error instanceof ProviderError ? error : null;
    const reason = failure ? `${failure.provider} ${failure.code}: ${failure.message}` : `internal: ${String(error)}`;
    if (failure?.code === "recipient_unsubscribed") {
      // The customer opted out at the provider (replied STOP): their choice, not a failure.
      await settle(env, n, claim, { status: "unsubscribed", provider: failure.provider, providerMessageId: null, error: reason, language: null, recipient: null });
      return message.ack();
    }
    const retryable = failure ? failure.kind === "retryable" : true;
    const final = !retryable || claim.tries >= NOTIFY_TRIES;
    await settle(env, n, claim, { status: final ? "failed" : "retrying", provider: failure?.provider ?? "loyalnest", providerMessageId: null, error: reason, language: null, recipient: null });
    if (final) return deadLetter(env, message, claim.tries, reason);
    return message.retry({ delaySeconds: notifyRetryDelaySeconds(claim.tries, failure?.retryAfterSeconds ?? null) });
  }
  const recorded = await settle(env, n, claim, { status: "sent", ...outcome });
  if (!recorded) log.warn(`notifications: ${n.type} ${n.channel} sent but its outcome could not be recorded for ${n.shop}`);
  message.ack();
}

/**
 * Records a claimed send's outcome in the account. A few quick tries: after a send, a lost
 * outcome leaves the claim to lapse and the notification to be sent again.
 */
async function settle(
  env: Env,
  n: NotifyMessage["body"],
  claim: Extract<NotificationClaim, { state: "send" }>,
  outcome: { status: "sent" | "retrying" | "failed" | "unsubscribed"; provider: string; providerMessageId: string | null; error: string | null; language: string | null; recipient: string | null },
): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await customerAccount(env, n.shop, n.customer_id).notificationOutcome({
        shop: n.shop,
        customerId: n.customer_id,
        key: n.key,
        channel: n.channel,
        type: n.type,
        claimId: claim.claimId,
        ...outcome,
      });
      return true;
    } catch (error) {
      log.warn(`notifications: recording an outcome failed (try ${attempt + 1})`, String(error));
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
  return false;
}

function retryOrDeadLetter(env: Env, message: NotifyMessage, tries: number, reason: string, retryAfterSeconds: number | null): Promise<void> | void {
  if (tries >= NOTIFY_TRIES) return deadLetter(env, message, tries, reason);
  message.retry({ delaySeconds: notifyRetryDelaySeconds(tries, retryAfterSeconds) });
}

/** To the dead-letter queue with the reason (queues/dead-letters.ts parks it there for an operator). */
async function deadLetter(env: Env, message: Message<NotificationsMessage>, tries: number, reason: string): Promise<void> {
  const body: DeadNotification = { ...message.body, dead_letter: { reason: reason.slice(0, 500), tries, at: new Date().toISOString() } };
  try {
    await env.NOTIFICATIONS_DLQ.send(body, { contentType: "json" });
    message.ack();
  } catch (error) {
    log.warn("notifications: the dead-letter queue refused a message; retrying it", String(error));
    message.retry({ delaySeconds: 30 });
  }
}
