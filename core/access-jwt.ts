// Verifies a Cloudflare Access application token (the `Cf-Access-Jwt-Assertion` header): RS256
// only, signed by a key of the team's JWKS, for this application's audience, issued by the team
// domain, inside its nbf..exp window. Pure: the key set comes from a `KeySource`, so the Worker
// fetches and caches it (workers/admin/access-keys.ts) and tests may hand their own.
// Anything else (alg none, HS256 with the public key as a secret, an unknown key, a wrong aud or
// iss, expired, not yet valid, a malformed token) is a refusal with its reason; never a throw.

export interface AccessJwk {
  kid: string;
  kty: string;
  n?: string;
  e?: string;
  alg?: string;
  use?: string;
}

export interface KeySource {
  /** The key with this id, or null; `refresh`: the caller saw an unknown kid and asks for a fresh set. */
  key(kid: string, refresh: boolean): Promise<CryptoKey | null>;
}

export type AccessVerification =
  | { valid: true; email: string; sub: string; exp: number }
  | { valid: false; reason: AccessRefusal };

export type AccessRefusal =
  | "malformed_token"
  | "unsupported_algorithm"
  | "unknown_key"
  | "bad_signature"
  | "wrong_audience"
  | "wrong_issuer"
  | "token_expired"
  | "token_not_yet_valid"
  | "missing_email";

/** Seconds of clock difference tolerated between Access and us, on exp and nbf. */
export const CLOCK_SKEW_SECONDS = 60;

function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (text.length % 4)) % 4);
  try {
    return Uint8Array.from(atob(padded), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

function decodeJson(text: string): Record<string, unknown> | null {
  const bytes = base64UrlDecode(text);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The team domain as Access writes it in `iss`: https://<team>.cloudflareaccess.com, no trailing slash. */
export function normalizeTeamDomain(domain: string): string {
  const trimmed = domain.trim().replace(/\/+$/, "");
  return /^https?:\/\//.test(trimmed) ? trimmed : `https://${trimmed}`;
}

/** Imports one JWKS entry for RS256 verification; null for a key of another type. */
export async function importAccessKey(jwk: AccessJwk): Promise<CryptoKey | null> {
  if (jwk.kty !== "RSA" || !jwk.n || !jwk.e) return null;
  if (jwk.alg !== undefined && jwk.alg !== "RS256") return null;
  return crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: "RS256", ext: true }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
}

export async function verifyAccessToken(
  token: string,
  expected: { teamDomain: string; audience: string },
  keys: KeySource,
  nowSeconds: number,
): Promise<AccessVerification> {
  const parts = token.split(".");
  if (parts.length !== 3) return { valid: false, reason: "malformed_token" };
  const [headerText, payloadText, signatureText] = parts as [string, string, string];
  const header = decodeJson(headerText);
  const payload = decodeJson(payloadText);
  const signature = base64UrlDecode(signatureText);
  if (!header || !payload || !signature) return { valid: false, reason: "malformed_token" };
  // The algorithm is ours to choose, never the token's: only RS256 is tried.
  if (header.alg !== "RS256") return { valid: false, reason: "unsupported_algorithm" };
  if (typeof header.kid !== "string" || header.kid === "") return { valid: false, reason: "unknown_key" };
  // An unknown kid may be a rotation we have not seen yet: one fresh fetch, then refuse.
  const key = (await keys.key(header.kid, false)) ?? (await keys.key(header.kid, true));
  if (!key) return { valid: false, reason: "unknown_key" };
  const signed = new TextEncoder().encode(`${headerText}.${payloadText}`);
  if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, signed))) return { valid: false, reason: "bad_signature" };

  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.some((aud) => aud === expected.audience)) return { valid: false, reason: "wrong_audience" };
  if (payload.iss !== normalizeTeamDomain(expected.teamDomain)) return { valid: false, reason: "wrong_issuer" };
  if (typeof payload.exp !== "number" || payload.exp + CLOCK_SKEW_SECONDS <= nowSeconds) return { valid: false, reason: "token_expired" };
  if (payload.nbf !== undefined && (typeof payload.nbf !== "number" || payload.nbf - CLOCK_SKEW_SECONDS > nowSeconds)) {
    return { valid: false, reason: "token_not_yet_valid" };
  }
  if (typeof payload.email !== "string" || !payload.email.includes("@")) return { valid: false, reason: "missing_email" };
  return { valid: true, email: payload.email, sub: typeof payload.sub === "string" ? payload.sub : "", exp: payload.exp };
}
