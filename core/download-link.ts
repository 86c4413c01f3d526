// Signed, expiring download links for files the merchant's dashboard lists (GDPR bundles,
// CSV exports). A click carries no session token, so the token alone authorises one file of
// one shop until it expires:
// token = base64url(expires ":" HMAC-SHA256(secret, purpose "\n" shop "\n" id "\n" expires)).
// The purpose keeps a link for one kind of file from opening another kind with the same id.
import { hmacSha256, verifyHmacSha256 } from "./crypto";
import { fromBase64, toBase64 } from "./encoding";

export type DownloadPurpose = "gdpr-download" | "export-download";

function downloadMessage(purpose: DownloadPurpose, shop: string, id: string, expiresAt: number): string {
  return `${purpose}\n${shop}\n${id}\n${expiresAt}`;
}

export async function signDownloadLink(secret: string, purpose: DownloadPurpose, shop: string, id: string, expiresAt: number): Promise<string> {
  const mac = toBase64(await hmacSha256(secret, downloadMessage(purpose, shop, id, expiresAt)));
  return base64Url(`${expiresAt}:${mac}`);
}

export type DownloadTokenCheck = { valid: true } | { valid: false; reason: "malformed" | "expired" | "bad_signature" };

/** Constant-time (crypto.subtle.verify); the expiry is checked after the signature. */
export async function verifyDownloadLink(secret: string, purpose: DownloadPurpose, shop: string, id: string, token: string, now = Date.now()): Promise<DownloadTokenCheck> {
  const decoded = fromBase64Url(token);
  const colon = decoded?.indexOf(":") ?? -1;
  if (!decoded || colon < 1) return { valid: false, reason: "malformed" };
  const expiresAt = Number(decoded.slice(0, colon));
  const mac = fromBase64(decoded.slice(colon + 1));
  if (!Number.isSafeInteger(expiresAt) || !mac) return { valid: false, reason: "malformed" };
  if (!(await verifyHmacSha256(secret, downloadMessage(purpose, shop, id, expiresAt), mac))) return { valid: false, reason: "bad_signature" };
  if (expiresAt < now) return { valid: false, reason: "expired" };
  return { valid: true };
}

function base64Url(text: string): string {
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) return null;
  try {
    return atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
}
