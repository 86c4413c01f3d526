// The one log module (core/log.ts): no email, phone, token, discount code or deployment secret
// reaches a log line, while what an operator needs (shops, ids, dates, codes of errors) stays.
import { afterEach, describe, expect, it, vi } from "vitest";
import { log, redact, rememberSecrets } from "../../core/log";

afterEach(() => vi.restoreAllMocks());

describe("redact", () => {
  it.each([
    ["an email", "customer jane.doe+loyal@example.co.uk refused", "jane.doe+loyal@example.co.uk"],
    ["an international phone", 'Key (phone)=(+1 613-555-0142) already exists', "613-555-0142"],
    ["an E.164 phone", "phone +447700900123 invalid", "+447700900123"],
    ["a North American phone", "call (613) 555-0142 now", "555-0142"],
    ["a bearer token", "Authorization: Bearer abc.def-ghi_123 failed", "abc.def-ghi_123"],
    ["a JWT", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl expired", "eyJhbGciOiJIUzI1NiJ9"],
    ["an offline access token", "401 for shpat_0123456789abcdef0123456789abcdef", "shpat_0123456789abcdef"],
    ["an app secret token", "secret shpss_deadbeefdeadbeef leaked", "shpss_deadbeefdeadbeef"],
    ["a discount code", 'Code "LN-7K2QX-P9MZA" is taken', "LN-7K2QX-P9MZA"],
    ["a lower-case discount code", "order used ln-7k2qx-p9mza", "ln-7k2qx-p9mza"],
    ["a signature parameter", "GET /proxy/v1/api/customer?shop=a.myshopify.com&signature=0f1e2d3c4b5a", "0f1e2d3c4b5a"],
  ])("hides %s", (_what, line, secret) => {
    const out = redact(line);
    expect(out).not.toContain(secret);
    expect(out).toMatch(/\[(email|phone|jwt|redacted|shopify-token|discount-code)\]/);
  });

  it("hides the deployment's secrets, previous keys included, once remembered", () => {
    rememberSecrets({
      SHOPIFY_API_SECRET: "app-secret-5f4dcc3b5aa765d61d8327deb882cf99",
      ENCRYPTION_KEY: "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
      ENCRYPTION_KEYS_PREVIOUS: "a1b2c3d4:ZmFrZS1wcmV2aW91cy1rZXktZm9yLXRlc3RzLTEyMzQ=",
      SHOPIFY_API_KEY_IS_PUBLIC: 5,
    });
    const line = redact("hmac app-secret-5f4dcc3b5aa765d61d8327deb882cf99 key q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA= old ZmFrZS1wcmV2aW91cy1rZXktZm9yLXRlc3RzLTEyMzQ=");
    expect(line).toBe("hmac [secret] key [secret] old [secret]");
  });

  it("keeps what an operator needs: shops, ids, gids, dates, UUIDs, error codes", () => {
    const line =
      "jobs: publish_customer_tier for demo-shop.myshopify.com customer 9100001 gid://shopify/Order/7000000000123456789 " +
      "at 2026-12-01T06:30:27.123Z+00:00 id 0f8fad5b-d9cb-469f-a165-70867728950e SQLSTATE 23505 took 1234 ms";
    expect(redact(line)).toBe(line);
  });
});

describe("log", () => {
  it("redacts every line, errors' messages and stacks included, and writes it at its level", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    log.error("projection refused", new Error('duplicate key (email)=(pii@example.com)'), { phone: "+1 613 555 0142" });
    log.warn("token refresh refused", "shpat_abcdef0123456789");
    log.info("sweep", JSON.stringify({ inbox: 1 }));
    const errorLine = String(error.mock.calls[0]![0]);
    expect(errorLine).toContain("projection refused Error: duplicate key (email)=([email])");
    expect(errorLine).not.toContain("pii@example.com");
    expect(errorLine).not.toContain("555 0142");
    expect(warn.mock.calls[0]).toEqual(["token refresh refused [shopify-token]"]);
    expect(info.mock.calls[0]).toEqual(['sweep {"inbox":1}']);
  });
});
