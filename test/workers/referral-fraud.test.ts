// Referral fraud checks: identities normalised (email +tags and Gmail dots, phones, addresses)
// and compared only as shop-bound keyed hashes; the score's named reasons and its decision
// against the merchant's thresholds; and the shop coordinator's velocity counts (idempotent per
// referral, the window's edge, other shops apart).
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { dataKeys } from "../../core/crypto";
import { DEFAULT_REFERRAL_CONFIG, type ReferralConfig } from "../../core/referral-config";
import { identityFingerprints, NO_FINGERPRINTS, normaliseAddress, normaliseEmail, normalisePhone, type IdentityFingerprints } from "../../core/referral-identity";
import { REFERRAL_REASON_SCORES, scoreReferral, type ReferralFacts } from "../../core/referrals";
import type { ShopCoordinator } from "../../durable-objects/shop-coordinator";
import { shopCoordinator } from "../../durable-objects/stubs";
import { uniqueShop } from "../helpers/shopify";

const SHOP = "fraud-shop.myshopify.com";
const keys = () => dataKeys(env.ENCRYPTION_KEY);
const fingerprints = async (shop: string, input: Parameters<typeof identityFingerprints>[2]) => identityFingerprints(await keys(), shop, input);

describe("normaliseEmail", () => {
  it.each([
    ["a.b+promo@gmail.com", "ab@gmail.com"],
    ["ab@googlemail.com", "ab@gmail.com"],
    ["  A.B+Promo@GMail.com ", "ab@gmail.com"],
    ["a.b+x@outlook.com", "a.b@outlook.com"],
    ["a.b@outlook.com", "a.b@outlook.com"],
    ["first.last+shop+more@example.co.uk", "first.last@example.co.uk"],
  ])("%s reads %s", (input, expected) => expect(normaliseEmail(input)).toBe(expected));

  it("treats a.b+promo@gmail.com as ab@googlemail.com, and keeps Outlook's dots", () => {
    expect(normaliseEmail("a.b+promo@gmail.com")).toBe(normaliseEmail("ab@googlemail.com"));
    expect(normaliseEmail("a.b+x@outlook.com")).not.toBe(normaliseEmail("ab@outlook.com"));
    expect(normaliseEmail("a.b+x@outlook.com")).toBe(normaliseEmail("a.b@outlook.com"));
  });

  it.each(["", "   ", "no-at-sign", "@example.com", "someone@", "+tag@example.com"])("reads %j as no address", (input) => expect(normaliseEmail(input)).toBeNull());
});

describe("normalisePhone", () => {
  it.each([
    ["+44 20 7946 0958", "442079460958"],
    ["0044 (20) 7946-0958", "442079460958"],
    ["+1 (555) 010-0199", "15550100199"],
    ["555.010.0199", "5550100199"],
    ["020 7946 0958", "02079460958"],
  ])("%s reads %s", (input, expected) => expect(normalisePhone(input)).toBe(expected));

  it.each(["", "+44", "12-34", "call me"])("reads %j as no number", (input) => expect(normalisePhone(input)).toBeNull());
});

describe("normaliseAddress", () => {
  it("collapses case, spaces and punctuation, and the postcode's inner space", () => {
    expect(normaliseAddress({ address1: " 12, Main St. ", zip: "sw1a 1aa", country_code: "GB" })).toBe("12 main st|sw1a1aa|gb");
    expect(normaliseAddress({ address1: "12 MAIN ST", zip: "SW1A1AA", country_code: "gb" })).toBe(normaliseAddress({ address1: "12, Main  St.", zip: "SW1A 1AA", country_code: "GB" }));
    expect(normaliseAddress({ address1: "Rue de l'Église 3", zip: "75001", country_code: "FR" })).toBe("rue de l église 3|75001|fr");
  });

  it("is null without a street line or a postcode", () => {
    expect(normaliseAddress({ address1: "12 Main St", zip: null, country_code: "US" })).toBeNull();
    expect(normaliseAddress({ address1: " ,. ", zip: "10001", country_code: "US" })).toBeNull();
    expect(normaliseAddress({ zip: "10001", country_code: "US" })).toBeNull();
  });
});

