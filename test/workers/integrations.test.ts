// A shop's messaging providers: saved with their secrets sealed and never answered, refused with
// a code naming the bad field, read back opened by integrationsFor (enabled ones, own shop only),
// checked through the jobs queue against the provider stand-ins with the outcome stored and the
// merchant told once per failure streak, re-checked by the sweeper, listed for the admin console,
// and re-sealed when the encryption key rotates.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { ciphertextKid, dataKeys, encryptText, integrationSecretContext, keyring } from "../../core/crypto";
import { toBase64 } from "../../core/encoding";
import { IntegrationInputSchemas, type IntegrationInput, type MessagingProvider } from "../../core/integrations";
import { claimIntegrationsDue, integrationHealth, integrationsFor, integrationView, integrationViews, RECHECK_MS, recordCheck, saveIntegration, UNCHECKED_RETRY_MS } from "../../d1/integrations";
import { merchantNoticesFor } from "../../d1/merchant-notices";
import { uninstallIfInstalledBefore } from "../../d1/shops";
import { connectReporting } from "../../postgres/client";
import { runIntegrationCheck } from "../../queues/integration-checks";
import { handleJobs, type JobMessage } from "../../queues/jobs";
import { reencryptBatch } from "../../queues/reencrypt";
import { eventually, install, json, merchantApi } from "../helpers/app";
import { freshConfig, injectProviderFault, keyOf, standinRequests } from "../helpers/provider-standins";
import { uniqueShop } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

const OWNER = "42";
const VIEWER = "43";

async function newShop(label: string): Promise<string> {
  const shop = uniqueShop(label);
  await install(shop);
  return shop;
}

/** Saves straight into D1 (no check job queued), as the route would after validation. */
function save<P extends MessagingProvider>(shop: string, provider: P, body: Record<string, unknown>) {
  const input = IntegrationInputSchemas[provider].parse(body) as IntegrationInput<P>;
  return saveIntegration(env, shop, provider, input, OWNER);
}

async function put(shop: string, provider: string, body: unknown, sub = OWNER) {
  const response = await merchantApi(shop, "PUT", `/integrations/${provider}`, body, sub);
  return { status: response.status, body: await json(response) };
}

const SENDGRID = { api_key: "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", from_email: "rewards@shop.example", from_name: "Shop Rewards" };
const SENDGRID_SETTINGS = { from_email: SENDGRID.from_email, from_name: SENDGRID.from_name };
const TWILIO = { account_sid: `AC${"ab".repeat(16)}`, auth_token: "cd".repeat(16), sms_from: "+15005550006", whatsapp_from: null };

