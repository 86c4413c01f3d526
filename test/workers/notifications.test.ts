// The notifications pipeline inside the runtime: a paid order's points told to the customer by
// email in their language and as a Klaviyo event, exactly once per channel through the real
// queues, the customer's object and the provider stand-ins; every notification's outcome in
// email_events; retries with backoff (Retry-After honoured), the dead-letter queue with the
// reason, duplicates sent once, opted-out and unreachable customers skipped, a bounce from
// SendGrid's signed event webhook suppressing the address, and the sweeper queueing again what
// a lost message left behind.
import { referralCodeFor } from "../../d1/referral-codes";
import { env, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decryptText, keyring, recipientContext } from "../../core/crypto";
import type { LedgerEvent } from "../../core/ledger-events";
import { renderNotification } from "../../core/notification-templates";
import { NOTIFY_TRIES, type NotificationsMessage } from "../../core/notifications";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../core/sendgrid-events";
import { saveIntegration } from "../../d1/integrations";
import type { CustomerAccount } from "../../durable-objects/customer-account";
import { customerAccount } from "../../durable-objects/stubs";
import { connectReporting } from "../../postgres/client";
import { withNotificationsQueued } from "../../queues/notification-producer";
import { redriveStuckNotifications, QUEUED_STALE_MS } from "../../queues/notification-redrive";
import { handleNotifications } from "../../queues/notifications";
import { call, eventually as eventuallyWithin, install, json, merchantApi } from "../helpers/app";
import { clearProviderFaults, freshConfig, injectProviderFault, standinRequests, type StandinRequest } from "../helpers/provider-standins";
import { uniqueShop, webhookRequest } from "../helpers/shopify";
import type { KlaviyoConfig, SendgridConfig, TwilioConfig } from "../../workers/providers/types";

const sql = connectReporting(env);
/** The whole pipeline (webhook, outbox, two queues, a provider, the projection) on a loaded machine. */
const PIPELINE_MS = 45_000;
const eventually = <T>(read: () => Promise<T>, check: (value: T) => boolean) => eventuallyWithin(read, check, PIPELINE_MS);
afterAll(() => sql.end({ timeout: 1 }));
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let nextId = 8_700_000_000;
const newId = () => String(++nextId);

