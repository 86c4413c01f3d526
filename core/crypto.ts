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

const CIPHERTEXT_VERSION = "v1";

export interface DataKeys {
  encryption: CryptoKey;
  blindIndex: CryptoKey;
}

const dataKeyCache = new Map<string, Promise<DataKeys>>();

/**
 * Derives the AES-256-GCM key and the blind-index HMAC key from one 32-byte master key
 * (base64), so a blind index never reveals anything about the encryption key.
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
  const hkdf = await crypto.subtle.importKey("raw", master, "HKDF", false, ["deriveKey"]);
  const derive = (info: string, algorithm: AesKeyGenParams | HmacKeyGenParams, usages: KeyUsage[]) =>
    crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: utf8(info) },
      hkdf,
      algorithm,
      false,
      usages,
    );
  return {
    encryption: await derive("loyalnest/aes-gcm/v1", { name: "AES-GCM", length: 256 }, [
      "encrypt",
      "decrypt",
    ]),
    blindIndex: await derive("loyalnest/blind-index/v1", { name: "HMAC", hash: "SHA-256", length: 256 }, [
      "sign",
    ]),
  };
}

/** AES-256-GCM with a random 96-bit IV; the output is `v1.<iv>.<ciphertext+tag>` in base64. */
export async function encryptText(keys: DataKeys, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(context) },
    keys.encryption,
    utf8(plaintext),
  );
  return `${CIPHERTEXT_VERSION}.${toBase64(iv)}.${toBase64(ciphertext)}`;
}

/**
 * `context` is bound as additional authenticated data (e.g. the shop), so a ciphertext copied
 * to another shop's row fails to decrypt instead of leaking.
 */
export async function decryptText(keys: DataKeys, sealed: string, context: string): Promise<string> {
  const [version, ivText, bodyText] = sealed.split(".");
  const iv = ivText ? fromBase64(ivText) : null;
  const body = bodyText ? fromBase64(bodyText) : null;
  if (version !== CIPHERTEXT_VERSION || !iv || !body) throw new Error("not a LoyalNest ciphertext");
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv, additionalData: utf8(context) },
    keys.encryption,
    body,
  );
  return new TextDecoder().decode(plaintext);
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Deterministic keyed hash of a normalized email, scoped to the shop: exact search only. */
export async function emailBlindIndex(keys: DataKeys, shop: string, email: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", keys.blindIndex, utf8(`${shop}\n${normalizeEmail(email)}`));
  return toHex(mac);
}
