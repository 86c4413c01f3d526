// Referrals in the storefront: the advocate's code and link, what the widget's referral section
// shows, and the page a friend lands on from the link. (Binding a friend to a code is the
// account's work: POST /referrals/complete and the webhooks.)
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { WidgetLanguage } from "../../core/i18n";
import type { NotificationsMessage } from "../../core/notifications";
import { REFERRAL_SHARE_CHANNELS, ReferralStatusSchema } from "../../core/referral-config";
import { plainWriter, pointsNamer, referralOffer } from "../../core/referral-offer";
import { renderReferralPage } from "../../core/referral-page";
import { normaliseReferralCode } from "../../core/referrals";
import { shopperLanguage } from "../../core/store-settings";
import { storefrontProgram } from "../../core/ways-to-earn";
import { advocateOfCode, referralCodeFor, referralCodeOf } from "../../d1/referral-codes";
import { getProgram } from "../../d1/shops";
import { getStoreSettings, posthogFor } from "../../d1/store-settings";
import { customerAccount } from "../../durable-objects/stubs";
import { log } from "../../core/log";
import { dataKeys, labelledKeyedHash } from "../../core/crypto";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { requireCustomer } from "./auth";
import { proxyQuery } from "./proxy-query";
import { pageLanguage } from "./language";

/** Where Shopify serves the App Proxy when the merchant keeps the app's default (shopify.app.toml). */
const DEFAULT_PROXY_PREFIX = "/apps/loyalnest";
/**
 * The id a friend has in their advocate's list: stable (the widget keys its list by it) but
 * not the friend's customer id, which the advocate has no business holding.
 */
async function opaqueFriendId(env: Pick<Env, "ENCRYPTION_KEY">, shop: string, friendId: string): Promise<string> {
  return (await labelledKeyedHash(await dataKeys(env.ENCRYPTION_KEY), "referral-friend", shop, friendId)).slice(0, 16);
}

/** A merchant may move the proxy's subpath; Shopify signs the one in use as `path_prefix`. */
const PROXY_PREFIX_FORMAT = /^\/(apps|a|community|tools)\/[a-z0-9_-]+$/i;

/** The link a friend follows: the referral page, through the shop's own domain and App Proxy. */
export function referralLink(shop: string, code: string, pathPrefix: string | undefined): string {
  const prefix = pathPrefix && PROXY_PREFIX_FORMAT.test(pathPrefix) ? pathPrefix : DEFAULT_PROXY_PREFIX;
  return `https://${shop}${prefix}/r/${code}`;
}

const CURRENCY_FORMAT = /^[A-Z]{3}$/;

const RewardViewSchema = z
  .union([
    z.object({ type: z.literal("points"), points: z.number().int() }),
    z.object({ type: z.literal("discount"), discount: z.enum(["percentage", "fixed_amount"]), value: z.string(), min_order_subtotal: z.string().nullable() }),
    z.object({ type: z.literal("none") }),
  ])
  .openapi("ReferralRewardView");

const ReferredFriendSchema = z
  .object({
    /** Opaque and stable: not the friend's customer id, name or email. */
    id: z.string(),
    status: ReferralStatusSchema,
    bound_at: z.string(),
    completed_at: z.string().nullable(),
    /** The advocate's points from it. */
    points: z.number().int(),
    /** The advocate got a discount code from it. */
    discount: z.boolean(),
  })
  .openapi("ReferredFriend");

const codeRoute = createRoute({
  method: "post",
  path: "/referrals/create",
  summary: "The signed-in shopper's referral code and link, created on first ask",
  description: "Asking again answers the same code with `created: false`; concurrent first asks all answer one code. 403 referrals_disabled while the shop's referral program is off.",
  request: { query: proxyQuery },
  responses: {
    200: {
      description: "The shopper's code",
      content: { "application/json": { schema: okEnvelope({ code: z.string(), link: z.string(), created: z.boolean() }) } },
    },
    ...errorResponses(400, 401, 403, 429),
  },
});