/** An orders/paid body with the customer's contact and the language they bought in. */
function paidOrder(o: { orderId: string; customerId: string; subtotal: string; email: string; locale: string; phone?: string; smsConsent?: boolean }): string {
  const customer = {
    id: 0,
    admin_graphql_api_id: `gid://shopify/Customer/${o.customerId}`,
    email: o.email,
    first_name: "Zoé",
    phone: o.phone ?? null,
    sms_marketing_consent: o.smsConsent === undefined ? null : { state: o.smsConsent ? "subscribed" : "not_subscribed" },
  };
  return JSON.stringify({
    admin_graphql_api_id: `gid://shopify/Order/${o.orderId}`,
    name: `#${o.orderId.slice(-4)}`,
    currency: "USD",
    subtotal_price: o.subtotal,
    total_price: o.subtotal,
    financial_status: "paid",
    cancelled_at: null,
    customer_locale: o.locale,
    email: o.email,
    customer,
    line_items: [],
  })
    .replace(/^\{/, `{"id":${o.orderId},`)
    .replace('"id":0,', `"id":${o.customerId},`);
}

async function deliver(topic: string, shop: string, body: string): Promise<void> {
  const response = await call(await webhookRequest(topic, shop, body));
  expect(response.status).toBe(200);
  await response.body?.cancel();
}

/** A shop with SendGrid and Klaviyo connected to fresh stand-in credentials. */
async function shopWithProviders(label: string): Promise<{ shop: string; sendgrid: SendgridConfig; klaviyo: KlaviyoConfig }> {
  const shop = uniqueShop(label);
  await install(shop);
  const sendgrid = await freshConfig("sendgrid");
  const klaviyo = await freshConfig("klaviyo");
  await saveIntegration(env, shop, "sendgrid", { ...sendgrid, from_name: sendgrid.from_name, event_webhook_public_key: null, enabled: true }, "test");
  await saveIntegration(env, shop, "klaviyo", { ...klaviyo, enabled: true }, "test");
  return { shop, sendgrid, klaviyo };
}

const reference = (shop: string, customerId: string, key: string, channel: string) => `${shop}:${customerId}:${key}:${channel}`;
const byReference = (requests: StandinRequest[], ref: string) =>
  requests.filter((r) => {
    const body = r.body as { custom_args?: { loyalnest_reference?: string }; data?: { attributes?: { unique_id?: string } } };
    return body?.custom_args?.loyalnest_reference === ref || body?.data?.attributes?.unique_id === ref;
  });

async function emailEvents(shop: string, customerId: string) {
  return sql<{ event_key: string; channel: string; status: string; provider: string | null; tries: number; language: string | null; error: string | null; recipient_encrypted: string | null }[]>`
    SELECT event_key, channel, status, provider, tries, language, error, recipient_encrypted FROM email_events
     WHERE shop = ${shop} AND customer_id = ${customerId} ORDER BY event_key, channel`;
}

/** A notify message as the queue hands it over, with what the consumer did to it. */
function queued(body: NotificationsMessage, attempts: number) {
  const done: { ack: number; retry: { delaySeconds?: number }[] } = { ack: 0, retry: [] };
  const message = {
    id: crypto.randomUUID(),
    timestamp: new Date(),
    attempts,
    body,
    ack: () => void done.ack++,
    retry: (options?: { delaySeconds?: number }) => void done.retry.push(options ?? {}),
  };
  return { message, done };
}

async function consume(...messages: ReturnType<typeof queued>["message"][]): Promise<void> {
  await handleNotifications({ queue: "notifications", messages, ackAll() {}, retryAll() {} } as unknown as MessageBatch<NotificationsMessage>, env);
}

function notify(shop: string, customerId: string, key: string, channel: "email" | "sms" | "whatsapp" | "klaviyo" = "email"): NotificationsMessage {
  return { kind: "notify", shop, customer_id: customerId, channel, type: "points_earned", key, facts: { points: 40, points_balance: 290 }, at: new Date().toISOString() };
}

describe("a paid order's points, told to the customer", () => {
  let shop: string;
  let sendgrid: SendgridConfig;
  let klaviyo: KlaviyoConfig;
  const customerId = newId();
  const orderId = newId();
  const email = `zoe.${customerId}@customer.example`;

  beforeAll(async () => {
    ({ shop, sendgrid, klaviyo } = await shopWithProviders("notify-order"));
    await deliver("orders/paid", shop, paidOrder({ orderId, customerId, subtotal: "25.00", email, locale: "fr-CA" }));
  });

  it("by email, once, in the language the customer bought in, through the real queues", async () => {
    const entry = (await customerAccount(env, shop, customerId).history(10)).transactions.find((t) => t.kind === "earn")!;
    const ref = reference(shop, customerId, `entry:${entry.id}`, "email");
    const sent = await eventually(
      async () => byReference(await standinRequests("sendgrid", sendgrid.api_key, "send"), ref),
      (requests) => requests.length > 0,
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ accepted: true, recipients: [email] });
    const expected = renderNotification({
      type: "points_earned",
      channel: "email",
      language: "fr",
      vars: { shop_name: shop.replace(/\.myshopify\.com$/, ""), points_balance: 250, points: 250, first_name: "Zoé", widget_url: `https://${shop}/apps/loyalnest/rewards` },
    });
    expect((sent[0]!.body as { subject: string }).subject).toBe(expected.subject);
    expect((sent[0]!.body as { custom_args: Record<string, string> }).custom_args).toMatchObject({ loyalnest_type: "points_earned", loyalnest_language: "fr" });
    // Nothing more arrives for it (a resend of the ledger event would be deduplicated by the claim).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(byReference(await standinRequests("sendgrid", sendgrid.api_key, "send"), ref)).toHaveLength(1);
  });

  it("as a Klaviyo event with the balance on the profile, once", async () => {
    const entry = (await customerAccount(env, shop, customerId).history(10)).transactions.find((t) => t.kind === "earn")!;
    const ref = reference(shop, customerId, `entry:${entry.id}`, "klaviyo");
    const requests = await eventually(
      async () => byReference(await standinRequests("klaviyo", klaviyo.private_api_key, "send"), ref),
      (r) => r.length > 0,
    );
    expect(requests).toHaveLength(1);
    const body = requests[0]!.body as { data: { attributes: Record<string, any> } };
    expect(JSON.stringify(body)).toContain("LoyalNest Points Earned");
    expect(JSON.stringify(body)).toContain(email);
    expect(JSON.stringify(body)).toContain('"loyalnest_points_balance":250');
  });

  it("each outcome in email_events, the recipient sealed", async () => {
    // The order's points (the shop's first tier, reached with them, is told apart).
    const rows = await eventually(
      async () => (await emailEvents(shop, customerId)).filter((r) => r.event_key.startsWith("entry:")),
      (r) => r.length === 2 && r.every((row) => row.status === "sent"),
    );
    expect(rows.map((r) => [r.channel, r.status, r.provider, r.tries])).toEqual([
      ["email", "sent", "sendgrid", 1],
      ["klaviyo", "sent", "klaviyo", 1],
    ]);
    expect(rows.find((r) => r.channel === "email")!.language).toBe("fr");
    const sealed = rows.find((r) => r.channel === "email")!.recipient_encrypted!;
    expect(sealed).not.toContain(email);
    expect(await decryptText(await keyring(env), sealed, recipientContext(shop, customerId))).toBe(email);
  });
});