describe("PUT/GET/DELETE /v1/api/integrations", () => {
  it("saves each provider with its secrets sealed, never answered back, and audited only as [set]", async () => {
    const shop = await newShop("integrations-save");
    const saved = await put(shop, "sendgrid", SENDGRID);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({
      status: "ok",
      check_queued: true,
      status_url: "/v1/api/integrations/sendgrid",
      integration: { provider: "sendgrid", enabled: true, status: "unchecked", revision: 1, settings: { from_email: "rewards@shop.example", from_name: "Shop Rewards" }, secrets_set: ["api_key"] },
    });
    expect(JSON.stringify(saved.body)).not.toContain(SENDGRID.api_key);
    const row = await env.DB.prepare(`SELECT secrets_encrypted, settings FROM integrations WHERE shop = ? AND provider = 'sendgrid'`).bind(shop).first<{ secrets_encrypted: string; settings: string }>();
    expect(row!.secrets_encrypted.startsWith("v2.")).toBe(true);
    expect(row!.secrets_encrypted + row!.settings).not.toContain(SENDGRID.api_key.slice(3, 20));

    const twilio = await put(shop, "twilio", TWILIO);
    expect(twilio.status, JSON.stringify(twilio.body)).toBe(200);
    expect(JSON.stringify(twilio.body)).not.toContain(TWILIO.auth_token);

    expect((await merchantApi(shop, "PUT", "/integrations/reviews", { provider: "judgeme", secret: "jm-secret-0123456789" })).status).toBe(200);
    const listed = await json(await merchantApi(shop, "GET", "/integrations"));
    expect(listed.integrations.map((i: { provider: string; configured: boolean }) => [i.provider, i.configured])).toEqual([
      ["sendgrid", true],
      ["twilio", true],
      ["postscript", false],
      ["klaviyo", false],
      ["reviews", true],
      ["posthog", false],
    ]);
    expect(listed.integrations.find((i: { provider: string }) => i.provider === "reviews").details).toEqual({ provider: "judgeme" });
    expect(listed.integrations.find((i: { provider: string }) => i.provider === "sendgrid").details).toMatchObject({ settings: SENDGRID_SETTINGS, secrets_set: ["api_key"] });
    const text = JSON.stringify(listed);
    expect(text).not.toContain(SENDGRID.api_key);
    expect(text).not.toContain(TWILIO.auth_token);
    expect(text).not.toContain("jm-secret-0123456789");

    const audits = await eventually(
      () => sql<{ action: string; before: any; after: any }[]>`SELECT action, before, after FROM audit_logs WHERE shop = ${shop} AND subject_type = 'integration' ORDER BY created_at`,
      (rows) => rows.length >= 3,
    );
    expect(audits.filter((a) => a.action === "integration.create")).toHaveLength(2);
    expect(audits[0]!.after).toEqual({ enabled: true, settings: { from_email: "rewards@shop.example", from_name: "Shop Rewards", event_webhook_public_key: null }, api_key: "[set]" });
    expect(JSON.stringify(audits)).not.toContain(TWILIO.auth_token);
  });

  it.each([
    ["sendgrid", { ...SENDGRID, api_key: "not-a-key" }, "invalid_api_key"],
    ["sendgrid", { ...SENDGRID, from_email: "rewards at shop" }, "invalid_from_email"],
    ["sendgrid", { ...SENDGRID, from_name: "Rewards\r\nBcc: x@y.z" }, "invalid_from_name"],
    ["sendgrid", { ...SENDGRID, reply_to: "a@b.c" }, "unknown_field"],
    ["sendgrid", { ...SENDGRID, event_webhook_public_key: "not-a-key" }, "invalid_event_webhook_public_key"],
    ["twilio", { ...TWILIO, sms_from: "555-0100" }, "invalid_sms_from"],
    ["twilio", { ...TWILIO, sms_from: null, whatsapp_from: null }, "invalid_sms_from"],
    ["twilio", { ...TWILIO, whatsapp_from: "whatsapp:0800 123" }, "invalid_whatsapp_from"],
    ["twilio", { ...TWILIO, account_sid: "AC123" }, "invalid_account_sid"],
    ["twilio", { ...TWILIO, auth_token: "x".repeat(32) }, "invalid_auth_token"],
    ["postscript", { api_key: "pk_public_key_not_private_0000" }, "invalid_api_key"],
    ["klaviyo", { private_api_key: "ABC123" }, "invalid_private_api_key"],
    ["klaviyo", { private_api_key: "pk_0123456789abcdef0123456789abcdef01", enabled: "yes" }, "invalid_enabled"],
    ["klaviyo", {}, "secret_required"],
  ])("%s: %j is refused with %s", async (provider, body, code) => {
    const shop = await newShop("integrations-bad");
    const response = await put(shop, provider, body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(code);
    expect(await integrationView(env, shop, provider as MessagingProvider)).toBeNull();
  });

  it("an unknown provider is a 400 naming it; a staff viewer may read but not connect, check or remove", async () => {
    const shop = await newShop("integrations-roles");
    expect((await json(await merchantApi(shop, "DELETE", "/integrations/mailchimp"))).error.code).toBe("invalid_provider");
    expect((await merchantApi(shop, "POST", "/integrations/mailchimp/check")).status).toBe(400);
    expect((await put(shop, "sendgrid", SENDGRID)).status).toBe(200);
    const roles = await merchantApi(shop, "PUT", "/settings", { staff_roles: { [OWNER]: "owner", [VIEWER]: "viewer" } });
    expect(roles.status).toBe(200);
    for (const [method, path, body] of [
      ["PUT", "/integrations/sendgrid", SENDGRID],
      ["POST", "/integrations/sendgrid/check", undefined],
      ["DELETE", "/integrations/sendgrid", undefined],
    ] as const) {
      const response = await merchantApi(shop, method, path, body, VIEWER);
      expect(response.status).toBe(403);
      expect((await json(response)).error.code).toBe("role_not_allowed");
    }
    expect((await merchantApi(shop, "GET", "/integrations", undefined, VIEWER)).status).toBe(200);
    expect((await merchantApi(shop, "GET", "/integrations/sendgrid", undefined, VIEWER)).status).toBe(200);
  });

  it("a secret left out keeps the stored one, unless none is stored or the Twilio account changes; DELETE removes it", async () => {
    const shop = await newShop("integrations-keep");
    expect((await put(shop, "sendgrid", { from_email: "a@shop.example" })).body.error.code).toBe("secret_required");
    await put(shop, "sendgrid", SENDGRID);
    const renamed = await put(shop, "sendgrid", { from_email: "hello@shop.example", from_name: null });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.integration).toMatchObject({ revision: 2, settings: { from_email: "hello@shop.example", from_name: null } });
    expect((await integrationsFor(env, shop)).sendgrid).toEqual({ api_key: SENDGRID.api_key, from_email: "hello@shop.example", from_name: null, event_webhook_public_key: null });

    await put(shop, "twilio", TWILIO);
    const { auth_token: _token, ...withoutToken } = TWILIO;
    const prefixed = await put(shop, "twilio", { ...withoutToken, whatsapp_from: "whatsapp:+14155238886" });
    expect(prefixed.status).toBe(200);
    expect(prefixed.body.integration.settings.whatsapp_from).toBe("+14155238886");
    const moved = await put(shop, "twilio", { ...withoutToken, account_sid: `AC${"ef".repeat(16)}` });
    expect(moved.status).toBe(400);
    expect(moved.body.error).toMatchObject({ code: "secret_required" });
    expect(moved.body.error.message).toContain("account_sid");
    expect((await integrationsFor(env, shop)).twilio).toEqual({ ...TWILIO, whatsapp_from: "+14155238886" });

    expect((await merchantApi(shop, "DELETE", "/integrations/twilio")).status).toBe(200);
    expect((await integrationsFor(env, shop)).twilio).toBeNull();
    expect((await json(await merchantApi(shop, "DELETE", "/integrations/twilio"))).error.code).toBe("integration_not_found");
    expect((await merchantApi(shop, "GET", "/integrations/twilio")).status).toBe(404);
  });
});