describe("identityFingerprints", () => {
  it("hashes the normalised parts: the same person matches, others do not, and nothing is in the clear", async () => {
    const advocate = await fingerprints(SHOP, { email: "a.b+promo@gmail.com", phone: "+44 20 7946 0958", address: { address1: "12 Main St", zip: "SW1A 1AA", country_code: "GB" } });
    const same = await fingerprints(SHOP, { email: "AB@googlemail.com", phone: "0044 20 7946 0958", address: { address1: "12, main st.", zip: "sw1a1aa", country_code: "gb" } });
    const other = await fingerprints(SHOP, { email: "ab@outlook.com", phone: "+44 20 7946 0959", address: { address1: "14 Main St", zip: "SW1A 1AA", country_code: "GB" } });
    expect(same).toEqual(advocate);
    for (const part of ["email", "phone", "address"] as const) {
      expect(advocate[part]).toMatch(/^[0-9a-f]{64}$/);
      expect(other[part]).not.toBe(advocate[part]);
    }
    expect(JSON.stringify(advocate)).not.toMatch(/gmail|7946|main/i);
  });

  it("is bound to the shop, labels each part, and leaves missing or unreadable parts null", async () => {
    const here = await fingerprints(SHOP, { email: "ab@gmail.com" });
    const elsewhere = await fingerprints("other-shop.myshopify.com", { email: "ab@gmail.com" });
    expect(elsewhere.email).not.toBe(here.email);
    // A phone and an email with the same text never share a hash.
    const asPhone = await fingerprints(SHOP, { email: "5550100199@x.io", phone: "5550100199" });
    expect(asPhone.phone).not.toBe(asPhone.email);
    expect(await fingerprints(SHOP, {})).toEqual(NO_FINGERPRINTS);
    expect(await fingerprints(SHOP, { email: "not an email", phone: "12", address: { address1: "1 High St", zip: "" } })).toEqual(NO_FINGERPRINTS);
  });
});