describe("a completed referral, told to both sides", () => {
  it("each side gets one referral_completed email for its own reward, in its own language", async () => {
    const { shop, sendgrid } = await shopWithProviders("notify-referral");
    const advocateId = newId();
    const friendId = newId();
    await deliver("orders/paid", shop, paidOrder({ orderId: newId(), customerId: advocateId, subtotal: "10.00", email: `adv.${advocateId}@customer.example`, locale: "es" }));
    const { code } = await referralCodeFor(env, shop, advocateId);
    const friendOrder = JSON.parse(paidOrder({ orderId: "1", customerId: friendId, subtotal: "20.00", email: `friend.${friendId}@customer.example`, locale: "de-CH" }));
    const body = JSON.stringify({ ...friendOrder, note_attributes: [{ name: "_loyalnest_referral", value: code }] }).replace('"id":1,', `"id":${newId()},`);
    await deliver("orders/paid", shop, body);
    const referralEmails = async () =>
      (await standinRequests("sendgrid", sendgrid.api_key, "send")).filter((r) => (r.body as { custom_args?: Record<string, string> }).custom_args?.loyalnest_type === "referral_completed");
    const sent = await eventually(referralEmails, (requests) => requests.length >= 2);
    const byRecipient = Object.fromEntries(sent.map((r) => [r.recipients[0], (r.body as { custom_args: Record<string, string> }).custom_args.loyalnest_language]));
    expect(byRecipient).toEqual({ [`adv.${advocateId}@customer.example`]: "es", [`friend.${friendId}@customer.example`]: "de" });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await referralEmails()).toHaveLength(2);
  });
});

