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

/** @returns {Record<string, string>} */
export function readDevVars() {
  ensureDevVars();
  return parseDevVars(readFileSync(DEV_VARS, "utf8"));
}
