// /auth: installation by token exchange. The embedded app posts its session token; we trade it
// for an expiring offline token, store it encrypted (workers/shopify/tokens) and install. The
// dashboard posts here when the API answers shop_not_installed (a first open, a reinstall).
import { createRoute, z } from "@hono/zod-openapi";
import { getShop, installShop } from "../../d1/shops";
import { sealTokens } from "../shopify/tokens";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { createSurface } from "../http/surface";
import { sessionTokenAuth } from "../merchant/auth";
import { recordShopCurrencyFromShopify } from "../shopify/shop-currency";
import { exchangeSessionToken } from "./shopify-oauth";
import { log } from "../../core/log";

const exchangeRoute = createRoute({
  method: "post",
  path: "/token-exchange",
  summary: "Install or refresh the shop's offline token from the App Bridge session token",
  responses: {
    200: {
      description: "Installed",
      content: { "application/json": { schema: okEnvelope({ shop: z.string(), installed: z.literal(true), scope: z.string() }) } },
    },
    ...errorResponses(401, 502),
  },
});

const CURRENCY_READ_BUDGET = () => ({ deadline: Date.now() + 3_000, attemptTimeoutMs: 2_000 });

export const auth = createSurface([sessionTokenAuth({ requireInstalled: false })]);

auth.openapi(exchangeRoute, async (c) => {
  const { shop, token: sessionToken } = c.get("session");
  let exchanged;
  try {
    exchanged = await exchangeSessionToken(c.env, shop, sessionToken);
  } catch (error) {
    log.error("token exchange unreachable", String(error));
    throw new ApiError(502, "shopify_unreachable", "Shopify could not be reached; try again");
  }
  if (!exchanged.ok) throw new ApiError(502, "token_exchange_failed", `Shopify refused the token exchange: ${exchanged.reason}`);
  await installShop(c.env, { domain: shop, ...(await sealTokens(c.env, shop, exchanged.tokens)) });
  // Money amounts read in the shop's currency from the first screen. Bounded: Shopify being slow
  // costs the install at most this, and a miss is read again at the next exchange.
  if (!(await getShop(c.env, shop))?.currency) await recordShopCurrencyFromShopify(c.env, shop, CURRENCY_READ_BUDGET());
  return c.json(ok({ shop, installed: true as const, scope: exchanged.scope }), 200);
});
