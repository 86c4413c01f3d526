// Signatures, encryption at rest and the blind index. Every comparison of a secret-derived
// value goes through crypto.subtle.verify, which compares in constant time.
import { fromBase64, toBase64, toHex, utf8, type Bytes } from "./encoding";

const hmacKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    hmacKeys.set(secret, key);
  }
  return key;
}

export async function hmacSha256(secret: string, message: Bytes | string): Promise<Bytes> {
  const data = typeof message === "string" ? utf8(message) : message;
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), data));
}

/** Constant-time check that `signature` is HMAC-SHA256(secret, message). */
export async function verifyHmacSha256(
  secret: string,
  message: Bytes | string,
  signature: Bytes,
): Promise<boolean> {
  if (signature.length !== 32) return false;
  const data = typeof message === "string" ? utf8(message) : message;
  return crypto.subtle.verify("HMAC", await hmacKey(secret), signature, data);
}

export async function hmacBase64(secret: string, message: Bytes | string): Promise<string> {
  return toBase64(await hmacSha256(secret, message));
}

export async function hmacHex(secret: string, message: Bytes | string): Promise<string> {
  return toHex(await hmacSha256(secret, message));
}

// --- Encryption at rest -------------------------------------------------------------------
//
// Format v2: `v2.<kid>.<iv>.<ciphertext+tag>` (iv and body base64). AES-256-GCM whose additional
// data is `v2.<kid>` and a purpose context naming the column and the row (emailContext,
// tokenContext), so a ciphertext copied to another row, shop or column fails to decrypt.
//
// Keys: ENCRYPTION_KEY (32 bytes, base64) seals every new value. ENCRYPTION_KEYS_PREVIOUS, a
// comma-separated list of `[kid:]base64` keys, only opens old ones. The kid is derived from
// the key (HKDF, 4 bytes as 8 hex digits), never configured, so it cannot name the wrong key; a
// `kid:` prefix in the list is checked against it. To rotate: move the current key into
// ENCRYPTION_KEYS_PREVIOUS, set a new ENCRYPTION_KEY; the sweeper re-encrypts every row under
// the new kid (queues/reencrypt.ts), after which the old key can be dropped.
//
// v1 (`v1.<iv>.<ct>`, additional data = the shop only, no kid) is read by decryptLegacyV1
// alone, which only the re-encryption routine calls.

const CIPHERTEXT_VERSION = "v2";
const LEGACY_VERSION = "v1";

export interface DataKeys {
  /** 8 hex digits identifying the master key these were derived from. */
  kid: string;
  encryption: CryptoKey;
  blindIndex: CryptoKey;
}

/** The current key (seals and opens) and the previous ones (open only). */
export interface Keyring {
  current: DataKeys;
  previous: readonly DataKeys[];
}

export interface KeySource {
  ENCRYPTION_KEY: string;
  /** Optional: not every deployment has retired a key. */
  ENCRYPTION_KEYS_PREVIOUS?: string;
}

declare const purpose: unique symbol;
/** Additional data naming a ciphertext's purpose and row; built only by the helpers below. */
export type CipherContext = string & { readonly [purpose]: true };

function context(...parts: string[]): CipherContext {
  // Parts are shop domains, numeric ids and fixed words; a ':' inside one would make two
  // different rows share a context.
  if (parts.some((part) => part === "" || part.includes(":"))) throw new Error("invalid encryption context part");
  return parts.join(":") as CipherContext;
}

/** A customer's email in the reporting projection (customers.email_encrypted). */
export function emailContext(shop: string, customerId: string): CipherContext {
  return context("email", shop, customerId);
}

/** A platform admin's email (admin_users.email_encrypted); the row's id binds it. */
export function adminEmailContext(adminId: string): CipherContext {
  return context("admin_email", adminId);
}

/** The blind index of a platform admin's email: one namespace for the platform, apart from every shop's customers. */
export function adminEmailBlindIndex(keys: DataKeys, email: string): Promise<string> {
  return labelledKeyedHash(keys, "admin_email", "platform", normalizeEmail(email));
}

/** A customer's contact (email, phone, first name) in their object (contact.sealed). */
export function contactContext(shop: string, customerId: string): CipherContext {
  return context("contact", shop, customerId);
}

/** The address a notification went to (email_events.recipient_encrypted). */
export function recipientContext(shop: string, customerId: string): CipherContext {
  return context("recipient", shop, customerId);
}