describe("the notifications consumer", () => {
  let shop: string;
  let sendgrid: SendgridConfig;
  const customerId = newId();
  const email = `ada.${customerId}@customer.example`;

  beforeAll(async () => {
    ({ shop, sendgrid } = await shopWithProviders("notify-consumer"));
    await deliver("orders/paid", shop, paidOrder({ orderId: newId(), customerId, subtotal: "4.00", email, locale: "en" }));
  });

  const sends = async (key: string) => byReference(await standinRequests("sendgrid", sendgrid.api_key, "send"), reference(shop, customerId, key, "email"));

  it("a provider failing twice, then answering: tried three times with growing, jittered waits, sent exactly once", async () => {
    const key = `test:${crypto.randomUUID()}`;
    await injectProviderFault({ provider: "sendgrid", mode: "status", status: 503, times: 2, key: sendgrid.api_key });
    const tries = [1, 2, 3].map((attempt) => queued(notify(shop, customerId, key), attempt));
    for (const t of tries) await consume(t.message);
    expect(tries[0]!.done.retry[0]!.delaySeconds).toBeGreaterThanOrEqual(5);
    expect(tries[0]!.done.retry[0]!.delaySeconds).toBeLessThanOrEqual(10);
    expect(tries[1]!.done.retry[0]!.delaySeconds).toBeGreaterThanOrEqual(10);
    expect(tries[1]!.done.retry[0]!.delaySeconds).toBeLessThanOrEqual(20);
    expect(tries[2]!.done).toEqual({ ack: 1, retry: [] });
    const seen = await sends(key);
    expect(seen.map((r) => r.status)).toEqual([503, 503, 202]);
    // Delivered again (a duplicate, a redelivery): already sent, nothing goes out.
    const again = queued(notify(shop, customerId, key), 1);
    await consume(again.message);
    expect(again.done).toEqual({ ack: 1, retry: [] });
    expect((await sends(key)).filter((r) => r.accepted)).toHaveLength(1);
    const row = await eventually(
      async () => (await emailEvents(shop, customerId)).find((r) => r.event_key === key),
      (r) => r?.status === "sent",
    );
    expect(row).toMatchObject({ status: "sent", tries: 3 });
  });

  it("a provider failing every time: the dead-letter queue with the reason, and a failed email_events row", async () => {
    const key = `test:${crypto.randomUUID()}`;
    await injectProviderFault({ provider: "sendgrid", mode: "status", status: 503, times: 0, key: sendgrid.api_key });
    try {
      const tries = Array.from({ length: NOTIFY_TRIES }, (_, i) => queued(notify(shop, customerId, key), i + 1));
      for (const t of tries) await consume(t.message);
      expect(tries.map((t) => t.done.retry.length)).toEqual([1, 1, 0]);
      expect(tries[2]!.done.ack).toBe(1);
    } finally {
      await clearProviderFaults("sendgrid", sendgrid.api_key);
    }
    const parked = await eventually(
      async () =>
        (await env.DB.prepare(`SELECT status, reason, body FROM dead_letters WHERE queue = 'notifications-dlq' AND body LIKE ?`).bind(`%${key}%`).all<{ status: string; reason: string; body: string }>())
          .results,
      (rows) => rows.length > 0,
    );
    expect(parked).toHaveLength(1);
    expect(parked[0]!.status).toBe("parked");
    expect(parked[0]!.reason).toMatch(/^sendgrid http_503/);
    const row = await eventually(
      async () => (await emailEvents(shop, customerId)).find((r) => r.event_key === key),
      (r) => r?.status === "failed",
    );
    expect(row).toMatchObject({ status: "failed", tries: 3, provider: "sendgrid" });
    expect(row!.error).toMatch(/http_503/);
    // The merchant is told, once a day per provider.
    const notices = (await json(await merchantApi(shop, "GET", "/notices"))).notices as { kind: string; details: Record<string, unknown> }[];
    expect(notices.filter((x) => x.kind === "notifications_failing")).toEqual([expect.objectContaining({ details: expect.objectContaining({ provider: "sendgrid", code: "http_503" }) })]);
  });

  it("a refused recipient is not retried: the dead-letter queue at once", async () => {
    const key = `test:${crypto.randomUUID()}`;
    await injectProviderFault({ provider: "sendgrid", mode: "reject_recipient", recipient: email, key: sendgrid.api_key });
    const first = queued(notify(shop, customerId, key), 1);
    await consume(first.message);
    expect(first.done).toEqual({ ack: 1, retry: [] });
    const row = await eventually(
      async () => (await emailEvents(shop, customerId)).find((r) => r.event_key === key),
      (r) => r?.status === "failed",
    );
    expect(row).toMatchObject({ status: "failed", tries: 1 });
  });

  it("honours the provider's Retry-After", async () => {
    const key = `test:${crypto.randomUUID()}`;
    await injectProviderFault({ provider: "sendgrid", mode: "throttle", retryAfter: "120", key: sendgrid.api_key });
    const first = queued(notify(shop, customerId, key), 1);
    await consume(first.message);
    expect(first.done.retry[0]!.delaySeconds).toBeGreaterThanOrEqual(120);
  });

  it("two deliveries of one notification at once: one send, the other waits and finds it sent", async () => {
    const key = `test:${crypto.randomUUID()}`;
    const a = queued(notify(shop, customerId, key), 1);
    const b = queued(notify(shop, customerId, key), 1);
    await consume(a.message, b.message);
    expect((await sends(key)).filter((r) => r.accepted)).toHaveLength(1);
    const waited = [a, b].find((t) => t.done.retry.length === 1);
    expect(waited, "one of the two must have been told to wait").toBeDefined();
    const later = queued(notify(shop, customerId, key), 2);
    await consume(later.message);
    expect(later.done).toEqual({ ack: 1, retry: [] });
    expect((await sends(key)).filter((r) => r.accepted)).toHaveLength(1);
  });

  it("a ledger event delivered twice queues its notifications twice and sends each once", async () => {
    const entryId = crypto.randomUUID();
    const event: LedgerEvent = {
      type: "ledger_entry",
      shop,
      customer_id: customerId,
      outbox_seq: 1,
      entry: { id: entryId, seq: 99, kind: "earn", points: 70, balance_after: 110, source_type: "order", source_id: "gid://shopify/Order/1", snapshot: null, note: null, created_at: new Date().toISOString() },
      account: { points_balance: 110, total_points_earned: 110, total_points_redeemed: 0, total_points_reversed: 0 },
    };
    const retried: unknown[] = [];
    const message = () => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: event, ack() {}, retry() {} }) as unknown as Message<LedgerEvent>;
    for (let i = 0; i < 2; i++) {
      const { queued: rows } = await withNotificationsQueued(env, [message()], (m) => retried.push(...m));
      // SendGrid and Klaviyo are configured; SMS and WhatsApp are not.
      expect(rows.map((r) => r.channel).sort()).toEqual(["email", "klaviyo"]);
    }
    expect(retried).toEqual([]);
    const ref = `entry:${entryId}`;
    await eventually(() => sends(ref), (r) => r.some((x) => x.accepted));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await sends(ref)).filter((r) => r.accepted)).toHaveLength(1);
  });
});