describe("integrationsFor", () => {
  it("opens the shop's enabled integrations only; another shop sees none, and a ciphertext copied to it does not open", async () => {
    const shop = await newShop("integrations-for");
    const other = await newShop("integrations-for-other");
    await save(shop, "klaviyo", { private_api_key: "pk_0123456789abcdef0123456789abcdef01" });
    await save(shop, "postscript", { api_key: "sk_0123456789abcdef0123", enabled: false });
    expect(await integrationsFor(env, shop)).toEqual({
      sendgrid: null,
      twilio: null,
      postscript: null,
      klaviyo: { private_api_key: "pk_0123456789abcdef0123456789abcdef01" },
    });
    expect(await integrationsFor(env, other)).toEqual({ sendgrid: null, twilio: null, postscript: null, klaviyo: null });

    // The other shop's row holding this shop's sealed key: bound to the shop, it does not open.
    await save(other, "klaviyo", { private_api_key: "pk_ffffffffffffffffffffffffffffffffff" });
    const { secrets_encrypted } = (await env.DB.prepare(`SELECT secrets_encrypted FROM integrations WHERE shop = ? AND provider = 'klaviyo'`).bind(shop).first<{ secrets_encrypted: string }>())!;
    await env.DB.prepare(`UPDATE integrations SET secrets_encrypted = ? WHERE shop = ? AND provider = 'klaviyo'`).bind(secrets_encrypted, other).run();
    await save(other, "postscript", { api_key: "sk_0123456789abcdef0123" }); // clears the isolate cache of `other`
    await expect(integrationsFor(env, other)).rejects.toThrow();
  });
});