const referralsRoute = createRoute({
  method: "get",
  path: "/referrals",
  summary: "The widget's referral section: the shopper's code and link, the share channels, the offer and their referrals",
  description: "`currency` (ISO 4217, the storefront's) writes money amounts in the offer's texts; without it they read as plain amounts.",
  request: {
    query: proxyQuery.extend({ locale: z.string().max(20).optional(), currency: z.string().max(3).optional() }),
  },
  responses: {
    200: {
      description: "The referral section",
      content: {
        "application/json": {
          schema: okEnvelope({
            enabled: z.boolean(),
            code: z.string().nullable(),
            link: z.string().nullable(),
            channels: z.object(Object.fromEntries(REFERRAL_SHARE_CHANNELS.map((c) => [c, z.boolean()])) as Record<(typeof REFERRAL_SHARE_CHANNELS)[number], z.ZodBoolean>),
            offer: z.object({
              advocate: RewardViewSchema,
              friend: RewardViewSchema,
              headline: z.string(),
              advocate_text: z.string().nullable(),
              friend_text: z.string().nullable(),
              share_message: z.string(),
            }),
            referrals: z.array(ReferredFriendSchema),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 429),
  },
});

const pageRoute = createRoute({
  method: "get",
  path: "/r/{code}",
  summary: "The referral page a friend lands on (Liquid, rendered by Shopify inside the theme)",
  description:
    "In the shopper's language (`locale`, else Accept-Language, among the shop's languages). An unknown code answers 404 with a page that says the link is not valid.",
  request: { params: z.object({ code: z.string().max(40) }), query: proxyQuery.extend({ locale: z.string().max(20).optional() }) },
  responses: {
    200: { description: "The page", content: { "application/liquid": { schema: z.string() } } },
    404: { description: "No such code: the page says the link is not valid", content: { "application/liquid": { schema: z.string() } } },
    ...errorResponses(401, 403, 429),
  },
});

export function registerReferralRoutes(storefront: OpenAPIHono<App>): void {
  storefront.openapi(codeRoute, async (c) => {
    const proxy = c.get("proxy");
    const customerId = requireCustomer(proxy);
    const program = await getProgram(c.env, proxy.shop);
    if (!program.referral.enabled) throw new ApiError(403, "referrals_disabled", "this store's referral program is off");
    const { code, created } = await referralCodeFor(c.env, proxy.shop, customerId);
    if (created) await queueReferralCreated(c.env, proxy.shop, customerId, code);
    return c.json(ok({ code, link: referralLink(proxy.shop, code, c.req.valid("query").path_prefix), created }), 200);
  });

  storefront.openapi(referralsRoute, async (c) => {
    const proxy = c.get("proxy");
    const customerId = requireCustomer(proxy);
    const query = c.req.valid("query");
    if (query.currency !== undefined && !CURRENCY_FORMAT.test(query.currency)) {
      throw new ApiError(400, "invalid_currency", "currency: an ISO 4217 code in capitals, e.g. USD");
    }
    const [program, settings, code, referrals] = await Promise.all([
      getProgram(c.env, proxy.shop),
      getStoreSettings(c.env, proxy.shop),
      referralCodeOf(c.env, proxy.shop, customerId),
      customerAccount(c.env, proxy.shop, customerId).referredFriends(),
    ]);
    const language = shopperLanguage(settings, query.locale) as WidgetLanguage;
    const config = program.referral;
    const link = code && referralLink(proxy.shop, code, query.path_prefix);
    const names = pointsNamer(language, storefrontProgram(program, language).currency);
    const offer = referralOffer(config, language, plainWriter(language, query.currency ?? null, names), code && link ? { code, link } : null);
    return c.json(
      ok({
        enabled: config.enabled,
        code,
        link,
        channels: config.channels,
        offer,
        // Only what the advocate may see of each friend: never a name, an email or their customer id.
        referrals: await Promise.all(
          referrals.map(async ({ id, status, bound_at, completed_at, points, discount }) => ({ id: await opaqueFriendId(c.env, proxy.shop, id), status, bound_at, completed_at, points, discount })),
        ),
      }),
      200,
    );
  });

  storefront.openapi(pageRoute, async (c) => {
    const { shop } = c.get("proxy");
    const query = c.req.valid("query");
    const [program, settings] = await Promise.all([getProgram(c.env, shop), getStoreSettings(c.env, shop)]);
    const language = pageLanguage(settings, query.locale, c.req.header("accept-language")) as WidgetLanguage;
    const { code: raw } = c.req.valid("param");
    // A program turned off keeps its links from promising what the shop no longer gives.
    const known = program.referral.enabled && normaliseReferralCode(raw) ? await advocateOfCode(c.env, shop, raw) : null;
    const page = renderReferralPage({
      language,
      config: program.referral,
      pointsNames: storefrontProgram(program, language).currency,
      code: known?.code ?? null,
    });
    return c.body(page, known ? 200 : 404, { "content-type": "application/liquid; charset=utf-8" });
  });
}

/**
 * PostHog `referral_created`, when the shop has PostHog on: queued for the notifications
 * consumer, which sends analytics (the storefront never loads a provider). Not worth failing the
 * shopper's request over: a failed send is logged.
 */
async function queueReferralCreated(env: Env, shop: string, customerId: string, code: string): Promise<void> {
  try {
    if (!(await posthogFor(env, shop))) return;
    const message: NotificationsMessage = {
      kind: "analytics",
      shop,
      customer_id: customerId,
      // The code is the advocate's for good, so it keys the one creation.
      event: { name: "referral_created", key: `referral_code:${code}`, at: new Date().toISOString(), properties: {} },
    };
    await env.NOTIFICATIONS.send(message, { contentType: "json" });
  } catch (error) {
    log.warn(`referrals: could not queue referral_created for ${shop}`, String(error));
  }
}