/** A reward's discount code in the customer's object (redemptions.code_encrypted). */
export function discountCodeContext(shop: string, customerId: string, redemptionId: string): CipherContext {
  return context("discount-code", shop, customerId, redemptionId);
}

/** The shop's Admin API tokens (shops.access_token_encrypted / refresh_token_encrypted). */
export function tokenContext(shop: string, kind: "access" | "refresh"): CipherContext {
  return context("token", shop, kind);
}

/** The secret a shop's review provider signs its webhooks with (review_integrations.secret_encrypted). */
export function reviewSecretContext(shop: string, provider: string): CipherContext {
  return context("review-secret", shop, provider);
}

/** A shop's messaging provider keys and tokens, one sealed JSON object (integrations.secrets_encrypted). */
export function integrationSecretContext(shop: string, provider: string): CipherContext {
  return context("integration-secrets", shop, provider);
}

/** A webhook inbox body (webhook_inbox.body): minimised, then sealed, so D1 never holds it in the clear. */
export function inboxBodyContext(shop: string): CipherContext {
  return context("inbox", shop);
}

/** A dead-lettered queue message (dead_letters.body): it may carry a customer's profile. */
export function deadLetterContext(queue: string): CipherContext {
  return context("dead-letter", queue);
}

/** A GDPR data bundle in R2 (gdpr/<shop>/<request id>.json.sealed). */
export function gdprBundleContext(shop: string, requestId: string): CipherContext {
  return context("gdpr-bundle", shop, requestId);
}

/** One part of a CSV export's file in R2 (core/export-seal.ts): the part's place binds it. */
export function exportPartContext(shop: string, exportId: string, partNumber: number): CipherContext {
  return context("export-part", shop, exportId, String(partNumber));
}

const dataKeyCache = new Map<string, Promise<DataKeys>>();

/**
 * Derives the AES-256-GCM key, the blind-index HMAC key and the key id from one 32-byte master
 * key (base64), so neither the blind index nor the kid reveals anything about the others.
 */
export function dataKeys(masterKeyBase64: string): Promise<DataKeys> {
  let keys = dataKeyCache.get(masterKeyBase64);
  if (!keys) {
    keys = deriveDataKeys(masterKeyBase64);
    dataKeyCache.set(masterKeyBase64, keys);
    keys.catch(() => dataKeyCache.delete(masterKeyBase64));
  }
  return keys;
}

async function deriveDataKeys(masterKeyBase64: string): Promise<DataKeys> {
  const master = fromBase64(masterKeyBase64);
  if (!master || master.length !== 32) {
    throw new Error("ENCRYPTION_KEY must be 32 bytes, base64-encoded");
  }
  const hkdf = await crypto.subtle.importKey("raw", master, "HKDF", false, ["deriveKey", "deriveBits"]);
  const params = (info: string) => ({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: utf8(info) });
  const derive = (info: string, algorithm: AesKeyGenParams | HmacKeyGenParams, usages: KeyUsage[]) =>
    crypto.subtle.deriveKey(params(info), hkdf, algorithm, false, usages);
  return {
    kid: toHex(await crypto.subtle.deriveBits(params("loyalnest/key-id/v1"), hkdf, 32)),
    encryption: await derive("loyalnest/aes-gcm/v1", { name: "AES-GCM", length: 256 }, [
      "encrypt",
      "decrypt",
    ]),
    blindIndex: await derive("loyalnest/blind-index/v1", { name: "HMAC", hash: "SHA-256", length: 256 }, [
      "sign",
    ]),
  };
}

/** The keyring an environment configures; throws on a malformed or duplicate key. */
export async function keyring(source: KeySource): Promise<Keyring> {
  const current = await dataKeys(source.ENCRYPTION_KEY);
  const previous: DataKeys[] = [];
  const seen = new Set([current.kid]);
  for (const entry of (source.ENCRYPTION_KEYS_PREVIOUS ?? "").split(",").map((e) => e.trim()).filter(Boolean)) {
    const colon = entry.indexOf(":");
    const claimedKid = colon >= 0 ? entry.slice(0, colon) : null;
    const keys = await dataKeys(colon >= 0 ? entry.slice(colon + 1) : entry).catch(() => {
      throw new Error("ENCRYPTION_KEYS_PREVIOUS: every key must be 32 bytes, base64-encoded");
    });
    if (claimedKid !== null && claimedKid !== keys.kid) {
      throw new Error(`ENCRYPTION_KEYS_PREVIOUS: key labelled ${claimedKid} has kid ${keys.kid}`);
    }
    if (seen.has(keys.kid)) continue; // the current key listed again, or a repeat
    seen.add(keys.kid);
    previous.push(keys);
  }
  return { current, previous };
}

