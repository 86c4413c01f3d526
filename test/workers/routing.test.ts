// Surfaces guard their own routes only: the webhook route under /v1/api is never behind the
// merchant's session-token check, in whichever order the surfaces are mounted.
import { OpenAPIHono } from "@hono/zod-openapi";
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { App } from "../../workers/http/context";
import { merchant } from "../../workers/merchant";
import { webhooks } from "../../workers/webhooks";
import { install } from "../helpers/app";
import { orderBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const shop = uniqueShop("routing");

const mountings: [string, () => OpenAPIHono<App>][] = [
  ["webhooks first", () => new OpenAPIHono<App>().route("/", webhooks).route("/v1/api", merchant)],
  ["merchant first", () => new OpenAPIHono<App>().route("/v1/api", merchant).route("/", webhooks)],
];

describe.each(mountings)("mounted %s", (_name, mount) => {
  const app = mount();
  const fetchApp = (request: Request) => app.fetch(request, env, createExecutionContext());

  it("accepts a signed webhook with no session token", async () => {
    await install(shop);
    const response = await fetchApp(await webhookRequest("orders/paid", shop, orderBody({ id: String(Date.now()), customerId: "1", subtotal: "1.00" })));
    expect(response.status).toBe(200);
  });

  it("still refuses the merchant routes without a session token, and serves them with one", async () => {
    expect((await fetchApp(new Request("https://loyalnest.test/v1/api/customers/1"))).status).toBe(401);
    const authed = await fetchApp(
      new Request("https://loyalnest.test/v1/api/customers?search=1", { headers: { authorization: `Bearer ${await sessionToken(shop)}` } }),
    );
    expect(authed.status).toBe(200);
  });
});
