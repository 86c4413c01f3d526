// The provider adapters against the local stand-ins: each request as the provider would see it
// (auth, shape), each failure classed as the notifications queue needs it (retry or give up,
// Retry-After, timeout), the credentials check's tries, and the stand-ins' own refusals of
// wrong-shaped requests (a stand-in that accepted anything would prove nothing).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { capturePosthog, checkDelayMs, checkProvider, sendEmail, sendKlaviyoEvent, sendPostscript, sendTwilio, type EmailMessage, type KlaviyoEvent, type PosthogEvent, type TextMessage } from "../../workers/providers";
import { clean, parseRetryAfter, providersOriginOverride } from "../../workers/providers/http";
import { KLAVIYO_REVISION } from "../../workers/providers/klaviyo";
import { ProviderError, type Provider } from "../../workers/providers/types";
import { freshConfig, injectProviderFault, keyOf, rawStandinRequest, standinRequests } from "../helpers/provider-standins";

const email = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  to: "ada@customer.example",
  subject: "You earned 50 points",
  html: "<p>You earned <b>50</b> points</p>",
  text: "You earned 50 points",
  category: "points_earned",
  reference: "shop-1:evt-1:email",
  ...overrides,
});
const text = (overrides: Partial<TextMessage> = {}): TextMessage => ({ to: "+14155550123", body: "You earned 50 points at Shop", reference: "shop-1:evt-1:sms", ...overrides });
const klaviyoEvent = (overrides: Partial<KlaviyoEvent> = {}): KlaviyoEvent => ({
  metric: "LoyalNest Points Earned",
  unique_id: "shop-1:evt-1:klaviyo",
  time: "2026-12-01T10:00:00.000Z",
  value: 50,
  properties: { points: 50, points_balance: 250 },
  profile: { email: "ada@customer.example", phone_number: null, external_id: "gid://shopify/Customer/1", properties: { loyalnest_points_balance: 250, loyalnest_tier: "Gold" } },
  ...overrides,
});
const posthogEvent = (n: number): PosthogEvent => ({
  event: "points_earned",
  distinct_id: `customer-hash-${n}`,
  uuid: crypto.randomUUID(),
  timestamp: "2026-12-01T10:00:00.000Z",
  properties: { points: n },
});

