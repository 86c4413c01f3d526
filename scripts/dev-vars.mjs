// The dev secrets: `.dev.vars` (wrangler's file, git-ignored), created from the committed
// `.dev.vars.example` on first run. Shared by the dev stack, the emulator and send-webhook.
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
export const DEV_VARS = resolve(ROOT, ".dev.vars");
const DEV_VARS_EXAMPLE = resolve(ROOT, ".dev.vars.example");

/** Copies `.dev.vars.example` to `.dev.vars` when absent; returns true when it did. */
export function ensureDevVars() {
  if (existsSync(DEV_VARS)) return false;
  copyFileSync(DEV_VARS_EXAMPLE, DEV_VARS);
  return true;
}

/** `KEY=value` lines (dotenv style: `#` comments, optional quotes). */
/** @returns {Record<string, string>} */
export function parseDevVars(text) {
  /** @type {Record<string, string>} */
  const vars = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith("#")) continue;
    const [, key, raw] = match;
    vars[key] = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
  }
  return vars;
}

/**
 * What is wrong with the settings the Worker cannot serve without (the same rule as
 * workers/http/require-config.ts, which answers 503 in the Worker; test/e2e/dev-vars.test.ts
 * holds the two together). Empty when all is well.
 * @param {Record<string, string | undefined>} vars
 */
export function devVarsProblems(vars) {
  const problems = [];
  for (const name of ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "ENCRYPTION_KEY"]) {
    if (!vars[name]?.trim()) problems.push(`${name} is missing or empty`);
  }
  const key = vars.ENCRYPTION_KEY?.trim();
  if (key && decodedLength(key) !== 32) problems.push("ENCRYPTION_KEY must be 32 bytes, base64-encoded");
  return problems;
}

function decodedLength(text) {
  const normal = text.replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normal) || normal.replace(/=+$/, "").length % 4 === 1) return -1;
  return Buffer.from(normal, "base64").length;
}

/** Creates `.dev.vars` when absent, then refuses (throws, naming them) settings the Worker lacks. */
export function requireDevVars() {
  const created = ensureDevVars();
  const vars = parseDevVars(readFileSync(DEV_VARS, "utf8"));
  const problems = devVarsProblems(vars);
  if (problems.length) throw new Error(`${DEV_VARS}: ${problems.join("; ")} (compare with .dev.vars.example)`);
  return { vars, created };
}

/** @returns {Record<string, string>} */
export function readDevVars() {
  ensureDevVars();
  return parseDevVars(readFileSync(DEV_VARS, "utf8"));
}
