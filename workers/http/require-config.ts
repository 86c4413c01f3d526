// The settings without which no request can be served: checked once per env object, so a
// missing or empty secret answers one clear 503 naming it, instead of a 500 on every request
// that happens to need it.
import type { MiddlewareHandler } from "hono";
import { fromBase64 } from "../../core/encoding";
import { errorBody } from "./envelope";

/** What is wrong with the required settings, one phrase per setting; empty when all is well. */
export function configurationProblems(env: object): string[] {
  const vars = env as Partial<Record<string, unknown>>;
  const problems: string[] = [];
  for (const name of ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "ENCRYPTION_KEY"]) {
    const value = vars[name];
    if (typeof value !== "string" || value.trim() === "") problems.push(`${name} is missing or empty`);
  }
  const key = vars.ENCRYPTION_KEY;
  if (typeof key === "string" && key.trim() !== "" && fromBase64(key.trim())?.length !== 32) {
    problems.push("ENCRYPTION_KEY must be 32 bytes, base64-encoded");
  }
  return problems;
}

export function configurationMessage(problems: string[]): string {
  return `the app is not configured: ${problems.join("; ")} (set it in .dev.vars locally, or with \`wrangler secret put\`)`;
}

/**
 * Answers 503 `missing_configuration` on every route while a required setting is missing;
 * GET /health answers the same 503 with `ready: false`. The verdict is cached per env object
 * (workerd passes the same one to every request of an isolate).
 */
export const requireConfig = (): MiddlewareHandler => {
  const verdicts = new WeakMap<object, string | null>();
  return async function requireConfig(c, next) {
    let message = verdicts.get(c.env);
    if (message === undefined) {
      const problems = configurationProblems(c.env ?? {});
      message = problems.length ? configurationMessage(problems) : null;
      verdicts.set(c.env, message);
    }
    if (message === null) return next();
    const body = errorBody("missing_configuration", message);
    const health = c.req.method === "GET" && c.req.path === "/health";
    return c.json(health ? { ...body, ready: false } : body, 503);
  };
};
