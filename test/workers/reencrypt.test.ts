// The encryption migration: v1 values and values under a retired key become v2 under the
// current key, still opening to the same plaintext; the sweep runs it; a profile that arrives
// later in an old format is stored, then rewritten by the next pass.
import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import {
  ciphertextKid,
  dataKeys,
  decryptText,
  emailBlindIndex,
  emailContext,
  encryptText,
  keyring,
  tokenContext,
} from "../../core/crypto";
import { toBase64 } from "../../core/encoding";
import type { LedgerEvent } from "../../core/ledger-events";
import { connectReporting } from "../../postgres/client";
import { projectEvents } from "../../postgres/projection";
import { reencryptBatch } from "../../queues/reencrypt";
import { sweep } from "../../queues/sweeper";
import { install } from "../helpers/app";
import { sealV1 } from "../helpers/legacy-crypto";
import { uniqueShop } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

const RETIRED_KEY = toBase64(new Uint8Array(32).fill(42));
/** The test Worker's key stays current (other test files share this Postgres); one key is retired. */
const rotatedEnv = { ...env, ENCRYPTION_KEYS_PREVIOUS: RETIRED_KEY };

async function setTokens(shop: string, access: string | null, refresh: string | null) {
  await install(shop);
  await env.DB.prepare(`UPDATE shops SET access_token_encrypted = ?, refresh_token_encrypted = ? WHERE domain = ?`)
    .bind(access, refresh, shop)
    .run();
}

async function tokens(shop: string) {
  return (await env.DB.prepare(`SELECT access_token_encrypted AS access, refresh_token_encrypted AS refresh FROM shops WHERE domain = ?`)
    .bind(shop)
    .first<{ access: string | null; refresh: string | null }>())!;
}

async function untilDone(run: () => Promise<{ tokens: number; emails: number }>) {
  for (let pass = 0; pass < 50; pass++) {
    const step = await run();
    if (step.tokens === 0 && step.emails === 0) return pass;
  }
  throw new Error("re-encryption did not finish in 50 passes");
}

describe("shop tokens in D1", () => {
  it("rewrites v1 tokens and tokens under a retired key as v2 under the current key, same plaintext", async () => {
    const ring = await keyring(rotatedEnv);
    const retired = await dataKeys(RETIRED_KEY);
    const legacy = Array.from({ length: 5 }, () => uniqueShop("v1-tokens"));
    for (const shop of legacy) await setTokens(shop, await sealV1(env.ENCRYPTION_KEY, `shpat_${shop}`, shop), await sealV1(env.ENCRYPTION_KEY, `shprt_${shop}`, shop));
    const old = uniqueShop("retired-key");
    await setTokens(old, await encryptText(retired, "shpat_old", tokenContext(old, "access")), null);
    const current = uniqueShop("current");
    const currentSealed = await encryptText(ring.current, "shpat_current", tokenContext(current, "access"));
    await setTokens(current, currentSealed, null);
    const broken = uniqueShop("broken");
    await setTokens(broken, "v1.bm90.aGVsbG8=", null);

    // A limit of 2 makes the walk take several passes, as it would over many shops.
    const passes = await untilDone(() => reencryptBatch(rotatedEnv, 2));
    expect(passes).toBeGreaterThan(1);

    for (const shop of legacy) {
      const row = await tokens(shop);
      expect(ciphertextKid(row.access!)).toBe(ring.current.kid);
      expect(await decryptText(ring, row.access!, tokenContext(shop, "access"))).toBe(`shpat_${shop}`);
      expect(await decryptText(ring, row.refresh!, tokenContext(shop, "refresh"))).toBe(`shprt_${shop}`);
    }
    const rotated = await tokens(old);
    expect(ciphertextKid(rotated.access!)).toBe(ring.current.kid);
    expect(rotated.refresh).toBeNull();
    // Readable without the retired key now.
    expect(await decryptText(await keyring(env), rotated.access!, tokenContext(old, "access"))).toBe("shpat_old");
    expect((await tokens(current)).access).toBe(currentSealed);
    expect((await tokens(broken)).access).toBe("v1.bm90.aGVsbG8=");
  });

  it("is run by the sweep", async () => {
    const shop = uniqueShop("swept");
    await setTokens(shop, await sealV1(env.ENCRYPTION_KEY, "shpat_swept", shop), null);
    const result = await sweep(env);
    expect(result.reencrypted.tokens).toBeGreaterThanOrEqual(1);
    const row = await tokens(shop);
    expect(await decryptText(await keyring(env), row.access!, tokenContext(shop, "access"))).toBe("shpat_swept");
  });
});

