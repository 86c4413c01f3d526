// The one way Worker, Durable Object and queue code writes a log line. Every line is redacted
// before it reaches console: Postgres and Shopify errors can echo the values they refused
// (an email, a token, a code), and a String(error) would print them as they are.
// Redacted: emails, phone numbers (international +… form and 3-3-4 groups), bearer tokens and
// JWTs (session tokens), Shopify tokens (shpat_, shpss_, shpca_, shppa_, shprt_, shpua_), our
// discount codes (LN-XXXXX-XXXXX), signature-like query parameters, and the values of the
// deployment's secrets (rememberSecrets). Names cannot be told apart by shape: code must not
// log them (the e2e secrets test checks a full run for the test's own).

type Level = "info" | "warn" | "error";

const REDACTIONS: [RegExp, string][] = [
  [/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, "[jwt]"],
  [/\b(bearer)\s+[^\s"',;]+/gi, "$1 [redacted]"],
  [/\bshp(?:at|ss|ca|pa|rt|ua)_[A-Za-z0-9_-]+/g, "[shopify-token]"],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, "[email]"],
  [/\bLN-[A-Z0-9]{5}-[A-Z0-9]{5}\b/gi, "[discount-code]"],
  [/([?&;](?:signature|hmac|token|access_token|refresh_token|code|secret)=)[^&\s"']+/gi, "$1[redacted]"],
  [/\+\d[\d\s().-]{6,}\d/g, "[phone]"],
  [/(?<![\w.-])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\w.-])/g, "[phone]"],
];

const secrets = new Set<string>();
const remembered = new WeakSet<object>();
const SECRET_NAME = /SECRET|ENCRYPTION_KEY|TOKEN|PASSWORD/;

/**
 * Adds the deployment's secret values (every binding whose name says secret, key or token) to
 * what log lines hide. Called at each entry point (fetch, queue, scheduled, the objects'
 * constructors); cheap after the first call per env object.
 */
export function rememberSecrets(env: object | undefined): void {
  if (!env || remembered.has(env)) return;
  remembered.add(env);
  for (const [name, value] of Object.entries(env as Record<string, unknown>)) {
    if (!SECRET_NAME.test(name) || typeof value !== "string") continue;
    // ENCRYPTION_KEYS_PREVIOUS: comma-separated, each possibly "kid:base64".
    for (const part of value.split(",")) {
      const secret = part.includes(":") ? part.slice(part.indexOf(":") + 1).trim() : part.trim();
      if (secret.length >= 8) secrets.add(secret);
      if (part.trim().length >= 8) secrets.add(part.trim());
    }
  }
}

/** `text` with every secret and personal value this module recognises replaced by a label. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[secret]");
  for (const [pattern, label] of REDACTIONS) out = out.replace(pattern, label);
  return out;
}

function describe(detail: unknown): string {
  if (typeof detail === "string") return detail;
  if (detail instanceof Error) return detail.stack ?? `${detail.name}: ${detail.message}`;
  if (detail === undefined) return "undefined";
  try {
    return JSON.stringify(detail) ?? String(detail);
  } catch {
    return String(detail);
  }
}

function write(level: Level, message: string, details: unknown[]): void {
  const line = redact([message, ...details.map(describe)].join(" "));
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const log = {
  info: (message: string, ...details: unknown[]) => write("info", message, details),
  warn: (message: string, ...details: unknown[]) => write("warn", message, details),
  error: (message: string, ...details: unknown[]) => write("error", message, details),
};