describe("connectivity checks", () => {
  it("a save queues a check: the stand-in's answer becomes the status shown, and POST …/check asks again", async () => {
    const shop = await newShop("integrations-check-route");
    const config = await freshConfig("klaviyo");
    expect((await put(shop, "klaviyo", config)).status).toBe(200);
    const checked = await eventually(
      async () => (await json(await merchantApi(shop, "GET", "/integrations/klaviyo"))).integration,
      (view) => view.status !== "unchecked",
    );
    expect(checked).toMatchObject({ status: "ok", last_error: null, failing_since: null });
    expect((await standinRequests("klaviyo", keyOf("klaviyo", config), "check")).length).toBeGreaterThanOrEqual(1);

    const again = await merchantApi(shop, "POST", "/integrations/klaviyo/check");
    expect(again.status).toBe(202);
    const body = await json(again);
    expect(body).toMatchObject({ provider: "klaviyo", revision: 1, status_url: "/v1/api/integrations/klaviyo" });
    const rechecked = await eventually(
      async () => (await json(await merchantApi(shop, "GET", body.status_url.replace("/v1/api", "")))).integration,
      (view) => Date.parse(view.checked_at) >= Date.parse(body.requested_at),
    );
    expect(rechecked.status).toBe("ok");

    const listed = await json(await merchantApi(shop, "GET", "/integrations"));
    expect(listed.integrations.find((i: { provider: string }) => i.provider === "klaviyo")).toMatchObject({ configured: true, enabled: true, status: "ok" });

    await put(shop, "klaviyo", { enabled: false });
    expect((await json(await merchantApi(shop, "POST", "/integrations/klaviyo/check"))).error.code).toBe("integration_disabled");
    expect((await merchantApi(shop, "POST", "/integrations/sendgrid/check")).status).toBe(404);
  });

  it("a failing check is stored with the provider's error and told once per failure streak; a success ends the streak", async () => {
    const shop = await newShop("integrations-failing");
    const config = await freshConfig("postscript");
    const { after } = await save(shop, "postscript", { api_key: "sk_unknown_to_the_standins_000" });
    expect(await runIntegrationCheck(env, shop, "postscript", after.revision)).toBe("failing");
    const failing = await integrationView(env, shop, "postscript");
    expect(failing).toMatchObject({ status: "failing", last_error: { code: expect.stringMatching(/401|unauthorized/i) } });
    expect(failing!.failing_since).toBe(failing!.checked_at);
    expect(await runIntegrationCheck(env, shop, "postscript", after.revision)).toBe("failing");
    const notices = await merchantNoticesFor(env, shop);
    expect(notices.map((n) => [n.kind, n.details.provider])).toEqual([["integration_failing", "postscript"]]);
    expect(JSON.stringify(notices)).not.toContain("sk_unknown_to_the_standins_000");
    expect((await integrationView(env, shop, "postscript"))!.failing_since).toBe(failing!.failing_since);

    // The right key: ok, streak over. Failing again later is a new streak, told again.
    const fixed = await save(shop, "postscript", { api_key: config.api_key });
    expect(await runIntegrationCheck(env, shop, "postscript", fixed.after.revision)).toBe("ok");
    expect(await integrationView(env, shop, "postscript")).toMatchObject({ status: "ok", failing_since: null, last_error: null });
    await injectProviderFault({ provider: "postscript", key: config.api_key, operation: "check", mode: "status", status: 403, times: 1 });
    expect(await runIntegrationCheck(env, shop, "postscript", fixed.after.revision)).toBe("failing");
    expect((await merchantNoticesFor(env, shop)).filter((n) => n.kind === "integration_failing")).toHaveLength(2);
  });

  it("a provider failing twice then answering is ok after 3 tries; a check of a replaced revision changes nothing", async () => {
    const shop = await newShop("integrations-flaky");
    const config = await freshConfig("sendgrid");
    const first = await save(shop, "sendgrid", { ...config });
    await injectProviderFault({ provider: "sendgrid", key: config.api_key, operation: "check", mode: "status", status: 503, times: 2 });
    expect(await runIntegrationCheck(env, shop, "sendgrid", first.after.revision)).toBe("ok");
    expect(await standinRequests("sendgrid", config.api_key, "check")).toHaveLength(3);

    const second = await save(shop, "sendgrid", { from_email: "new@shop.example" });
    expect(await runIntegrationCheck(env, shop, "sendgrid", first.after.revision)).toBe("stale");
    // A check that read the old revision and finishes after the save: its outcome is not stored.
    const late = { ok: false, attempts: 1, error: { code: "http_401", message: "old key" }, checked_at: new Date().toISOString() };
    expect(await recordCheck(env, shop, "sendgrid", first.after.revision, late)).toEqual({ recorded: false, failingSince: null });
    expect(await integrationView(env, shop, "sendgrid")).toMatchObject({ status: "unchecked", revision: second.after.revision, checked_at: null });
  });

  it("the jobs consumer acks a check job, whatever the provider answered", async () => {
    const shop = await newShop("integrations-job");
    const { after } = await save(shop, "klaviyo", { private_api_key: "pk_unknownunknownunknownunknown00" });
    const batch = createMessageBatch<JobMessage>("jobs", [
      { id: "check-1", timestamp: new Date(), attempts: 1, body: { type: "check_integration", shop, provider: "klaviyo", revision: after.revision } },
    ]);
    const ctx = createExecutionContext();
    await handleJobs(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["check-1"]);
    expect(result.retryMessages).toEqual([]);
    expect((await integrationView(env, shop, "klaviyo"))!.status).toBe("failing");
  });
});