/** The ProviderError a call threw (fails the test when it resolved). */
async function failure(call: Promise<unknown>): Promise<ProviderError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe("requests as each provider sees them", () => {
  it("SendGrid: Bearer key, personalizations, from, subject, text then html, category and our reference; answers X-Message-Id", async () => {
    const config = await freshConfig("sendgrid");
    const sent = await sendEmail(env, config, email());
    const seen = (await standinRequests("sendgrid", config.api_key, "send"))[0]!;
    expect(seen).toMatchObject({ method: "POST", path: "/v3/mail/send", authorized: true, accepted: true, status: 202 });
    expect(seen.headers["content-type"]).toContain("application/json");
    expect(seen.body).toEqual({
      personalizations: [{ to: [{ email: "ada@customer.example" }] }],
      from: { email: "rewards@shop.example", name: "Shop Rewards" },
      subject: "You earned 50 points",
      content: [
        { type: "text/plain", value: "You earned 50 points" },
        { type: "text/html", value: "<p>You earned <b>50</b> points</p>" },
      ],
      categories: ["points_earned"],
      custom_args: { loyalnest_reference: "shop-1:evt-1:email", loyalnest_type: "points_earned" },
    });
    expect(sent.provider_message_id).toBe(seen.messageId);
    expect(sent.provider_message_id).toMatch(/^[\w-]{10,}$/);
  });

  it("SendGrid: a sender without a name sends the email alone", async () => {
    const config = { ...(await freshConfig("sendgrid")), from_name: null };
    await sendEmail(env, config, email());
    const seen = (await standinRequests("sendgrid", config.api_key, "send"))[0]!;
    expect((seen.body as { from: unknown }).from).toEqual({ email: "rewards@shop.example" });
  });

  it("Twilio SMS: Basic account_sid:auth_token on the account's Messages.json, form-encoded To/From/Body; answers the SM sid", async () => {
    const config = await freshConfig("twilio");
    const sent = await sendTwilio(env, config, "sms", text());
    const seen = (await standinRequests("twilio", config.account_sid, "send"))[0]!;
    expect(seen).toMatchObject({ method: "POST", path: `/2010-04-01/Accounts/${config.account_sid}/Messages.json`, authorized: true, status: 201 });
    expect(seen.headers["content-type"]).toContain("application/x-www-form-urlencoded");
    expect(seen.body).toEqual({ To: "+14155550123", From: "+15005550006", Body: "You earned 50 points at Shop" });
    expect(sent.provider_message_id).toBe(seen.messageId);
    expect(sent.provider_message_id).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it("Twilio SMS from a Messaging Service sends MessagingServiceSid instead of From", async () => {
    const config = { ...(await freshConfig("twilio")), sms_from: `MG${"ab".repeat(16)}` };
    await sendTwilio(env, config, "sms", text());
    const seen = (await standinRequests("twilio", config.account_sid, "send"))[0]!;
    expect(seen.body).toEqual({ To: "+14155550123", MessagingServiceSid: config.sms_from, Body: "You earned 50 points at Shop" });
  });

  it("Twilio WhatsApp: whatsapp: on both To and From", async () => {
    const config = await freshConfig("twilio");
    await sendTwilio(env, config, "whatsapp", text());
    const seen = (await standinRequests("twilio", config.account_sid, "send"))[0]!;
    expect(seen.body).toMatchObject({ To: "whatsapp:+14155550123", From: "whatsapp:+14155238886" });
    expect(seen.status).toBe(201);
  });

  it("Twilio without the channel's sender fails permanently before any request", async () => {
    const config = { ...(await freshConfig("twilio")), whatsapp_from: null };
    const error = await failure(sendTwilio(env, config, "whatsapp", text()));
    expect(error).toMatchObject({ provider: "twilio", kind: "permanent", code: "not_configured" });
    expect(await standinRequests("twilio", config.account_sid)).toHaveLength(0);
  });

  it("Postscript: Bearer private key, a transactional message request to the phone; answers its id", async () => {
    const config = await freshConfig("postscript");
    const sent = await sendPostscript(env, config, text());
    const seen = (await standinRequests("postscript", config.api_key, "send"))[0]!;
    expect(seen).toMatchObject({ method: "POST", path: "/api/v2/message_requests", authorized: true, status: 202 });
    expect(seen.body).toEqual({ phone: "+14155550123", body: "You earned 50 points at Shop", category: "transactional" });
    expect(sent.provider_message_id).toBe(seen.messageId);
  });

  it("Klaviyo: Klaviyo-API-Key, the pinned revision, a JSON:API event with metric, profile (nulls left out), unique_id, time and value", async () => {
    const config = await freshConfig("klaviyo");
    const sent = await sendKlaviyoEvent(env, config, klaviyoEvent());
    const seen = (await standinRequests("klaviyo", config.private_api_key, "send"))[0]!;
    expect(seen).toMatchObject({ method: "POST", path: "/api/events", authorized: true, status: 202 });
    expect(seen.headers.revision).toBe(KLAVIYO_REVISION);
    expect(seen.headers["content-type"]).toContain("application/vnd.api+json");
    expect(seen.body).toEqual({
      data: {
        type: "event",
        attributes: {
          properties: { points: 50, points_balance: 250 },
          time: "2026-12-01T10:00:00.000Z",
          unique_id: "shop-1:evt-1:klaviyo",
          value: 50,
          metric: { data: { type: "metric", attributes: { name: "LoyalNest Points Earned" } } },
          profile: {
            data: {
              type: "profile",
              attributes: { email: "ada@customer.example", external_id: "gid://shopify/Customer/1", properties: { loyalnest_points_balance: 250, loyalnest_tier: "Gold" } },
            },
          },
        },
      },
    });
    expect(sent.provider_message_id).toBeNull();
  });

  it("PostHog: one /batch/ with the project key in the body and each event's uuid, timestamp and distinct_id", async () => {
    const config = await freshConfig("posthog");
    const events = [posthogEvent(1), posthogEvent(2)];
    await capturePosthog(env, config, events);
    const seen = await standinRequests("posthog", config.project_api_key, "send");
    expect(seen).toHaveLength(1);
    expect(seen[0]!).toMatchObject({ method: "POST", path: "/batch/", authorized: true, status: 200 });
    expect(seen[0]!.body).toEqual({
      api_key: config.project_api_key,
      batch: events.map((e) => ({ event: e.event, distinct_id: e.distinct_id, uuid: e.uuid, timestamp: e.timestamp, properties: { ...e.properties, $lib: "loyalnest-worker" } })),
    });
  });

  it("PostHog: an empty batch makes no request", async () => {
    const config = await freshConfig("posthog");
    await capturePosthog(env, config, []);
    expect(await standinRequests("posthog", config.project_api_key)).toHaveLength(0);
  });
});

describe("failures, classed for the queue", () => {
  it("a wrong key: permanent http_401 with the provider's message and no secret", async () => {
    const config = { ...(await freshConfig("sendgrid")), api_key: `SG.${"x".repeat(22)}.${"y".repeat(43)}` };
    const error = await failure(sendEmail(env, config, email()));
    expect(error).toMatchObject({ provider: "sendgrid", kind: "permanent", code: "http_401", status: 401, retryAfterSeconds: null });
    expect(error.message).toContain("authorization grant is invalid");
    expect(error.message).not.toContain(config.api_key);
  });

  it("Twilio's wrong auth token: permanent http_401 (code 20003)", async () => {
    const config = { ...(await freshConfig("twilio")), auth_token: "0".repeat(32) };
    const error = await failure(sendTwilio(env, config, "sms", text()));
    expect(error).toMatchObject({ kind: "permanent", code: "http_401" });
    expect(error.message).toContain("20003 Authenticate");
  });

  it("a 400 is permanent, with the provider's message naming the field", async () => {
    const config = { ...(await freshConfig("sendgrid")), from_email: "not-an-email" };
    const error = await failure(sendEmail(env, config, email()));
    expect(error).toMatchObject({ kind: "permanent", code: "http_400", status: 400 });
    expect(error.message).toMatch(/^from: The from object must be provided/);
  });

  it("a refused recipient is permanent invalid_recipient, and the message does not repeat the number", async () => {
    const config = await freshConfig("twilio");
    await injectProviderFault({ provider: "twilio", key: config.account_sid, mode: "reject_recipient", recipient: "+14155550199", times: 0 });
    const error = await failure(sendTwilio(env, config, "sms", text({ to: "+14155550199" })));
    expect(error).toMatchObject({ kind: "permanent", code: "invalid_recipient", status: 400 });
    expect(error.message).toContain("21211 Invalid 'To' Phone Number");
    expect(error.message).not.toContain("4155550199");
    // Another recipient of the same shop still goes through.
    await expect(sendTwilio(env, config, "sms", text())).resolves.toMatchObject({ provider_message_id: expect.stringMatching(/^SM/) });
  });

  it.each([
    ["sendgrid", "ada@customer.example"],
    ["klaviyo", "ada@customer.example"],
    ["postscript", "+14155550123"],
  ] as const)("%s: a refused recipient is invalid_recipient", async (provider, recipient) => {
    const config = await freshConfig(provider);
    await injectProviderFault({ provider, key: keyOf(provider, config), mode: "reject_recipient", recipient });
    const call =
      provider === "sendgrid"
        ? sendEmail(env, config as never, email())
        : provider === "klaviyo"
          ? sendKlaviyoEvent(env, config as never, klaviyoEvent())
          : sendPostscript(env, config as never, text());
    const error = await failure(call);
    expect(error).toMatchObject({ provider, kind: "permanent", code: "invalid_recipient", status: 400 });
    expect(error.message).not.toContain(recipient);
  });

  it("a 429 is retryable with Retry-After in seconds", async () => {
    const config = await freshConfig("klaviyo");
    await injectProviderFault({ provider: "klaviyo", key: config.private_api_key, mode: "throttle", retryAfter: "17" });
    const error = await failure(sendKlaviyoEvent(env, config, klaviyoEvent()));
    expect(error).toMatchObject({ kind: "retryable", code: "http_429", status: 429, retryAfterSeconds: 17 });
    expect(error.message).toContain("throttled");
  });

  it("a 429 with Retry-After as an HTTP date is retryable with the seconds until then", async () => {
    const config = await freshConfig("postscript");
    const at = new Date(Date.now() + 120_000).toUTCString();
    await injectProviderFault({ provider: "postscript", key: config.api_key, mode: "throttle", retryAfter: at });
    const error = await failure(sendPostscript(env, config, text()));
    expect(error).toMatchObject({ kind: "retryable", code: "http_429" });
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(115);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(121);
  });

  it("a 503 is retryable (no Retry-After given)", async () => {
    const config = await freshConfig("posthog");
    await injectProviderFault({ provider: "posthog", key: config.project_api_key, mode: "status", status: 503 });
    const error = await failure(capturePosthog(env, config, [posthogEvent(1)]));
    expect(error).toMatchObject({ provider: "posthog", kind: "retryable", code: "http_503", status: 503, retryAfterSeconds: null });
  });

  it("a provider that never answers: retryable timeout after the call's timeout", async () => {
    const config = await freshConfig("sendgrid");
    await injectProviderFault({ provider: "sendgrid", key: config.api_key, mode: "hang", holdMs: 5_000 });
    const started = Date.now();
    const error = await failure(sendEmail(env, config, email(), { timeoutMs: 300 }));
    const took = Date.now() - started;
    expect(error).toMatchObject({ kind: "retryable", code: "timeout", status: null });
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3_000);
  });

  it("a provider that answers 200 and then stalls mid-body: retryable timeout too", async () => {
    const config = await freshConfig("twilio");
    await injectProviderFault({ provider: "twilio", key: config.account_sid, mode: "stall", holdMs: 5_000 });
    const started = Date.now();
    const error = await failure(sendTwilio(env, config, "sms", text(), { timeoutMs: 300 }));
    expect(error).toMatchObject({ kind: "retryable", code: "timeout" });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("a dropped connection: retryable network", async () => {
    const config = await freshConfig("twilio");
    await injectProviderFault({ provider: "twilio", key: config.account_sid, mode: "reset" });
    const error = await failure(sendTwilio(env, config, "sms", text()));
    expect(error).toMatchObject({ kind: "retryable", code: "network", status: null });
  });

  it("each send is ONE try: a 503 is not retried by the adapter", async () => {
    const config = await freshConfig("postscript");
    await injectProviderFault({ provider: "postscript", key: config.api_key, mode: "status", status: 503, times: 1 });
    await failure(sendPostscript(env, config, text()));
    expect(await standinRequests("postscript", config.api_key, "send")).toHaveLength(1);
  });
});

describe("checkProvider", () => {
  const providers: Provider[] = ["sendgrid", "twilio", "postscript", "klaviyo", "posthog"];
  const noWait = (delays: number[]) => async (ms: number) => void delays.push(ms);

  it.each(providers)("%s: ok on the first try, through the provider's read-only endpoint", async (provider) => {
    const config = await freshConfig(provider);
    const result = await checkProvider(env, provider, config);
    expect(result).toMatchObject({ ok: true, attempts: 1, error: null });
    expect(Date.parse(result.checked_at)).toBeGreaterThan(Date.now() - 60_000);
    const seen = await standinRequests(provider, keyOf(provider, config));
    expect(seen.map((r) => [r.operation, r.status])).toEqual([["check", 200]]);
  });

  it.each(providers)("%s: a bad key fails at once (permanent, 1 try) with the provider's 401", async (provider) => {
    const config = await freshConfig(provider);
    const key = keyOf(provider, config);
    const wrong = provider === "twilio" ? { ...config, auth_token: "f".repeat(32) } : { ...config, [Object.keys(config)[0]!]: `${key.slice(0, -4)}zzzz` };
    const delays: number[] = [];
    const result = await checkProvider(env, provider, wrong as never, { sleep: noWait(delays) });
    expect(result).toMatchObject({ ok: false, attempts: 1, error: { code: "http_401" } });
    expect(result.error!.message).not.toContain(provider === "twilio" ? "f".repeat(32) : `${key.slice(0, -4)}zzzz`);
    expect(delays).toEqual([]);
  });

  it("fails twice, then ok: 3 tries with growing backoff", async () => {
    const config = await freshConfig("klaviyo");
    await injectProviderFault({ provider: "klaviyo", key: config.private_api_key, mode: "status", status: 503, times: 2, operation: "check" });
    const delays: number[] = [];
    const result = await checkProvider(env, "klaviyo", config, { sleep: noWait(delays) });
    expect(result).toMatchObject({ ok: true, attempts: 3, error: null });
    expect((await standinRequests("klaviyo", config.private_api_key, "check")).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(250);
    expect(delays[0]).toBeLessThanOrEqual(500);
    expect(delays[1]).toBeGreaterThanOrEqual(500);
    expect(delays[1]).toBeLessThanOrEqual(1000);
  });

  it("fails twice then ok with real waits between tries", async () => {
    const config = await freshConfig("postscript");
    await injectProviderFault({ provider: "postscript", key: config.api_key, mode: "status", status: 502, times: 2 });
    const started = Date.now();
    const result = await checkProvider(env, "postscript", config);
    expect(result).toMatchObject({ ok: true, attempts: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
  });

  it("always failing: 3 tries, not ok, the last error kept; never throws", async () => {
    const config = await freshConfig("twilio");
    await injectProviderFault({ provider: "twilio", key: config.account_sid, mode: "status", status: 500, times: 0 });
    const result = await checkProvider(env, "twilio", config, { sleep: noWait([]) });
    expect(result).toMatchObject({ ok: false, attempts: 3, error: { code: "http_500" } });
    expect(await standinRequests("twilio", config.account_sid, "check")).toHaveLength(3);
  });

  it("honours Retry-After between tries (capped at 10 s)", async () => {
    const config = await freshConfig("sendgrid");
    await injectProviderFault({ provider: "sendgrid", key: config.api_key, mode: "throttle", retryAfter: "3" });
    await injectProviderFault({ provider: "sendgrid", key: config.api_key, mode: "throttle", retryAfter: "3600" });
    const delays: number[] = [];
    const result = await checkProvider(env, "sendgrid", config, { sleep: noWait(delays) });
    expect(result).toMatchObject({ ok: true, attempts: 3 });
    expect(delays).toEqual([3_000, 10_000]);
  });

  it("a hung provider: 3 timeouts, not ok", async () => {
    const config = await freshConfig("posthog");
    await injectProviderFault({ provider: "posthog", key: config.project_api_key, mode: "hang", holdMs: 3_000, times: 0 });
    const result = await checkProvider(env, "posthog", config, { timeoutMs: 200, sleep: noWait([]) });
    expect(result).toMatchObject({ ok: false, attempts: 3, error: { code: "timeout" } });
  });

  it("SendGrid: a key without mail.send is refused (missing_scope), without retrying", async () => {
    const config = await freshConfig("sendgrid", { scopes: ["scopes.read", "stats.read"] });
    const result = await checkProvider(env, "sendgrid", config, { sleep: noWait([]) });
    expect(result).toMatchObject({ ok: false, attempts: 1, error: { code: "missing_scope" } });
  });

  it("Twilio: a suspended account is not ok (account_inactive)", async () => {
    const config = await freshConfig("twilio", { status: "suspended" });
    const result = await checkProvider(env, "twilio", config, { sleep: noWait([]) });
    expect(result).toMatchObject({ ok: false, attempts: 1, error: { code: "account_inactive", message: "the Twilio account is suspended" } });
  });

  it("backoff between tries: 0.5 s then 1 s, half of it jitter", () => {
    expect(checkDelayMs(0, null, () => 0)).toBe(250);
    expect(checkDelayMs(0, null, () => 1)).toBe(500);
    expect(checkDelayMs(1, null, () => 1)).toBe(1000);
    expect(checkDelayMs(1, 4, () => 0)).toBe(4000);
  });
});

describe("where providers are reached, and what a message may hold", () => {
  it("PROVIDERS_ORIGIN is honoured outside production only", () => {
    expect(providersOriginOverride({ ENVIRONMENT: "development", PROVIDERS_ORIGIN: "http://127.0.0.1:8789/" })).toBe("http://127.0.0.1:8789");
    expect(providersOriginOverride({ ENVIRONMENT: "production", PROVIDERS_ORIGIN: "http://127.0.0.1:8789" })).toBeNull();
    expect(providersOriginOverride({ ENVIRONMENT: "test", PROVIDERS_ORIGIN: "" })).toBeNull();
    expect(providersOriginOverride({ ENVIRONMENT: "test" })).toBeNull();
    expect(() => providersOriginOverride({ ENVIRONMENT: "test", PROVIDERS_ORIGIN: "ftp://x" })).toThrow(/http/);
  });

  it("in production every adapter calls the provider's own host", async () => {
    const [sendgrid, twilio, postscript, klaviyo] = [await freshConfig("sendgrid"), await freshConfig("twilio"), await freshConfig("postscript"), await freshConfig("klaviyo")];
    const seen: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      seen.push(String(input instanceof Request ? input.url : input));
      return new Response(JSON.stringify({ sid: "SM1", id: "x", scopes: ["mail.send"], status: "active" }), { status: 202 });
    }) as typeof fetch;
    try {
      const production = { ...env, ENVIRONMENT: "production" } as Env;
      await sendEmail(production, sendgrid, email());
      await sendTwilio(production, twilio, "sms", text());
      await sendPostscript(production, postscript, text());
      await sendKlaviyoEvent(production, klaviyo, klaviyoEvent());
      await capturePosthog(production, { project_api_key: "phc_x", host: "https://eu.i.posthog.com" }, [posthogEvent(1)]);
      await checkProvider(production, "posthog", { project_api_key: "phc_x", host: "https://eu.i.posthog.com" });
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(seen.map((url) => new URL(url).origin + new URL(url).pathname)).toEqual([
      "https://api.sendgrid.com/v3/mail/send",
      expect.stringMatching(/^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\.json$/),
      "https://api.postscript.io/api/v2/message_requests",
      "https://a.klaviyo.com/api/events",
      "https://eu.i.posthog.com/batch/",
      "https://eu.i.posthog.com/flags/",
    ]);
  });

  it("Retry-After: seconds, an HTTP date, nothing usable", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Tue, 01 Dec 2026 10:01:30 GMT", now)).toBe(90);
    expect(parseRetryAfter("Tue, 01 Dec 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("a stored message has no secret, email or phone, and is one short line", () => {
    const message = clean(`key SG.abc.def refused for ada@customer.example\nand +1 415 555 0199 ${"x".repeat(400)}`, ["SG.abc.def"]);
    expect(message).not.toMatch(/SG\.abc|ada@|555/);
    expect(message).not.toContain("\n");
    expect(message.length).toBeLessThanOrEqual(300);
  });
});

describe("the stand-ins refuse what the provider would refuse", () => {
  const json = (body: unknown) => JSON.stringify(body);

  it("SendGrid: html before text, a missing personalization, an unknown key", async () => {
    const { api_key } = await freshConfig("sendgrid");
    const headers = { authorization: `Bearer ${api_key}`, "content-type": "application/json" };
    const base = { personalizations: [{ to: [{ email: "a@b.example" }] }], from: { email: "s@b.example" }, subject: "s", content: [{ type: "text/plain", value: "t" }] };
    const wrongOrder = await rawStandinRequest("/v3/mail/send", { method: "POST", headers, body: json({ ...base, content: [{ type: "text/html", value: "h" }, { type: "text/plain", value: "t" }] }) });
    expect(wrongOrder.status).toBe(400);
    expect(await wrongOrder.json()).toMatchObject({ errors: [{ field: "content" }] });
    const noPersonalizations = await rawStandinRequest("/v3/mail/send", { method: "POST", headers, body: json({ ...base, personalizations: [] }) });
    expect(noPersonalizations.status).toBe(400);
    expect(await noPersonalizations.json()).toMatchObject({ errors: [{ field: "personalizations" }] });
    const unknownKey = await rawStandinRequest("/v3/mail/send", { method: "POST", headers: { ...headers, authorization: "Bearer SG.nope" }, body: json(base) });
    expect(unknownKey.status).toBe(401);
    const ok = await rawStandinRequest("/v3/mail/send", { method: "POST", headers, body: json(base) });
    expect(ok.status).toBe(202);
  });

  it("Twilio: no Body, a To that is not E.164, mixed channels, another account's SID in the path", async () => {
    const config = await freshConfig("twilio");
    const authorization = `Basic ${btoa(`${config.account_sid}:${config.auth_token}`)}`;
    const post = (form: Record<string, string>, sid = config.account_sid) =>
      rawStandinRequest(`/2010-04-01/Accounts/${sid}/Messages.json`, { method: "POST", headers: { authorization, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
    expect(await (await post({ To: "+14155550123", From: "+15005550006" })).json()).toMatchObject({ code: 21602, status: 400 });
    expect(await (await post({ To: "4155550123", From: "+15005550006", Body: "x" })).json()).toMatchObject({ code: 21211, status: 400 });
    expect(await (await post({ To: "whatsapp:+14155550123", From: "+15005550006", Body: "x" })).json()).toMatchObject({ code: 21910 });
    expect((await post({ To: "+14155550123", From: "+15005550006", Body: "x" }, `AC${"0".repeat(32)}`)).status).toBe(401);
    expect((await post({ To: "+14155550123", From: "+15005550006", Body: "x" })).status).toBe(201);
  });

  it("Klaviyo: no revision header, no metric, a profile without an identifier", async () => {
    const { private_api_key } = await freshConfig("klaviyo");
    const headers = { authorization: `Klaviyo-API-Key ${private_api_key}`, revision: KLAVIYO_REVISION, "content-type": "application/vnd.api+json" };
    const good = { data: { type: "event", attributes: { properties: {}, metric: { data: { type: "metric", attributes: { name: "m" } } }, profile: { data: { type: "profile", attributes: { external_id: "1" } } } } } };
    const { revision: _revision, ...noRevision } = headers;
    expect((await rawStandinRequest("/api/events", { method: "POST", headers: noRevision, body: json(good) })).status).toBe(400);
    const noMetric = structuredClone(good) as { data: { attributes: Record<string, unknown> } };
    delete noMetric.data.attributes.metric;
    const refused = await rawStandinRequest("/api/events", { method: "POST", headers, body: json(noMetric) });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ errors: [{ code: "invalid", source: { pointer: "/data/attributes/metric/data/attributes/name" } }] });
    const anonymous = structuredClone(good);
    anonymous.data.attributes.profile.data.attributes = {} as never;
    expect((await rawStandinRequest("/api/events", { method: "POST", headers, body: json(anonymous) })).status).toBe(400);
    expect((await rawStandinRequest("/api/events", { method: "POST", headers, body: json(good) })).status).toBe(202);
  });

  it("Postscript: no body; PostHog: an event without distinct_id, an unknown project key", async () => {
    const { api_key } = await freshConfig("postscript");
    const noBody = await rawStandinRequest("/api/v2/message_requests", { method: "POST", headers: { authorization: `Bearer ${api_key}`, "content-type": "application/json" }, body: json({ phone: "+14155550123" }) });
    expect(noBody.status).toBe(400);
    expect(await noBody.json()).toMatchObject({ errors: [{ msg: "body is required" }] });

    const { project_api_key } = await freshConfig("posthog");
    const noDistinctId = await rawStandinRequest("/batch/", { method: "POST", headers: { "content-type": "application/json" }, body: json({ api_key: project_api_key, batch: [{ event: "e" }] }) });
    expect(noDistinctId.status).toBe(400);
    const unknownKey = await rawStandinRequest("/batch/", { method: "POST", headers: { "content-type": "application/json" }, body: json({ api_key: "phc_unknown", batch: [{ event: "e", distinct_id: "d" }] }) });
    expect(unknownKey.status).toBe(401);
    expect(await unknownKey.json()).toMatchObject({ type: "authentication_error", code: "invalid_api_key" });
  });

  it("refused requests are recorded too, as refused", async () => {
    const config = { ...(await freshConfig("twilio")), auth_token: "1".repeat(32) };
    await failure(sendTwilio(env, config, "sms", text()));
    const seen = (await standinRequests("twilio", config.account_sid))[0]!;
    expect(seen).toMatchObject({ authorized: false, accepted: false, status: 401 });
    expect(seen.headers).not.toHaveProperty("authorization");
  });
});
