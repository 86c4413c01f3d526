// The start-up check of .dev.vars (scripts/dev-vars.mjs) and the Worker's own check
// (workers/http/require-config.ts) must refuse the same settings, or `npm run dev` would
// start a Worker that answers 503, or refuse one that would have served.
import { describe, expect, it } from "vitest";
import { devVarsProblems } from "../../scripts/dev-vars.mjs";
import { configurationProblems } from "../../workers/http/require-config";

const good = { SHOPIFY_API_KEY: "key", SHOPIFY_API_SECRET: "secret", ENCRYPTION_KEY: btoa("k".repeat(32)) };
const cases: Record<string, Record<string, string | undefined>> = {
  "all set": good,
  "url-safe key without padding": { ...good, ENCRYPTION_KEY: Buffer.alloc(32, 0xfb).toString("base64url") },
  "empty secret": { ...good, SHOPIFY_API_SECRET: "" },
  "blank api key": { ...good, SHOPIFY_API_KEY: "  " },
  "no encryption key": { ...good, ENCRYPTION_KEY: undefined },
  "31-byte key": { ...good, ENCRYPTION_KEY: btoa("k".repeat(31)) },
  "33-byte key": { ...good, ENCRYPTION_KEY: btoa("k".repeat(33)) },
  "not base64": { ...good, ENCRYPTION_KEY: "not base64 at all!" },
  "truncated base64": { ...good, ENCRYPTION_KEY: btoa("k".repeat(32)).slice(0, 41) },
  "nothing at all": {},
};

describe(".dev.vars check and the Worker's check agree", () => {
  for (const [name, vars] of Object.entries(cases)) {
    it(name, () => {
      const problems = devVarsProblems(vars);
      expect(problems).toEqual(configurationProblems(vars));
      expect(problems.length === 0).toBe(name === "all set" || name.startsWith("url-safe"));
    });
  }
});