describe("check jobs in a batch", () => {
  it("run side by side: two providers throttling their checks take the time of one", async () => {
    const shop = await newShop("integrations-parallel");
    const sendgrid = await freshConfig("sendgrid");
    const klaviyo = await freshConfig("klaviyo");
    const a = await save(shop, "sendgrid", { ...sendgrid });
    const b = await save(shop, "klaviyo", { ...klaviyo });
    // Each check meets two 429s asking for 2 s: at least 4 s of waiting per check.
    await injectProviderFault({ provider: "sendgrid", key: sendgrid.api_key, operation: "check", mode: "throttle", retryAfter: "2", times: 2 });
    await injectProviderFault({ provider: "klaviyo", key: klaviyo.private_api_key, operation: "check", mode: "throttle", retryAfter: "2", times: 2 });
    const batch = createMessageBatch<JobMessage>("jobs", [
      { id: "c-sendgrid", timestamp: new Date(), attempts: 1, body: { type: "check_integration", shop, provider: "sendgrid", revision: a.after.revision } },
      { id: "c-klaviyo", timestamp: new Date(), attempts: 1, body: { type: "check_integration", shop, provider: "klaviyo", revision: b.after.revision } },
    ]);
    const ctx = createExecutionContext();
    const started = Date.now();
    await handleJobs(batch, env);
    const elapsed = Date.now() - started;
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["c-klaviyo", "c-sendgrid"]);
    expect(elapsed).toBeGreaterThanOrEqual(4_000);
    expect(elapsed).toBeLessThan(7_500);
    expect((await integrationViews(env, shop)).map((v) => [v.provider, v.status])).toEqual([
      ["klaviyo", "ok"],
      ["sendgrid", "ok"],
    ]);
  });
});

describe("the sweeper's re-checks", () => {
  it("claims enabled integrations of installed shops a day after their last ask, or 10 minutes after an unanswered one, once", async () => {
    const shop = await newShop("integrations-due");
    const gone = await newShop("integrations-due-gone");
    const t0 = Date.now();
    await save(shop, "sendgrid", SENDGRID);
    await save(shop, "twilio", TWILIO);
    await save(shop, "klaviyo", { private_api_key: "pk_0123456789abcdef0123456789abcdef01", enabled: false });
    await save(gone, "sendgrid", SENDGRID);
    await uninstallIfInstalledBefore(env, gone, Date.now() + 1000);
    // twilio was checked: due only a day after its ask.
    await env.DB.prepare(`UPDATE integrations SET status = 'ok', checked_at = ?2 WHERE shop = ?1 AND provider = 'twilio'`).bind(shop, t0).run();

    const mine = async (now: number) => (await claimIntegrationsDue(env, 1000, now)).filter((d) => d.shop === shop || d.shop === gone).map((d) => `${d.shop === gone ? "gone" : "shop"}:${d.provider}`);
    expect(await mine(t0 + UNCHECKED_RETRY_MS - 60_000)).toEqual([]);
    expect(await mine(t0 + UNCHECKED_RETRY_MS + 60_000)).toEqual(["shop:sendgrid"]);
    expect(await mine(t0 + UNCHECKED_RETRY_MS + 120_000)).toEqual([]);
    // A day on: twilio's daily check, and sendgrid still unchecked (asked again every 10 minutes).
    const day = t0 + RECHECK_MS + 60_000;
    expect((await mine(day)).sort()).toEqual(["shop:sendgrid", "shop:twilio"]);
    expect(await mine(day + 60_000)).toEqual([]);
    await env.DB.prepare(`UPDATE integrations SET status = 'ok' WHERE shop = ?1 AND provider = 'sendgrid'`).bind(shop).run();
    expect(await mine(day + UNCHECKED_RETRY_MS + 60_000)).toEqual([]);
    expect((await mine(day + RECHECK_MS + 60_000)).sort()).toEqual(["shop:sendgrid", "shop:twilio"]);
  });
});

