// Earning beyond orders, through the real webhooks and routes: signup, newsletter, reviews
// (Judge.me), birthday, social follow and goal spend, each once per its key and within its limit,
// whatever the repeats and however they interleave.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { birthdayIn, nextBirthdayAfter } from "../../core/birthday";
import { ciphertextKid, dataKeys, encryptText, keyring, reviewSecretContext } from "../../core/crypto";
import { toBase64 } from "../../core/encoding";
import { reencryptBatch } from "../../queues/reencrypt";
import { CUSTOMER_ACCOUNT_MIGRATIONS } from "../../durable-objects/customer-account-schema";
import { DEFAULT_EARNING, type EarningRules } from "../../core/program";
import { saveProgramChange } from "../../d1/program";
import { getProgram } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import { connectReporting } from "../../postgres/client";
import { call, eventually, install, json } from "../helpers/app";
import { history, inAccount, invariants } from "../helpers/redemption";
import { customerBody, orderBody, proxyUrl, refundBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

let nextCustomer = 8_800_000;
const newCustomer = () => String(++nextCustomer);
const DAY = 86_400_000;
const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

async function shopWith(label: string, earning: Partial<EarningRules> = {}, enabled = true): Promise<string> {
  const shop = uniqueShop(label);
  await install(shop);
  if (Object.keys(earning).length > 0 || !enabled) {
    await saveProgramChange(env, shop, (p) => ({ ...p, enabled, earning: { ...p.earning, ...earning } }), { actor: "test" });
  }
  return shop;
}

const ledger = (shop: string, customerId: string) =>
  inAccount(shop, customerId, (s) =>
    s.exec<{ kind: string; points: number; idempotency_key: string }>(`SELECT kind, points, idempotency_key FROM ledger ORDER BY seq`).toArray(),
  );
const kinds = async (shop: string, customerId: string, kind: string) => (await ledger(shop, customerId)).filter((e) => e.kind === kind);

async function deliver(topic: string, shop: string, body: string): Promise<{ status: number; body: Record<string, any> }> {
  const response = await call(await webhookRequest(topic, shop, body));
  return { status: response.status, body: await json(response) };
}

const consentBody = (customerId: string, state: string, at: string | null) =>
  `{"customer_id":${customerId},"email_address":"n${customerId}@example.com","email_marketing_consent":{"state":"${state}","opt_in_level":"single_opt_in","consent_updated_at":${at === null ? "null" : `"${at}"`}}}`;

describe("signup (customers/create)", () => {
  it("awards once whatever the redeliveries, also racing; counts as earned and opens a lot", async () => {
    const shop = await shopWith("signup");
    const customerId = newCustomer();
    const body = customerBody({ id: customerId, email: `s${customerId}@example.com` });
    const answers = await Promise.all(Array.from({ length: 5 }, () => deliver("customers/create", shop, body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await kinds(shop, customerId, "signup")).toEqual([{ kind: "signup", points: 200, idempotency_key: `gid://shopify/Customer/${customerId}:signup` }]);
    const summary = await customerAccount(env, shop, customerId).summary();
    expect(summary).toMatchObject({ points_balance: 200, total_points_earned: 200 });
    expect(await invariants(shop, customerId)).toMatchObject({ balance: 200, ledgerSum: 200, lotsSum: 200 });
  });

  it("DO migration 5 counts signup bonuses awarded before it toward the signup limit", async () => {
    const shop = await shopWith("signup-backfill");
    const customerId = newCustomer();
    await deliver("customers/create", shop, customerBody({ id: customerId }));
    // As an account migrated from version 4 would be: the bonus in the ledger, no award rows.
    const backfilled = await inAccount(shop, customerId, (s) => {
      s.exec(`DELETE FROM action_awards`);
      const backfill = CUSTOMER_ACCOUNT_MIGRATIONS[4]!.find((statement) => statement.includes("INSERT INTO action_awards"))!;
      s.exec(backfill);
      return s.exec(`SELECT key, action, scope, points FROM action_awards`).toArray();
    });
    expect(backfilled).toEqual([{ key: `gid://shopify/Customer/${customerId}:signup`, action: "signup", scope: "", points: 200 }]);
    const program = await getProgram(env, shop);
    const again = await customerAccount(env, shop, customerId).customerCreated({
      shop,
      customerId,
      delivery: { id: `replayed-${customerId}`, topic: "customers/create" },
      customerGid: `gid://shopify/Customer/${customerId}-other`,
      program,
      profile: { email_encrypted: null, email_blind_index: null, first_name: null, last_name: null, shopify_created_at: null },
    });
    expect(again).toMatchObject({ outcome: "recorded", points: 0 });
    expect(await kinds(shop, customerId, "signup")).toHaveLength(1);
  });

  it("earns nothing when signup is off, or the program is off", async () => {
    const off = await shopWith("signup-off", { signup: { ...DEFAULT_EARNING.signup, enabled: false } });
    const programOff = await shopWith("program-off", {}, false);
    for (const shop of [off, programOff]) {
      const customerId = newCustomer();
      const answer = await deliver("customers/create", shop, customerBody({ id: customerId }));
      expect(answer.body).toMatchObject({ outcome: "recorded", points: 0 });
      expect(await ledger(shop, customerId)).toEqual([]);
    }
  });
});

describe("newsletter (customers_email_marketing_consent/update)", () => {
  it("awards one subscription once; unsubscribing and resubscribing does not award again (lifetime 1)", async () => {
    const shop = await shopWith("newsletter");
    const customerId = newCustomer();
    const subscribed = consentBody(customerId, "subscribed", "2026-11-02T10:00:00Z");
    const first = await Promise.all(Array.from({ length: 4 }, () => deliver("customers_email_marketing_consent/update", shop, subscribed)));
    expect(first.filter((a) => a.body.outcome === "applied")).toHaveLength(1);
    expect(first.filter((a) => a.body.outcome === "duplicate")).toHaveLength(3);
    expect((await deliver("customers_email_marketing_consent/update", shop, consentBody(customerId, "unsubscribed", "2026-11-03T10:00:00Z"))).body)
      .toMatchObject({ outcome: "ignored", reason: "not_subscribed" });
    expect((await deliver("customers_email_marketing_consent/update", shop, consentBody(customerId, "subscribed", "2026-11-04T10:00:00Z"))).body)
      .toMatchObject({ outcome: "ignored", reason: "limit_reached" });
    expect(await kinds(shop, customerId, "newsletter")).toEqual([{ kind: "newsletter", points: 100, idempotency_key: `newsletter:${Date.parse("2026-11-02T10:00:00Z")}` }]);
  });

  it("with a yearly limit, a resubscription earns again the next calendar year, not the same one", async () => {
    const shop = await shopWith("newsletter-yearly", { newsletter: { enabled: true, points: 100, limit: { count: 1, period: "year" } } });
    const customerId = newCustomer();
    const times = ["2025-03-01T00:00:00Z", "2025-12-31T23:59:59Z", "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"];
    const outcomes = [];
    for (const at of times) outcomes.push((await deliver("customers_email_marketing_consent/update", shop, consentBody(customerId, "subscribed", at))).body.outcome);
    expect(outcomes).toEqual(["applied", "ignored", "applied", "ignored"]);
    expect(await kinds(shop, customerId, "newsletter")).toHaveLength(2);
  });

  it("customers/create of a subscribed customer (older payloads carry the consent) awards both; the later consent delivery is a duplicate", async () => {
    const shop = await shopWith("newsletter-create");
    const customerId = newCustomer();
    const body = customerBody({ id: customerId }).replace(
      /}$/,
      `,"email_marketing_consent":{"state":"subscribed","opt_in_level":"single_opt_in","consent_updated_at":"2026-11-05T08:00:00Z"}}`,
    );
    expect((await deliver("customers/create", shop, body)).body).toMatchObject({ outcome: "applied", points: 300 });
    expect((await deliver("customers_email_marketing_consent/update", shop, consentBody(customerId, "subscribed", "2026-11-05T08:00:00Z"))).body)
      .toMatchObject({ outcome: "duplicate", points: 100 });
    expect((await ledger(shop, customerId)).map((e) => e.kind)).toEqual(["signup", "newsletter"]);
  });

  it("earns nothing while the program is off; a bad payload is a 400", async () => {
    const shop = await shopWith("newsletter-off", {}, false);
    const customerId = newCustomer();
    expect((await deliver("customers_email_marketing_consent/update", shop, consentBody(customerId, "subscribed", "2026-11-05T08:00:00Z"))).body)
      .toMatchObject({ outcome: "ignored", reason: "not_offered" });
    expect(await ledger(shop, customerId)).toEqual([]);
    const bad = await deliver("customers_email_marketing_consent/update", shop, `{"customer_id":"abc","email_marketing_consent":{}}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_payload");
  });
});

// --- Reviews (Judge.me) ---------------------------------------------------------------------

/** Judge.me's signature, from its documentation: hex HMAC-SHA256 of the raw body with the secret. */
async function judgeMeSignature(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function connectJudgeMe(shop: string, secret: string): Promise<Response> {
  return call(
    new Request("https://loyalnest.test/v1/api/integrations/reviews", {
      method: "PUT",
      headers: { authorization: `Bearer ${await sessionToken(shop)}`, "content-type": "application/json" },
      body: JSON.stringify({ provider: "judgeme", secret }),
    }),
  );
}

function reviewBody(shop: string, review: { id: string; externalId?: string | null; email?: string | null; hidden?: boolean; createdAt?: string; event?: string }): string {
  return JSON.stringify({
    event: review.event ?? "review/created",
    platform: "shopify",
    shop_domain: shop,
    review: {
      id: Number(review.id),
      title: "Lovely",
      body: "Great product",
      rating: 5,
      product_external_id: 7_000_001,
      created_at: review.createdAt ?? new Date().toISOString(),
      hidden: review.hidden ?? false,
      curated: "ok",
      reviewer: { id: 602, external_id: review.externalId === undefined ? null : review.externalId === null ? null : Number(review.externalId), email: review.email ?? null, name: "R" },
    },
  });
}

async function sendReview(shop: string, body: string, signWith: string | null, options: { signature?: string; shopParam?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.signature) headers["judgeme-hmac-sha256"] = options.signature;
  else if (signWith !== null) headers["JUDGEME-HMAC-SHA256"] = await judgeMeSignature(signWith, body);
  const response = await call(
    new Request(`https://loyalnest.test/v1/api/integrations/judgeme/webhook?shop=${encodeURIComponent(options.shopParam ?? shop)}`, { method: "POST", headers, body }),
  );
  return { status: response.status, body: await json(response) };
}

let nextReview = 50_000_000;

describe("reviews (Judge.me webhooks)", () => {
  it("stores the secret sealed and answers the webhook address; a bad provider or short secret is a 400", async () => {
    const shop = await shopWith("judgeme-connect");
    const secret = "jm-secret-0123456789";
    const response = await connectJudgeMe(shop, secret);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({ status: "ok", provider: "judgeme" });
    expect(body.webhook_url).toBe(`https://loyalnest.test/v1/api/integrations/judgeme/webhook?shop=${encodeURIComponent(shop)}`);
    expect(JSON.stringify(body)).not.toContain(secret);
    const row = await env.DB.prepare(`SELECT secret_encrypted FROM review_integrations WHERE shop = ?`).bind(shop).first<{ secret_encrypted: string }>();
    expect(row!.secret_encrypted.startsWith("v2.")).toBe(true);
    expect(row!.secret_encrypted).not.toContain(secret);

    const bad = await call(
      new Request("https://loyalnest.test/v1/api/integrations/reviews", {
        method: "PUT",
        headers: { authorization: `Bearer ${await sessionToken(shop)}`, "content-type": "application/json" },
        body: JSON.stringify({ provider: "yotpo", secret: "short" }),
      }),
    );
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.code).toBe("invalid_request");
  });

  it("a secret sealed under a retired key is rewritten under the current one by the sweep, and still verifies", async () => {
    const shop = await shopWith("judgeme-rotate");
    const secret = "jm-secret-rotated-1";
    const retiredKey = toBase64(new Uint8Array(32).fill(7));
    const rotatedEnv = { ...env, ENCRYPTION_KEYS_PREVIOUS: retiredKey };
    await connectJudgeMe(shop, secret);
    const oldSealed = await encryptText(await dataKeys(retiredKey), secret, reviewSecretContext(shop, "judgeme"));
    await env.DB.prepare(`UPDATE review_integrations SET secret_encrypted = ? WHERE shop = ?`).bind(oldSealed, shop).run();
    for (let pass = 0; pass < 20; pass++) if ((await reencryptBatch(rotatedEnv, 50)).reviewSecrets === 0) break;
    const row = await env.DB.prepare(`SELECT secret_encrypted FROM review_integrations WHERE shop = ?`).bind(shop).first<{ secret_encrypted: string }>();
    expect(ciphertextKid(row!.secret_encrypted)).toBe((await keyring(env)).current.kid);
    const customerId = newCustomer();
    expect((await sendReview(shop, reviewBody(shop, { id: String(++nextReview), externalId: customerId }), secret)).body).toMatchObject({ outcome: "applied" });
  });

  it("awards the reviewer Judge.me names once per review id, racing redeliveries included; the limit holds across racing reviews", async () => {
    const shop = await shopWith("judgeme-award", { review: { enabled: true, points: 100, limit: { count: 2, period: "month" } } });
    const secret = "jm-secret-award-123";
    await connectJudgeMe(shop, secret);
    const customerId = newCustomer();
    const same = reviewBody(shop, { id: String(++nextReview), externalId: customerId });
    const repeats = await Promise.all(Array.from({ length: 4 }, () => sendReview(shop, same, secret)));
    expect(repeats.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(repeats.filter((r) => r.body.outcome === "applied")).toHaveLength(1);
    expect(repeats.filter((r) => r.body.outcome === "duplicate")).toHaveLength(3);

    // Four different reviews at once: one more fits this month's limit of 2.
    const others = await Promise.all(
      Array.from({ length: 4 }, async () => sendReview(shop, reviewBody(shop, { id: String(++nextReview), externalId: customerId }), secret)),
    );
    expect(others.filter((r) => r.body.outcome === "applied")).toHaveLength(1);
    expect(others.filter((r) => r.body.outcome === "limit_reached")).toHaveLength(3);
    expect(await kinds(shop, customerId, "review")).toHaveLength(2);
    expect(await invariants(shop, customerId)).toMatchObject({ balance: 200, ledgerSum: 200, lotsSum: 200 });
  });

  it("counts a review in the month it was written: the limit resets at the calendar month", async () => {
    const shop = await shopWith("judgeme-months", { review: { enabled: true, points: 100, limit: { count: 1, period: "month" } } });
    const secret = "jm-secret-months-1";
    await connectJudgeMe(shop, secret);
    const customerId = newCustomer();
    const at = ["2026-09-30T23:59:59Z", "2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z"];
    const outcomes = [];
    for (const createdAt of at) {
      outcomes.push((await sendReview(shop, reviewBody(shop, { id: String(++nextReview), externalId: customerId, createdAt }), secret)).body.outcome);
    }
    expect(outcomes).toEqual(["applied", "limit_reached", "applied"]);
  });

  it("refuses a missing, wrong or other shop's signature (401) and a tampered body; nothing is earned", async () => {
    const shop = await shopWith("judgeme-sig");
    const other = await shopWith("judgeme-sig-other");
    await connectJudgeMe(shop, "jm-secret-right-1");
    await connectJudgeMe(other, "jm-secret-other-1");
    const customerId = newCustomer();
    const body = reviewBody(shop, { id: String(++nextReview), externalId: customerId });
    const refused = [
      await sendReview(shop, body, null),
      await sendReview(shop, body, "jm-secret-wrong-1"),
      await sendReview(shop, body, "jm-secret-other-1"),
      await sendReview(shop, body, null, { signature: "zz" }),
      // Signed for one body, sent with another.
      await sendReview(shop, body.replace('"rating":5', '"rating":1'), null, { signature: await judgeMeSignature("jm-secret-right-1", body) }),
      // A shop with no provider connected.
      await sendReview(shop, body, "jm-secret-right-1", { shopParam: uniqueShop("no-provider") }),
    ];
    expect(refused.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(refused.map((r) => r.body.error.code)).toEqual(["missing_hmac", "invalid_hmac", "invalid_hmac", "invalid_hmac", "invalid_hmac", "invalid_hmac"]);
    expect(await ledger(shop, customerId)).toEqual([]);
  });

  it("answers bad input with 400s naming the problem, and ignores hidden reviews and other events", async () => {
    const shop = await shopWith("judgeme-bad");
    const secret = "jm-secret-bad-123";
    await connectJudgeMe(shop, secret);
    const customerId = newCustomer();
    expect((await sendReview(shop, "{nope", secret)).body.error.code).toBe("invalid_json");
    expect((await sendReview(shop, JSON.stringify({ event: "review/created" }), secret)).body.error.code).toBe("invalid_payload");
    const mismatch = reviewBody(shop, { id: String(++nextReview), externalId: customerId }).replace(shop, "elsewhere.myshopify.com");
    expect((await sendReview(shop, mismatch, secret)).body.error.code).toBe("shop_domain_mismatch");
    expect((await sendReview(shop, "{}", secret, { shopParam: "not a shop" })).body.error.code).toBe("invalid_shop");
    expect((await sendReview(shop, reviewBody(shop, { id: String(++nextReview), externalId: customerId, hidden: true }), secret)).body)
      .toMatchObject({ outcome: "ignored", reason: "review_hidden" });
    expect((await sendReview(shop, reviewBody(shop, { id: String(++nextReview), externalId: customerId, event: "question/created" }), secret)).body)
      .toMatchObject({ outcome: "ignored", reason: "unhandled_event" });
    expect(await ledger(shop, customerId)).toEqual([]);
  });

  it("a review hidden when created earns when an update publishes it, once", async () => {
    const shop = await shopWith("judgeme-publish");
    const secret = "jm-secret-publish-1";
    await connectJudgeMe(shop, secret);
    const customerId = newCustomer();
    const id = String(++nextReview);
    const send = (event: string, hidden: boolean) => sendReview(shop, reviewBody(shop, { id, externalId: customerId, hidden, event }), secret);
    expect((await send("review/created", true)).body).toMatchObject({ outcome: "ignored", reason: "review_hidden" });
    expect((await send("review/updated", false)).body).toMatchObject({ outcome: "applied", points: 100 });
    expect((await send("review/updated", false)).body).toMatchObject({ outcome: "duplicate", points: 100 });
    expect(await kinds(shop, customerId, "review")).toHaveLength(1);
  });

  it("finds the reviewer by email through the blind index; an email no customer has earns nothing (200 ignored)", async () => {
    const shop = await shopWith("judgeme-email");
    const secret = "jm-secret-email-12";
    await connectJudgeMe(shop, secret);
    const customerId = newCustomer();
    const email = `Reviewer.${customerId}@Example.com`;
    await deliver("customers/create", shop, customerBody({ id: customerId, email }));
    await eventually(
      async () => (await sql`SELECT 1 FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}`).length,
      (n) => n === 1,
    );
    const found = await sendReview(shop, reviewBody(shop, { id: String(++nextReview), email: email.toLowerCase() }), secret);
    expect(found.body).toMatchObject({ outcome: "applied", points: 100 });
    expect(await kinds(shop, customerId, "review")).toHaveLength(1);
    const unknown = await sendReview(shop, reviewBody(shop, { id: String(++nextReview), email: "nobody@example.com" }), secret);
    expect(unknown.body).toMatchObject({ outcome: "ignored", reason: "unknown_customer" });
    // The new kinds reach the projection like any entry.
    const projected = await eventually(
      () => sql<{ kind: string }[]>`SELECT kind FROM points_transactions WHERE shop = ${shop} AND customer_id = ${customerId} ORDER BY seq`,
      (rows) => rows.length === 2,
    );
    expect(projected.map((r) => r.kind)).toEqual(["signup", "review"]);
  });
});

// --- Social follow --------------------------------------------------------------------------

async function follow(shop: string, customerId: string, network: string, key?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key) headers["idempotency-key"] = key;
  const response = await call(new Request(await proxyUrl("/actions/social-follow", { shop, customerId }), { method: "POST", headers, body: JSON.stringify({ network }) }));
  return { status: response.status, body: await json(response) };
}

describe("social follow (widget)", () => {
  it("awards once per network: racing requests, retries with the same key, other networks apart", async () => {
    const shop = await shopWith("social");
    const customerId = newCustomer();
    const racing = await Promise.all(Array.from({ length: 5 }, () => follow(shop, customerId, "instagram")));
    expect(racing.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(racing.filter((r) => r.body.outcome === "applied")).toHaveLength(1);
    expect(racing.filter((r) => r.body.outcome === "limit_reached").map((r) => r.body.points)).toEqual([0, 0, 0, 0]);

    const retried = await Promise.all([follow(shop, customerId, "facebook", "follow-fb-0001"), follow(shop, customerId, "facebook", "follow-fb-0001")]);
    expect(retried.map((r) => r.body.outcome).sort()).toEqual(["applied", "duplicate"]);
    expect(retried.map((r) => r.body.points)).toEqual([50, 50]);
    expect((await follow(shop, customerId, "facebook", "follow-fb-0001")).body).toMatchObject({ outcome: "duplicate", points: 50, balance: 100 });

    const actions = await json(await call(await proxyUrl("/customer/actions", { shop, customerId })));
    expect(actions).toMatchObject({ status: "ok", birthday: null, social_follows: ["facebook", "instagram"] });
    expect((await customerAccount(env, shop, customerId).summary()).total_points_earned).toBe(100);
    const { transactions } = await history(shop, customerId);
    expect(transactions.map((t) => [t.kind, t.points])).toEqual([["social_follow", 50], ["social_follow", 50]]);
  });

  it("refuses networks the shop does not offer (400), a signed-out shopper (401), and earns nothing when the program is off (409)", async () => {
    const shop = await shopWith("social-bad");
    const customerId = newCustomer();
    expect(await follow(shop, customerId, "tiktok")).toMatchObject({ status: 400, body: { error: { code: "network_not_offered" } } });
    expect(await follow(shop, customerId, "myspace")).toMatchObject({ status: 400, body: { error: { code: "network_not_offered" } } });
    const empty = await call(new Request(await proxyUrl("/actions/social-follow", { shop, customerId }), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }));
    expect(empty.status).toBe(400);
    expect((await json(empty)).error.code).toBe("invalid_request");
    expect((await follow(shop, "", "instagram")).status).toBe(401);
    const off = await shopWith("social-off", {}, false);
    expect(await follow(off, customerId, "instagram")).toMatchObject({ status: 409, body: { error: { code: "program_disabled" } } });
    expect(await ledger(shop, customerId)).toEqual([]);
  });

  it("a per-day limit counts per network and per UTC day (fixed clocks into the object)", async () => {
    const shop = await shopWith("social-daily", { social_follow: { enabled: true, networks: { instagram: 10, x: 20 }, limit: { count: 1, period: "day" } } });
    const customerId = newCustomer();
    const program = await getProgram(env, shop);
    const account = customerAccount(env, shop, customerId);
    const at = (iso: string) => Date.parse(iso);
    const run = (network: "instagram" | "x", iso: string) =>
      account.socialFollow({ shop, customerId, network, requestKey: crypto.randomUUID(), program, at: at(iso) });
    expect((await run("instagram", "2026-05-01T00:00:00Z")).outcome).toBe("applied");
    expect((await run("instagram", "2026-05-01T23:59:59.999Z")).outcome).toBe("limit_reached");
    expect((await run("x", "2026-05-01T12:00:00Z")).outcome).toBe("applied");
    expect((await run("instagram", "2026-05-02T00:00:00Z")).outcome).toBe("applied");
    expect(await kinds(shop, customerId, "social_follow")).toHaveLength(3);
  });
});

// --- Birthday -------------------------------------------------------------------------------

async function giveBirthday(shop: string, customerId: string, body: unknown) {
  const response = await call(
    new Request(await proxyUrl("/customer/birthday", { shop, customerId }), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );
  return { status: response.status, body: await json(response) };
}

describe("birthday", () => {
  it("is given once: the same date again is fine, another one is a 409; impossible dates are 400s", async () => {
    const shop = await shopWith("birthday");
    const customerId = newCustomer();
    expect((await giveBirthday(shop, customerId, { month: 2, day: 30 })).body.error.code).toBe("invalid_birthday");
    expect((await giveBirthday(shop, customerId, { month: 2, day: 29, year: 2023 })).body.error.code).toBe("invalid_birthday");
    expect((await giveBirthday(shop, customerId, { month: 1, day: 1, year: 9000 })).body.error.code).toBe("invalid_birthday");
    expect((await giveBirthday(shop, customerId, { month: 13, day: 1 })).body.error.code).toBe("invalid_request");
    expect((await giveBirthday(shop, customerId, { month: 5, day: "1" })).status).toBe(400);
    const racing = await Promise.all([giveBirthday(shop, customerId, { month: 2, day: 29, year: 2000 }), giveBirthday(shop, customerId, { month: 2, day: 29 })]);
    expect(racing.map((r) => r.status)).toEqual([200, 200]);
    expect(racing[0]!.body.birthday).toEqual({ month: 2, day: 29 });
    expect(await giveBirthday(shop, customerId, { month: 3, day: 1 })).toMatchObject({ status: 409, body: { error: { code: "birthday_already_set" } } });
    const actions = await json(await call(await proxyUrl("/customer/actions", { shop, customerId })));
    expect(actions.birthday).toEqual({ month: 2, day: 29 });
    // Given today, it is not awarded now: the first award is the next 29 February (28th in other years).
    const next = await inAccount(shop, customerId, (s) => s.exec<{ t: number }>(`SELECT next_award_at AS t FROM birthday`).one().t);
    expect(next).toBe(nextBirthdayAfter({ month: 2, day: 29 }, Date.now() - 60_000));
    expect(await ledger(shop, customerId)).toEqual([]);
  });

  it("the alarm awards it on the day, once per year (key birthday:<year>), and waits for the next", async () => {
    const shop = await shopWith("birthday-alarm");
    const customerId = newCustomer();
    const account = customerAccount(env, shop, customerId);
    // Given ten days ago for a birthday five days ago: due now.
    const fiveDaysAgo = new Date(Date.now() - 5 * DAY);
    const birthday = { month: fiveDaysAgo.getUTCMonth() + 1, day: fiveDaysAgo.getUTCDate() };
    await account.setBirthday({ shop, customerId, ...birthday, at: Date.now() - 10 * DAY });
    const due = birthdayIn(fiveDaysAgo.getUTCFullYear(), birthday);
    // The alarm armed for the past runs at once (or here, whichever comes first).
    await runDurableObjectAlarm(account);
    expect(await eventually(() => ledger(shop, customerId), (l) => l.length > 0)).toEqual([{ kind: "birthday", points: 200, idempotency_key: `birthday:${new Date(due).getUTCFullYear()}` }]);
    const next = await inAccount(shop, customerId, (s) => s.exec<{ t: number }>(`SELECT next_award_at AS t FROM birthday`).one().t);
    expect(next).toBe(nextBirthdayAfter(birthday, due));
    expect(next).toBeGreaterThan(Date.now());
    await runDurableObjectAlarm(account);
    expect(await ledger(shop, customerId)).toHaveLength(1);
    // The alarm is armed for next year's birthday (or an earlier outbox resend).
    const alarmAt = await inAccount(shop, customerId, async (_s, a) => (a as unknown as { ctx: DurableObjectState }).ctx.storage.getAlarm());
    expect(alarmAt).not.toBeNull();
  });

  it("Feb 29 falls on Feb 28 outside leap years; given on the birthday itself, it earns from next year", () => {
    expect(nextBirthdayAfter({ month: 2, day: 29 }, Date.parse("2027-01-01T00:00:00Z"))).toBe(Date.parse("2027-02-28T00:00:00Z"));
    expect(nextBirthdayAfter({ month: 2, day: 29 }, Date.parse("2027-03-01T00:00:00Z"))).toBe(Date.parse("2028-02-29T00:00:00Z"));
    expect(nextBirthdayAfter({ month: 6, day: 15 }, Date.parse("2026-06-15T00:00:00Z"))).toBe(Date.parse("2027-06-15T00:00:00Z"));
    expect(nextBirthdayAfter({ month: 6, day: 15 }, Date.parse("2026-06-14T23:59:59Z"))).toBe(Date.parse("2026-06-15T00:00:00Z"));
  });

  it("a birthday while the program is off earns nothing and moves on to the next year", async () => {
    const shop = await shopWith("birthday-off", {}, false);
    const customerId = newCustomer();
    const account = customerAccount(env, shop, customerId);
    const yesterday = new Date(Date.now() - DAY);
    await account.setBirthday({ shop, customerId, month: yesterday.getUTCMonth() + 1, day: yesterday.getUTCDate(), at: Date.now() - 3 * DAY });
    await runDurableObjectAlarm(account);
    const next = await eventually(
      () => inAccount(shop, customerId, (s) => s.exec<{ t: number }>(`SELECT next_award_at AS t FROM birthday`).one().t),
      (t) => t > Date.now(),
    );
    expect(next).toBeGreaterThan(Date.now());
    expect(await ledger(shop, customerId)).toEqual([]);
  });
});

// --- Goal spend -----------------------------------------------------------------------------

let nextOrder = 9_900_000_000;
const goal = { enabled: true, amount: "200.00", days: 30, points: 500, limit: { count: 1, period: "month" as const } };

function paidOrder(customerId: string, subtotal: string, processedAt: string, id = String(++nextOrder)) {
  return { id, body: orderBody({ id, customerId, subtotal }).replace(/"line_items":\[\]/, `"line_items":[],"processed_at":"${processedAt}"`) };
}

describe("goal spend", () => {
  it("awards when paid orders within the window reach the amount, once per month; spend counts toward one goal only", async () => {
    const shop = await shopWith("goal", { goal_spend: goal });
    const customerId = newCustomer();
    const pay = async (subtotal: string, at: string) => (await deliver("orders/paid", shop, paidOrder(customerId, subtotal, at).body)).body;
    expect(await pay("150.00", "2026-03-01T10:00:00Z")).toMatchObject({ outcome: "applied", points: 1_500 });
    // 150 + 50 = 200 within 30 days: the goal.
    expect(await pay("50.00", "2026-03-10T10:00:00Z")).toMatchObject({ outcome: "applied", points: 500 + 500 });
    // More spend in March: over this month's limit.
    expect(await pay("300.00", "2026-03-20T10:00:00Z")).toMatchObject({ points: 3_000 });
    // April: the 300 of 20 March had not counted toward a goal; with 10 more it reaches April's.
    expect(await pay("10.00", "2026-04-02T10:00:00Z")).toMatchObject({ points: 100 + 500 });
    // 30 days after 20 March only the 10 counts: no goal.
    expect(await pay("100.00", "2026-05-01T10:00:00Z")).toMatchObject({ points: 1_000 });
    const goals = await kinds(shop, customerId, "goal_spend");
    expect(goals.map((g) => g.points)).toEqual([500, 500]);
  });

  it("the window's edge: an order exactly `days` old no longer counts", async () => {
    const shop = await shopWith("goal-edge", { goal_spend: goal });
    const customerId = newCustomer();
    await deliver("orders/paid", shop, paidOrder(customerId, "150.00", "2026-03-01T10:00:00Z").body);
    await deliver("orders/paid", shop, paidOrder(customerId, "50.00", "2026-03-31T10:00:00Z").body);
    expect(await kinds(shop, customerId, "goal_spend")).toEqual([]);
    await deliver("orders/paid", shop, paidOrder(customerId, "0.01", "2026-03-31T10:00:00Z").body);
    expect(await kinds(shop, customerId, "goal_spend")).toEqual([]);
    const other = newCustomer();
    await deliver("orders/paid", shop, paidOrder(other, "150.00", "2026-03-01T10:00:01Z").body);
    await deliver("orders/paid", shop, paidOrder(other, "50.00", "2026-03-31T10:00:00Z").body);
    expect(await kinds(shop, other, "goal_spend")).toHaveLength(1);
  });

  it("an order delivered after a later one still completes the goal (webhooks arrive out of order)", async () => {
    const shop = await shopWith("goal-late", { goal_spend: goal });
    const customerId = newCustomer();
    await deliver("orders/paid", shop, paidOrder(customerId, "150.00", "2026-09-20T10:00:00Z").body);
    expect(await kinds(shop, customerId, "goal_spend")).toEqual([]);
    const late = paidOrder(customerId, "60.00", "2026-09-01T10:00:00Z");
    expect((await deliver("orders/paid", shop, late.body)).body).toMatchObject({ outcome: "applied", points: 600 + 500 });
    expect(await kinds(shop, customerId, "goal_spend")).toEqual([{ kind: "goal_spend", points: 500, idempotency_key: `goal_spend:gid://shopify/Order/${late.id}` }]);
    // Counted in September, the month the goal was reached.
    const awardedFor = await inAccount(shop, customerId, (s) => s.exec<{ t: number }>(`SELECT awarded_for AS t FROM action_awards WHERE action = 'goal_spend'`).one().t);
    expect(awardedFor).toBe(Date.parse("2026-09-20T10:00:00Z"));
  });

  it("racing and redelivered orders award the goal once", async () => {
    const shop = await shopWith("goal-race", { goal_spend: goal });
    const customerId = newCustomer();
    const orders = [paidOrder(customerId, "120.00", "2026-06-01T10:00:00Z"), paidOrder(customerId, "120.00", "2026-06-02T10:00:00Z"), paidOrder(customerId, "120.00", "2026-06-03T10:00:00Z")];
    await Promise.all([...orders, ...orders].map((o) => deliver("orders/paid", shop, o.body)));
    expect(await kinds(shop, customerId, "goal_spend")).toHaveLength(1);
    expect(await invariants(shop, customerId)).toMatchObject({ balance: 3_600 + 500, ledgerSum: 3_600 + 500, lotsSum: 3_600 + 500 });
  });

  it("a refund after the goal was reached takes back the order's points, not the bonus; refunded spend no longer counts", async () => {
    const shop = await shopWith("goal-refund", { goal_spend: goal });
    const customerId = newCustomer();
    const first = paidOrder(customerId, "150.00", "2026-07-01T10:00:00Z");
    const second = paidOrder(customerId, "60.00", "2026-07-02T10:00:00Z");
    await deliver("orders/paid", shop, first.body);
    await deliver("orders/paid", shop, second.body);
    expect(await kinds(shop, customerId, "goal_spend")).toHaveLength(1);
    // Applied now, or queued until the order index knows the order, then applied.
    const refund = await deliver("refunds/create", shop, refundBody({ id: String(++nextOrder), orderId: second.id, lineSubtotals: ["60.00"] }));
    expect(refund.status).toBe(200);
    const reversals = await eventually(() => kinds(shop, customerId, "reversal"), (r) => r.length > 0);
    expect(reversals.map((r) => r.points)).toEqual([-600]);
    expect(await kinds(shop, customerId, "goal_spend")).toHaveLength(1);
    expect(await invariants(shop, customerId)).toMatchObject({ balance: 1_500 + 500, ledgerSum: 1_500 + 500, lotsSum: 1_500 + 500 });

    // Refunded spend does not count toward a goal: 150 less 100 refunded, then 100 more, is 150.
    const other = newCustomer();
    const big = paidOrder(other, "150.00", "2026-07-01T10:00:00Z");
    await deliver("orders/paid", shop, big.body);
    await deliver("refunds/create", shop, refundBody({ id: String(++nextOrder), orderId: big.id, lineSubtotals: ["100.00"] }));
    await eventually(() => kinds(shop, other, "reversal"), (r) => r.length > 0);
    await deliver("orders/paid", shop, paidOrder(other, "100.00", "2026-07-05T10:00:00Z").body);
    expect(await kinds(shop, other, "goal_spend")).toEqual([]);
    await deliver("orders/paid", shop, paidOrder(other, "50.00", "2026-07-06T10:00:00Z").body);
    expect(await kinds(shop, other, "goal_spend")).toHaveLength(1);
  });

  it("earns no goal while the goal is off", async () => {
    const shop = await shopWith("goal-off");
    const customerId = newCustomer();
    await deliver("orders/paid", shop, paidOrder(customerId, "500.00", "2026-03-01T10:00:00Z").body);
    expect(await kinds(shop, customerId, "goal_spend")).toEqual([]);
  });
});

describe("the award path in the object", () => {
  it("a review's limit across periods, with fixed clocks: 5 per month by default", async () => {
    const shop = await shopWith("review-object");
    const customerId = newCustomer();
    const program = await getProgram(env, shop);
    const account = customerAccount(env, shop, customerId);
    const outcomes = await Promise.all(
      Array.from({ length: 7 }, (_, i) => account.reviewPublished({ shop, customerId, reviewId: `r-${i}`, program, at: Date.parse(`2026-02-${10 + i}T00:00:00Z`) })),
    );
    expect(outcomes.filter((o) => o.outcome === "applied")).toHaveLength(5);
    expect(outcomes.filter((o) => o.outcome === "limit_reached")).toHaveLength(2);
    expect((await account.reviewPublished({ shop, customerId, reviewId: "r-march", program, at: Date.parse("2026-03-01T00:00:00Z") })).outcome).toBe("applied");
    expect((await account.reviewPublished({ shop, customerId, reviewId: "r-0", program, at: Date.parse("2026-04-01T00:00:00Z") })).outcome).toBe("duplicate");
  });
});
