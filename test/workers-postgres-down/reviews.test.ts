// Postgres is unreachable for this whole file: a Judge.me review naming its reviewer by Shopify
// id still earns (the object alone), while one naming only an email, which needs the reporting
// database's blind index, answers 503 so the provider sends it again; nothing is lost or half-done.
import { describe, expect, it } from "vitest";
import { call, install, json } from "../helpers/app";
import { sessionToken, uniqueShop } from "../helpers/shopify";

const shop = uniqueShop("pgdown-reviews");
const secret = "jm-secret-pgdown-1";

async function sign(body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function review(id: number, reviewer: { external_id?: number; email?: string }) {
  const body = JSON.stringify({ event: "review/created", shop_domain: shop, review: { id, hidden: false, curated: "ok", reviewer } });
  const response = await call(
    new Request(`https://loyalnest.test/v1/api/integrations/judgeme/webhook?shop=${shop}`, {
      method: "POST",
      headers: { "content-type": "application/json", "judgeme-hmac-sha256": await sign(body) },
      body,
    }),
  );
  return { status: response.status, body: await json(response) };
}

describe("review webhooks while Postgres is down", () => {
  it("awards a reviewer named by id; answers 503 (retry) for one named only by email", async () => {
    await install(shop);
    const connected = await call(
      new Request("https://loyalnest.test/v1/api/integrations/reviews", {
        method: "PUT",
        headers: { authorization: `Bearer ${await sessionToken(shop)}`, "content-type": "application/json" },
        body: JSON.stringify({ provider: "judgeme", secret }),
      }),
    );
    expect(connected.status).toBe(200);
    expect(await review(1001, { external_id: 5_550_001 })).toMatchObject({ status: 200, body: { outcome: "applied", points: 100 } });
    expect(await review(1002, { email: "someone@example.com" })).toMatchObject({ status: 503, body: { error: { code: "temporarily_unavailable" } } });
  });
});
