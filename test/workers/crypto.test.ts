// Encryption at rest, v2: each ciphertext bound to its purpose and row, carrying the id of the
// key that sealed it, so keys rotate and a moved ciphertext fails to open.
import { describe, expect, it } from "vitest";
import {
  ciphertextKid,
  dataKeys,
  decryptLegacyV1,
  decryptText,
  emailContext,
  encryptText,
  isCurrent,
  keyring,
  openForReencryption,
  tokenContext,
} from "../../core/crypto";
import { fromBase64, toBase64 } from "../../core/encoding";
import { sealV1 } from "../helpers/legacy-crypto";
import { TEST_SECRETS } from "../helpers/secrets";

const KEY_A = TEST_SECRETS.ENCRYPTION_KEY;
const KEY_B = toBase64(new Uint8Array(32).fill(7));
const SHOP = "a.myshopify.com";

describe("v2 format", () => {
  it("round-trips, randomises the IV and names the sealing key", async () => {
    const ring = await keyring({ ENCRYPTION_KEY: KEY_A });
    const a = await encryptText(ring.current, "ann@example.com", emailContext(SHOP, "1"));
    const b = await encryptText(ring.current, "ann@example.com", emailContext(SHOP, "1"));
    expect(a).not.toBe(b);
    expect(a).not.toContain("ann");
    expect(a).toMatch(/^v2\.[0-9a-f]{8}\.[^.]+\.[^.]+$/);
    expect(ciphertextKid(a)).toBe(ring.current.kid);
    expect(await decryptText(ring, a, emailContext(SHOP, "1"))).toBe("ann@example.com");
  });

  it("derives the kid from the key: stable, and different for another key", async () => {
    const a1 = await keyring({ ENCRYPTION_KEY: KEY_A });
    const b = await keyring({ ENCRYPTION_KEY: KEY_B });
    expect(a1.current.kid).toMatch(/^[0-9a-f]{8}$/);
    expect((await dataKeys(KEY_A)).kid).toBe(a1.current.kid);
    expect(b.current.kid).not.toBe(a1.current.kid);
  });

  it.each([
    ["another customer's row", emailContext(SHOP, "2")],
    ["the same customer id in another shop", emailContext("b.myshopify.com", "1")],
    ["a token column", tokenContext(SHOP, "access")],
  ])("fails when an email ciphertext is moved to %s", async (_label, moved) => {
    const ring = await keyring({ ENCRYPTION_KEY: KEY_A });
    const sealed = await encryptText(ring.current, "ann@example.com", emailContext(SHOP, "1"));
    await expect(decryptText(ring, sealed, moved)).rejects.toThrow();
  });

  it("fails when an access token is moved to the refresh column or another shop", async () => {
    const ring = await keyring({ ENCRYPTION_KEY: KEY_A });
    const sealed = await encryptText(ring.current, "shpat_secret", tokenContext(SHOP, "access"));
    expect(await decryptText(ring, sealed, tokenContext(SHOP, "access"))).toBe("shpat_secret");
    await expect(decryptText(ring, sealed, tokenContext(SHOP, "refresh"))).rejects.toThrow();
    await expect(decryptText(ring, sealed, tokenContext("b.myshopify.com", "access"))).rejects.toThrow();
  });

  it("fails on any tampering: body, IV, or a kid swapped to another configured key", async () => {
    const ring = await keyring({ ENCRYPTION_KEY: KEY_A, ENCRYPTION_KEYS_PREVIOUS: KEY_B });
    const context = emailContext(SHOP, "1");
    const sealed = await encryptText(ring.current, "ann@example.com", context);
    const [version, kid, iv, body] = sealed.split(".") as [string, string, string, string];
    const flipped = fromBase64(body)!;
    flipped[0]! ^= 1;
    const otherIv = toBase64(crypto.getRandomValues(new Uint8Array(12)));
    const otherKid = ring.previous[0]!.kid;
    for (const forged of [
      `${version}.${kid}.${iv}.${toBase64(flipped)}`,
      `${version}.${kid}.${otherIv}.${body}`,
      `${version}.${otherKid}.${iv}.${body}`,
      `${version}.${kid}.${iv}.${body.slice(0, -8)}`,
      `v1.${iv}.${body}`,
      `${sealed}.extra`,
    ]) {
      await expect(decryptText(ring, forged, context), forged).rejects.toThrow();
    }
  });

  it("refuses to build a context from a part that could alias another row", () => {
    expect(() => emailContext("a.myshopify.com:1", "2")).toThrow();
    expect(() => emailContext(SHOP, "")).toThrow();
  });
});

describe("rotation", () => {
  it("opens data sealed under a previous key when it is listed, and seals new data under the new kid", async () => {
    const before = await keyring({ ENCRYPTION_KEY: KEY_A });
    const old = await encryptText(before.current, "ann@example.com", emailContext(SHOP, "1"));

    const after = await keyring({ ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEYS_PREVIOUS: `${before.current.kid}:${KEY_A}` });
    expect(after.current.kid).not.toBe(before.current.kid);
    expect(await decryptText(after, old, emailContext(SHOP, "1"))).toBe("ann@example.com");
    expect(isCurrent(after, old)).toBe(false);

    const fresh = await encryptText(after.current, "ann@example.com", emailContext(SHOP, "1"));
    expect(ciphertextKid(fresh)).toBe(after.current.kid);
    expect(isCurrent(after, fresh)).toBe(true);
  });

  it("cannot open data under a retired key once it is no longer listed", async () => {
    const before = await keyring({ ENCRYPTION_KEY: KEY_A });
    const old = await encryptText(before.current, "ann@example.com", emailContext(SHOP, "1"));
    const dropped = await keyring({ ENCRYPTION_KEY: KEY_B });
    await expect(decryptText(dropped, old, emailContext(SHOP, "1"))).rejects.toThrow(/no key with kid/);
  });

  it("refuses a previous key whose label names another kid, or that is not 32 bytes", async () => {
    await expect(keyring({ ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEYS_PREVIOUS: `deadbeef:${KEY_A}` })).rejects.toThrow(/labelled deadbeef/);
    await expect(keyring({ ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEYS_PREVIOUS: "c2hvcnQ=" })).rejects.toThrow(/32 bytes/);
  });

  it("accepts unlabelled previous keys and ignores the current key listed again", async () => {
    const ring = await keyring({ ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEYS_PREVIOUS: ` ${KEY_A} , ${KEY_B} ` });
    expect(ring.previous.map((k) => k.kid)).toEqual([(await dataKeys(KEY_A)).kid]);
  });
});

describe("legacy v1", () => {
  it("is refused by decryptText and opened only by the legacy path, under the current or a previous key", async () => {
    const v1 = await sealV1(KEY_A, "ann@example.com", SHOP);
    const current = await keyring({ ENCRYPTION_KEY: KEY_A });
    await expect(decryptText(current, v1, emailContext(SHOP, "1"))).rejects.toThrow(/v2/);
    expect(await decryptLegacyV1(current, v1, SHOP)).toBe("ann@example.com");
    const rotated = await keyring({ ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEYS_PREVIOUS: KEY_A });
    expect(await openForReencryption(rotated, v1, emailContext(SHOP, "1"), SHOP)).toBe("ann@example.com");
    await expect(decryptLegacyV1(rotated, v1, "b.myshopify.com")).rejects.toThrow();
    await expect(decryptLegacyV1(await keyring({ ENCRYPTION_KEY: KEY_B }), v1, SHOP)).rejects.toThrow();
  });
});