describe("who cannot be reached is skipped, with the reason", () => {
  it("SMS needs a phone and the customer's SMS consent; STOP at Twilio ends the consent", async () => {
    const shop = uniqueShop("notify-sms");
    await install(shop);
    const twilio: TwilioConfig = await freshConfig("twilio");
    await saveIntegration(env, shop, "twilio", { ...twilio, enabled: true }, "test");
    const patched = await merchantApi(shop, "PUT", "/notifications/templates/points_earned", { channels: { sms: true, email: false, klaviyo: false } });
    expect(patched.status).toBe(200);
    await patched.body?.cancel();

    const consenting = newId();
    const refusing = newId();
    await deliver("orders/paid", shop, paidOrder({ orderId: newId(), customerId: consenting, subtotal: "3.00", email: `a${consenting}@x.example`, locale: "es", phone: "+14155550101", smsConsent: true }));
    await deliver("orders/paid", shop, paidOrder({ orderId: newId(), customerId: refusing, subtotal: "3.00", email: `a${refusing}@x.example`, locale: "es", phone: "+14155550102", smsConsent: false }));
    const rows = await eventually(
      async () => [...(await emailEvents(shop, consenting)), ...(await emailEvents(shop, refusing))],
      (r) => r.length === 2 && r.every((row) => row.status !== "queued" && row.status !== "retrying"),
    );
    expect(rows.map((r) => [r.channel, r.status, r.error])).toEqual([
      ["sms", "sent", null],
      ["sms", "skipped", "no_sms_consent"],
    ]);
    const texts = await standinRequests("twilio", twilio.account_sid, "send");
    expect(texts).toHaveLength(1);
    expect(texts[0]!.recipients).toEqual(["+14155550101"]);

    // The customer replies STOP: Twilio refuses the next text (21610). Recorded unsubscribed, not
    // failed (no dead letter), and their SMS consent ends: the one after is skipped.
    await injectProviderFault({ provider: "twilio", mode: "opted_out", recipient: "+14155550101", key: twilio.account_sid });
    const stop = queued(notify(shop, consenting, `test:${crypto.randomUUID()}`, "sms"), 1);
    await consume(stop.message);
    expect(stop.done).toEqual({ ack: 1, retry: [] });
    const after = queued(notify(shop, consenting, `test:${crypto.randomUUID()}`, "sms"), 1);
    await consume(after.message);
    expect(after.done).toEqual({ ack: 1, retry: [] });
    const statuses = await eventually(
      async () => (await emailEvents(shop, consenting)).filter((r) => r.event_key.startsWith("test:")).map((r) => [r.status, r.error]),
      (r) => r.length === 2,
    );
    expect(statuses).toContainEqual(["unsubscribed", expect.stringMatching(/recipient_unsubscribed/)]);
    expect(statuses).toContainEqual(["skipped", "no_sms_consent"]);
    expect(await standinRequests("twilio", twilio.account_sid, "send")).toHaveLength(2);
  });
});