describe("scoreReferral", () => {
  const fraud = DEFAULT_REFERRAL_CONFIG.fraud;
  const person = (n: number): IdentityFingerprints => ({ email: `email-${n}`, phone: `phone-${n}`, address: `address-${n}` });
  const facts = (over: Partial<ReferralFacts> = {}): ReferralFacts => ({
    advocate: person(1),
    friend: person(2),
    friendAlreadyCustomer: false,
    sameIpCompletions: 0,
    sameDeviceCompletions: 0,
    ...over,
  });
  const codes = (f: ReferralFacts, config: ReferralConfig["fraud"] = fraud) => scoreReferral(f, config).reasons.map((r) => r.code);

  it("completes a clean referral with no reasons", () => {
    expect(scoreReferral(facts(), fraud)).toEqual({ score: 0, reasons: [], decision: "complete" });
  });

  it("holds a self-referral under a +tag email at the default thresholds, with the reason in plain words", async () => {
    const advocate = await fingerprints(SHOP, { email: "jo.smith@gmail.com" });
    const friend = await fingerprints(SHOP, { email: "josmith+friend@googlemail.com" });
    const result = scoreReferral(facts({ advocate, friend }), fraud);
    expect(result.decision).toBe("hold");
    expect(result.score).toBe(REFERRAL_REASON_SCORES.same_email);
    expect(result.reasons).toEqual([{ code: "same_email", score: 90, detail: expect.stringMatching(/email address is the advocate's/) }]);
    expect(result.reasons[0]!.detail).not.toMatch(/jo|smith|gmail/i);
  });

  it("names each identity match; missing parts on both sides never match", () => {
    expect(codes(facts({ friend: { ...person(2), phone: "phone-1" } }))).toEqual(["same_phone"]);
    expect(codes(facts({ friend: { ...person(2), address: "address-1" } }))).toEqual(["same_address"]);
    expect(codes(facts({ friend: person(1) }))).toEqual(["same_email", "same_phone", "same_address"]);
    expect(codes(facts({ advocate: NO_FINGERPRINTS, friend: NO_FINGERPRINTS }))).toEqual([]);
  });

  it("flags velocity once the OTHER referrals from one IP or device reach the limit", () => {
    const limit = fraud.velocity_limit;
    expect(codes(facts({ sameIpCompletions: limit - 1, sameDeviceCompletions: limit - 1 }))).toEqual([]);
    const both = scoreReferral(facts({ sameIpCompletions: limit, sameDeviceCompletions: limit + 2 }), fraud);
    expect(both.reasons.map((r) => [r.code, r.score])).toEqual([
      ["device_velocity", 50],
      ["ip_velocity", 30],
    ]);
    expect(both.reasons[0]!.detail).toBe("5 other referrals came from the same device in the last 7 days (the limit is 3).");
    expect(both.reasons[1]!.detail).toBe("3 other referrals came from the same IP address in the last 7 days (the limit is 3).");
    expect(both).toMatchObject({ score: 80, decision: "hold" });
    expect(codes(facts({ sameIpCompletions: 1 }), { ...fraud, velocity_limit: 1, velocity_days: 1 })).toEqual(["ip_velocity"]);
    expect(scoreReferral(facts({ sameIpCompletions: 1 }), { ...fraud, velocity_limit: 1, velocity_days: 1 }).reasons[0]!.detail).toBe(
      "1 other referral came from the same IP address in the last 1 day (the limit is 1).",
    );
  });

  it("alone, a shared IP completes; a shared device or an existing customer does not", () => {
    expect(scoreReferral(facts({ sameIpCompletions: 3 }), fraud).decision).toBe("complete");
    expect(scoreReferral(facts({ sameDeviceCompletions: 3 }), fraud).decision).toBe("hold");
    expect(scoreReferral(facts({ friendAlreadyCustomer: true }), fraud)).toMatchObject({ score: 100, decision: "reject", reasons: [{ code: "existing_customer" }] });
  });

  it("sums the reasons and decides against the merchant's thresholds, edges included", () => {
    const selfReferral = facts({ friend: { ...person(2), email: "email-1", phone: "phone-1" } });
    expect(scoreReferral(selfReferral, fraud)).toMatchObject({ score: 160, decision: "reject" });
    expect(scoreReferral(selfReferral, { ...fraud, reject_at: 161 }).decision).toBe("hold");
    expect(scoreReferral(selfReferral, { ...fraud, reject_at: 160 }).decision).toBe("reject");
    expect(scoreReferral(selfReferral, { ...fraud, hold_at: 161, reject_at: 500 }).decision).toBe("complete");
    expect(scoreReferral(selfReferral, { ...fraud, hold_at: 160, reject_at: 500 }).decision).toBe("hold");
  });
});

describe("ShopCoordinator.noteReferralSource", () => {
  const DAY = 86_400_000;
  const note = (shop: string, referralId: string, ip: string | null, device: string | null, at: number, windowDays = 7) =>
    shopCoordinator(env, shop).noteReferralSource({ referralId, ip, device, at, windowDays });

  it("counts other referrals from the same IP and device, and a repeat answers the same and adds nothing", async () => {
    const shop = uniqueShop("velocity-repeat");
    const now = Date.now();
    expect(await note(shop, "r1", "ip-a", "dev-a", now - 3 * DAY)).toEqual({ sameIp: 0, sameDevice: 0 });
    expect(await note(shop, "r2", "ip-a", "dev-b", now - 2 * DAY)).toEqual({ sameIp: 1, sameDevice: 0 });
    expect(await note(shop, "r3", "ip-a", "dev-a", now - DAY)).toEqual({ sameIp: 2, sameDevice: 1 });
    // r2 again, later and from elsewhere: the first answer, nothing recorded.
    expect(await note(shop, "r2", "ip-z", "dev-z", now)).toEqual({ sameIp: 1, sameDevice: 0 });
    expect(await note(shop, "r4", "ip-a", null, now)).toEqual({ sameIp: 3, sameDevice: 0 });
    expect(await note(shop, "r5", null, "dev-z", now)).toEqual({ sameIp: 0, sameDevice: 0 });
    const rows = await runInDurableObject(shopCoordinator(env, shop), (_o: ShopCoordinator, state) =>
      state.storage.sql.exec<{ referral_id: string }>(`SELECT referral_id FROM referral_sources ORDER BY referral_id`).toArray().map((r) => r.referral_id),
    );
    expect(rows).toEqual(["r1", "r2", "r3", "r4", "r5"]);
    // Another shop's coordinator knows none of it.
    expect(await note(uniqueShop("velocity-other"), "r9", "ip-a", "dev-a", now)).toEqual({ sameIp: 0, sameDevice: 0 });
  });

  it("counts only within windowDays before `at`: a referral exactly windowDays old is out, one a millisecond younger is in, later ones are not counted", async () => {
    const shop = uniqueShop("velocity-window");
    const at = Date.now() - DAY;
    await note(shop, "edge", "ip-w", "dev-w", at - 7 * DAY);
    await note(shop, "inside", "ip-w", null, at - 7 * DAY + 1);
    await note(shop, "later", "ip-w", "dev-w", at + 1);
    expect(await note(shop, "now", "ip-w", "dev-w", at)).toEqual({ sameIp: 1, sameDevice: 0 });
    // Eight days reach "edge"; "now" is another referral too by then.
    expect(await note(shop, "wider", "ip-w", "dev-w", at, 8)).toEqual({ sameIp: 3, sameDevice: 2 });
  });

  it("prunes rows older than 90 days, and refuses a window it cannot answer", async () => {
    const shop = uniqueShop("velocity-prune");
    const now = Date.now();
    await note(shop, "ancient", "ip-p", "dev-p", now - 91 * DAY);
    await note(shop, "recent", "ip-p", "dev-p", now - DAY);
    expect(await note(shop, "now", "ip-p", "dev-p", now, 90)).toEqual({ sameIp: 1, sameDevice: 1 });
    const left = await runInDurableObject(shopCoordinator(env, shop), (_o: ShopCoordinator, state) =>
      state.storage.sql.exec<{ referral_id: string }>(`SELECT referral_id FROM referral_sources ORDER BY at`).toArray().map((r) => r.referral_id),
    );
    expect(left).toEqual(["recent", "now"]);
    // Called on the instance: a rejected RPC promise is also reported as unhandled by the pool.
    await runInDurableObject(shopCoordinator(env, shop), async (coordinator: ShopCoordinator) => {
      for (const windowDays of [0, 91, 1.5]) {
        await expect(coordinator.noteReferralSource({ referralId: "bad", ip: "ip-p", device: null, at: now, windowDays })).rejects.toThrow(/windowDays/);
      }
      await expect(coordinator.noteReferralSource({ referralId: "bad", ip: "ip-p", device: null, at: Number.NaN, windowDays: 7 })).rejects.toThrow(/epoch/);
    });
  });

  it("forgets the sources with the shop (shop/redact) and works again after", async () => {
    const shop = uniqueShop("velocity-forget");
    const now = Date.now();
    await note(shop, "r1", "ip-f", "dev-f", now - DAY);
    await shopCoordinator(env, shop).forget();
    expect(await note(shop, "r2", "ip-f", "dev-f", now)).toEqual({ sameIp: 0, sameDevice: 0 });
  });
});