describe("integrationHealth (the admin console's list)", () => {
  it("lists every shop's integrations, failing first, filtered by shop and status, paged, without settings or secrets", async () => {
    const a = await newShop("integrations-health-a");
    const b = await newShop("integrations-health-b");
    await save(a, "sendgrid", SENDGRID);
    await save(a, "twilio", TWILIO);
    const failing = await save(b, "klaviyo", { private_api_key: "pk_unknownunknownunknownunknown11" });
    await runIntegrationCheck(env, b, "klaviyo", failing.after.revision);

    const onlyA = await integrationHealth(env, { shop: a, page: 1, per_page: 10 });
    expect(onlyA.total).toBe(2);
    expect(onlyA.integrations.map((i) => [i.shop, i.provider, i.status])).toEqual([
      [a, "sendgrid", "unchecked"],
      [a, "twilio", "unchecked"],
    ]);
    expect(JSON.stringify(onlyA)).not.toContain("from_email");
    expect(JSON.stringify(onlyA)).not.toContain(SENDGRID.api_key);

    const failingOnes = await integrationHealth(env, { status: "failing", page: 1, per_page: 100 });
    expect(failingOnes.integrations.every((i) => i.status === "failing")).toBe(true);
    expect(failingOnes.integrations.find((i) => i.shop === b)).toMatchObject({ provider: "klaviyo", last_error: { code: expect.any(String) } });

    const everything = await integrationHealth(env, { page: 1, per_page: 1000 });
    const firstNotFailing = everything.integrations.findIndex((i) => i.status !== "failing");
    expect(everything.integrations.slice(firstNotFailing).some((i) => i.status === "failing")).toBe(false);
    const page2 = await integrationHealth(env, { shop: a, page: 2, per_page: 1 });
    expect(page2).toMatchObject({ total: 2, page: 2, per_page: 1 });
    expect(page2.integrations.map((i) => i.provider)).toEqual(["twilio"]);
  });
});

describe("key rotation", () => {
  it("secrets sealed under a retired key are rewritten under the current one by the sweep, and still open", async () => {
    const shop = await newShop("integrations-rotate");
    const retiredKey = toBase64(new Uint8Array(32).fill(9));
    const rotatedEnv = { ...env, ENCRYPTION_KEYS_PREVIOUS: retiredKey };
    await save(shop, "klaviyo", { private_api_key: "pk_0123456789abcdef0123456789abcdef01" });
    const old = await encryptText(await dataKeys(retiredKey), JSON.stringify({ private_api_key: "pk_rotatedrotatedrotatedrotated00" }), integrationSecretContext(shop, "klaviyo"));
    await env.DB.prepare(`UPDATE integrations SET secrets_encrypted = ? WHERE shop = ? AND provider = 'klaviyo'`).bind(old, shop).run();
    for (let pass = 0; pass < 20; pass++) if ((await reencryptBatch(rotatedEnv, 50)).integrationSecrets === 0) break;
    const row = await env.DB.prepare(`SELECT secrets_encrypted FROM integrations WHERE shop = ? AND provider = 'klaviyo'`).bind(shop).first<{ secrets_encrypted: string }>();
    expect(ciphertextKid(row!.secrets_encrypted)).toBe((await keyring(env)).current.kid);
    await save(shop, "postscript", { api_key: "sk_0123456789abcdef0123" }); // clears the isolate cache
    expect((await integrationsFor(env, shop)).klaviyo).toEqual({ private_api_key: "pk_rotatedrotatedrotatedrotated00" });
  });
});