describe("SendGrid's signed event webhook", () => {
  let shop: string;
  let keys: CryptoKeyPair;
  const customerId = newId();
  const email = `bounce.${customerId}@customer.example`;

  beforeAll(async () => {
    shop = uniqueShop("notify-bounce");
    await install(shop);
    keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", keys.publicKey)) as ArrayBuffer);
    const sendgrid = await freshConfig("sendgrid");
    await saveIntegration(env, shop, "sendgrid", { ...sendgrid, event_webhook_public_key: btoa(String.fromCharCode(...spki)), enabled: true }, "test");
    await deliver("orders/paid", shop, paidOrder({ orderId: newId(), customerId, subtotal: "2.00", email, locale: "en" }));
    await eventually(() => emailEvents(shop, customerId), (r) => r.some((row) => row.status === "sent"));
  });

  async function post(events: unknown[], sign = true): Promise<Response> {
    const body = JSON.stringify(events);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, new TextEncoder().encode(timestamp + body)));
    const headers: Record<string, string> = { "content-type": "application/json", [TIMESTAMP_HEADER]: timestamp };
    if (sign) headers[SIGNATURE_HEADER] = btoa(String.fromCharCode(...derSignature(raw)));
    return call(new Request(`https://loyalnest.test/v1/api/integrations/sendgrid/events?shop=${shop}`, { method: "POST", headers, body }));
  }

  it("refuses an unsigned or forged batch", async () => {
    expect((await post([{ event: "bounce" }], false)).status).toBe(401);
    const forged = await call(
      new Request(`https://loyalnest.test/v1/api/integrations/sendgrid/events?shop=${shop}`, {
        method: "POST",
        headers: { [TIMESTAMP_HEADER]: String(Math.floor(Date.now() / 1000)), [SIGNATURE_HEADER]: btoa("not a signature at all, just text") },
        body: "[]",
      }),
    );
    expect(forged.status).toBe(401);
  });

  it("a hard bounce marks the notification bounced and stops emails to the address", async () => {
    const sent = (await emailEvents(shop, customerId)).find((r) => r.status === "sent")!;
    const response = await post([
      { event: "processed", loyalnest_reference: reference(shop, customerId, sent.event_key, "email") },
      { event: "bounce", type: "bounce", loyalnest_reference: reference(shop, customerId, sent.event_key, "email"), loyalnest_type: "points_earned" },
      { event: "bounce", type: "bounce", loyalnest_reference: reference("other-shop.myshopify.com", customerId, sent.event_key, "email") },
    ]);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ status: "ok", recorded: 1, ignored: 2 });
    await eventually(
      async () => (await emailEvents(shop, customerId)).find((r) => r.event_key === sent.event_key)?.status,
      (status) => status === "bounced",
    );
    const next = queued(notify(shop, customerId, `test:${crypto.randomUUID()}`), 1);
    await consume(next.message);
    expect(next.done).toEqual({ ack: 1, retry: [] });
    const suppressed = await runInDurableObject(customerAccount(env, shop, customerId), (_o: CustomerAccount, state) =>
      state.storage.sql.exec<{ email_suppressed: number }>(`SELECT email_suppressed FROM contact`).one(),
    );
    expect(suppressed.email_suppressed).toBe(1);
    const skipped = await eventually(
      async () => (await emailEvents(shop, customerId)).filter((r) => r.status === "skipped"),
      (r) => r.length > 0,
    );
    expect(skipped[0]!.error).toBe("email_suppressed");
  });
});

describe("the sweeper", () => {
  it("queues again a notification whose message was lost, and it is sent once", async () => {
    const { shop, sendgrid } = await shopWithProviders("notify-redrive");
    const customerId = newId();
    await deliver("orders/paid", shop, paidOrder({ orderId: newId(), customerId, subtotal: "1.00", email: `r${customerId}@x.example`, locale: "en" }));
    const key = `test:${crypto.randomUUID()}`;
    const old = new Date(Date.now() - QUEUED_STALE_MS - 60_000);
    await sql`
      INSERT INTO email_events (shop, customer_id, event_key, channel, notification_type, status, facts, event_at, queued_at, updated_at)
      VALUES (${shop}, ${customerId}, ${key}, 'email', 'points_earned', 'queued', ${JSON.stringify({ points: 5, points_balance: 15 })}::jsonb, ${old}, ${old}, ${old})`;
    const redriven = await redriveStuckNotifications(env, sql, Date.now());
    expect(redriven).toBeGreaterThanOrEqual(1);
    const sent = await eventually(
      async () => byReference(await standinRequests("sendgrid", sendgrid.api_key, "send"), reference(shop, customerId, key, "email")),
      (r) => r.length > 0,
    );
    expect(sent).toHaveLength(1);
    // Touched: the next tick does not queue it again at once.
    const [row] = await sql<{ updated_at: Date }[]>`SELECT updated_at FROM email_events WHERE shop = ${shop} AND event_key = ${key}`;
    expect(Date.now() - row!.updated_at.getTime()).toBeLessThan(QUEUED_STALE_MS);
  });
});

/** WebCrypto's r‖s as the ASN.1 DER SendGrid sends. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let value = bytes.subarray(i);
    if (value[0]! & 0x80) value = Uint8Array.of(0, ...value);
    return Uint8Array.of(0x02, value.length, ...value);
  };
  const r = integer(raw.subarray(0, 32));
  const s = integer(raw.subarray(32));
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}