/** Seals under `keys` (always the current key): `v2.<kid>.<iv>.<ciphertext+tag>`. */
export async function encryptText(keys: DataKeys, plaintext: string, purposeContext: CipherContext): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const header = `${CIPHERTEXT_VERSION}.${keys.kid}`;
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(`${header}\n${purposeContext}`) },
    keys.encryption,
    utf8(plaintext),
  );
  return `${header}.${toBase64(iv)}.${toBase64(ciphertext)}`;
}

/** The kid a v2 ciphertext names, or null for anything else (v1 included). */
export function ciphertextKid(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts.length === 4 && parts[0] === CIPHERTEXT_VERSION ? parts[1]! : null;
}

/** True when `sealed` is v2 under the ring's current key: nothing to re-encrypt. */
export function isCurrent(ring: Keyring, sealed: string): boolean {
  return ciphertextKid(sealed) === ring.current.kid;
}

/**
 * Opens a v2 ciphertext with the key its kid names (current or previous). Throws when the
 * kid is unknown, the context differs (another row, shop or column), or anything was altered.
 * v1 ciphertexts are refused here: see decryptLegacyV1.
 */
export async function decryptText(ring: Keyring, sealed: string, purposeContext: CipherContext): Promise<string> {
  const [version, kid, ivText, bodyText, extra] = sealed.split(".");
  const iv = ivText ? fromBase64(ivText) : null;
  const body = bodyText ? fromBase64(bodyText) : null;
  if (version !== CIPHERTEXT_VERSION || !kid || !iv || !body || extra !== undefined) throw new Error("not a LoyalNest v2 ciphertext");
  const keys = [ring.current, ...ring.previous].find((k) => k.kid === kid);
  if (!keys) throw new Error(`no key with kid ${kid} (is it in ENCRYPTION_KEYS_PREVIOUS?)`);
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv, additionalData: utf8(`${version}.${kid}\n${purposeContext}`) },
    keys.encryption,
    body,
  );
  return new TextDecoder().decode(plaintext);
}

/**
 * Legacy path, for the re-encryption routine only: opens a v1 ciphertext (additional data =
 * the shop alone, no kid) by trying the current key, then each previous one.
 */
export async function decryptLegacyV1(ring: Keyring, sealed: string, shop: string): Promise<string> {
  const [version, ivText, bodyText, extra] = sealed.split(".");
  const iv = ivText ? fromBase64(ivText) : null;
  const body = bodyText ? fromBase64(bodyText) : null;
  if (version !== LEGACY_VERSION || !iv || !body || extra !== undefined) throw new Error("not a LoyalNest v1 ciphertext");
  for (const keys of [ring.current, ...ring.previous]) {
    try {
      const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: utf8(shop) }, keys.encryption, body);
      return new TextDecoder().decode(plaintext);
    } catch {
      // not this key
    }
  }
  throw new Error("v1 ciphertext opens under no configured key");
}

/**
 * The plaintext of a stored value in either format: v2 under any configured key, or v1 through
 * the legacy path (whose context is the shop). For re-encryption; readers use decryptText.
 */
export function openForReencryption(ring: Keyring, sealed: string, purposeContext: CipherContext, shop: string): Promise<string> {
  return sealed.startsWith(`${LEGACY_VERSION}.`) ? decryptLegacyV1(ring, sealed, shop) : decryptText(ring, sealed, purposeContext);
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Deterministic keyed hash of a normalized email, scoped to the shop: exact search only. */
export async function emailBlindIndex(keys: DataKeys, shop: string, email: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", keys.blindIndex, utf8(`${shop}\n${normalizeEmail(email)}`));
  return toHex(mac);
}

/**
 * A keyed hash of one customer of one shop (the blind-index key): what a GDPR tombstone or
 * request keeps instead of the customer id, so it names nobody without the key.
 */
export function customerKeyedHash(keys: DataKeys, shop: string, customerId: string): Promise<string> {
  return labelledKeyedHash(keys, "customer", shop, customerId);
}

/**
 * A keyed hash (hex) of one value of one shop under the blind-index key, labelled by what it
 * is, so values of different kinds (a customer id, an email, an IP) never share a hash.
 */
export async function labelledKeyedHash(keys: DataKeys, label: string, shop: string, value: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", keys.blindIndex, utf8(`${label}\n${shop}\n${value}`)));
}