describe("customer emails in Postgres", () => {
  const shop = uniqueShop("emails");

  async function insertCustomer(customerId: string, emailEncrypted: string, blindIndex: string) {
    await sql`INSERT INTO customers (shop, customer_id, email_encrypted, email_blind_index)
      VALUES (${shop}, ${customerId}, ${emailEncrypted}, ${blindIndex})`;
  }

  async function email(customerId: string) {
    const [row] = await sql<{ email_encrypted: string; email_blind_index: string }[]>`
      SELECT email_encrypted, email_blind_index FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}`;
    return row!;
  }

  it("rewrites v1 emails and emails under a retired key, refreshing the blind index", async () => {
    const ring = await keyring(rotatedEnv);
    const retired = await dataKeys(RETIRED_KEY);
    for (let i = 0; i < 7; i++) {
      const address = `v1-${i}@example.com`;
      await insertCustomer(`9100${i}`, await sealV1(env.ENCRYPTION_KEY, address, shop), await emailBlindIndex(ring.current, shop, address));
    }
    await insertCustomer(
      "92000",
      await encryptText(retired, "old-key@example.com", emailContext(shop, "92000")),
      await emailBlindIndex(retired, shop, "old-key@example.com"),
    );

    await untilDone(() => reencryptBatch(rotatedEnv, 3));

    for (let i = 0; i < 7; i++) {
      const row = await email(`9100${i}`);
      expect(ciphertextKid(row.email_encrypted)).toBe(ring.current.kid);
      expect(await decryptText(ring, row.email_encrypted, emailContext(shop, `9100${i}`))).toBe(`v1-${i}@example.com`);
      expect(row.email_blind_index).toBe(await emailBlindIndex(ring.current, shop, `v1-${i}@example.com`));
    }
    const rotated = await email("92000");
    expect(await decryptText(await keyring(env), rotated.email_encrypted, emailContext(shop, "92000"))).toBe("old-key@example.com");
    // The blind index follows the key, so an exact-email search finds the rotated row.
    expect(rotated.email_blind_index).toBe(await emailBlindIndex(ring.current, shop, "old-key@example.com"));
    expect(rotated.email_blind_index).not.toBe(await emailBlindIndex(retired, shop, "old-key@example.com"));
  });

  it("stores a profile that arrives from an outbox in v1 after the migration, and the next pass rewrites it", async () => {
    const ring = await keyring(env);
    const late: LedgerEvent = {
      type: "customer_profile",
      shop,
      customer_id: "93000",
      outbox_seq: 1,
      profile: {
        email_encrypted: await sealV1(env.ENCRYPTION_KEY, "late@example.com", shop),
        email_blind_index: await emailBlindIndex(ring.current, shop, "late@example.com"),
        first_name: "Late",
        last_name: null,
        shopify_created_at: null,
      },
    };
    await projectEvents(sql, [late]);
    expect((await email("93000")).email_encrypted).toMatch(/^v1\./);

    await untilDone(() => reencryptBatch(env, 200));
    const row = await email("93000");
    expect(await decryptText(ring, row.email_encrypted, emailContext(shop, "93000"))).toBe("late@example.com");
  });

  it("leaves what it cannot open, and a second run changes nothing", async () => {
    await insertCustomer("94000", "v1.bm90.aGVsbG8=", "x");
    await untilDone(() => reencryptBatch(env, 200));
    const settled = await sql`SELECT customer_id, email_encrypted FROM customers WHERE shop = ${shop} ORDER BY customer_id`;
    expect((await email("94000")).email_encrypted).toBe("v1.bm90.aGVsbG8=");
    await reencryptBatch(env, 200);
    expect(await sql`SELECT customer_id, email_encrypted FROM customers WHERE shop = ${shop} ORDER BY customer_id`).toEqual(settled);
  });
});
