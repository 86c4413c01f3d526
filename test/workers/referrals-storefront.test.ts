// Referrals in the storefront: the advocate's code (one, however often and however concurrently
// asked), the referral section's data, and the Liquid page a friend lands on, in their language,
// with the merchant's copy unable to reach Liquid or the HTML.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { ReferralConfig } from "../../core/referral-config";
import { amountToCents, escapeHtml } from "../../core/referral-page";
import { saveProgramChange } from "../../d1/program";
import { requestLanguage } from "../../workers/storefront/language";
import { call, eventually, install, json, merchantApi } from "../helpers/app";
import { freshConfig, standinRequests } from "../helpers/provider-standins";
import { proxyUrl, uniqueShop } from "../helpers/shopify";

const CODE = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/;

async function create(shop: string, customerId: string | null) {
  return call(new Request(await proxyUrl("/referrals/create", { shop, customerId }), { method: "POST" }));
}

async function page(shop: string, code: string, options: { locale?: string; acceptLanguage?: string } = {}) {
  const url = await proxyUrl(`/r/${code}`, { shop, customerId: null, extra: options.locale ? { locale: options.locale } : {} });
  return call(new Request(url, { headers: options.acceptLanguage ? { "accept-language": options.acceptLanguage } : {} }));
}

/** The page's body (Liquid is text, though workerd's .text() warns about its content type). */
async function text(response: Response): Promise<string> {
  return new TextDecoder().decode(await response.arrayBuffer());
}

async function setReferral(shop: string, change: Partial<ReferralConfig>) {
  await saveProgramChange(env, shop, (p) => ({ ...p, referral: { ...p.referral, ...change } }), { actor: "test" });
}

describe("POST /proxy/v1/api/referrals/create", () => {
  const shop = uniqueShop("ref-create");
  beforeAll(() => install(shop));

  it("creates the shopper's code once, then answers the same code", async () => {
    const first = await create(shop, "701");
    expect(first.status).toBe(200);
    const body = await json(first);
    expect(body).toMatchObject({ status: "ok", created: true, error: null });
    expect(body.code).toMatch(CODE);
    expect(body.link).toBe(`https://${shop}/apps/loyalnest/r/${body.code}`);

    const again = await json(await create(shop, "701"));
    expect(again).toMatchObject({ status: "ok", code: body.code, link: body.link, created: false });
  });

  it("gives concurrent first asks one code, created by exactly one of them", async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => create(shop, "702").then((r) => json(r))));
    expect(new Set(answers.map((a) => a.code)).size).toBe(1);
    expect(answers.filter((a) => a.created)).toHaveLength(1);
    expect(answers[0]!.code).toMatch(CODE);
  });

  it("gives different shoppers different codes", async () => {
    const [a, b] = await Promise.all([create(shop, "703").then((r) => json(r)), create(shop, "704").then((r) => json(r))]);
    expect(a.code).not.toBe(b.code);
  });

  it("asks a signed-out shopper to sign in", async () => {
    const response = await create(shop, null);
    expect(response.status).toBe(401);
    expect((await json(response)).error.code).toBe("not_logged_in");
  });

  it("answers 403 referrals_disabled while the shop's referral program is off, and creates nothing", async () => {
    const off = uniqueShop("ref-off");
    await install(off);
    await setReferral(off, { enabled: false });
    const response = await create(off, "705");
    expect(response.status).toBe(403);
    expect(await json(response)).toMatchObject({ status: "error", error: { code: "referrals_disabled" } });
    await setReferral(off, { enabled: true });
    expect(await json(await create(off, "705"))).toMatchObject({ created: true });
  });

  it("links through the proxy subpath the merchant chose (Shopify signs it as path_prefix)", async () => {
    const url = await proxyUrl("/referrals/create", { shop, customerId: "701", extra: { path_prefix: "/a/rewards" } });
    const body = await json(await call(new Request(url, { method: "POST" })));
    expect(body.link).toBe(`https://${shop}/a/rewards/r/${body.code}`);
  });

  it("queues PostHog referral_created once, when the code is created, for a shop with PostHog on", async () => {
    const analytics = uniqueShop("ref-posthog");
    await install(analytics);
    const posthog = await freshConfig("posthog");
    const saved = await merchantApi(analytics, "PUT", "/settings", { analytics: { posthog_enabled: true, posthog_project_api_key: posthog.project_api_key } });
    expect(saved.status).toBe(200);
    await saved.body?.cancel();
    expect((await json(await create(analytics, "706"))).created).toBe(true);
    // Asked again: not created, so not told again. A third shopper's creation is the marker
    // that the queue has delivered past the repeat.
    expect((await json(await create(analytics, "706"))).created).toBe(false);
    expect((await json(await create(analytics, "707"))).created).toBe(true);
    const captured = async () => (await standinRequests("posthog", posthog.project_api_key, "send")).flatMap((r) => (r.body as { batch: Record<string, any>[] }).batch);
    const deadline = Date.now() + 15_000;
    let events = await captured();
    while (events.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      events = await captured();
    }
    expect(events.map((e) => e.event)).toEqual(["referral_created", "referral_created"]);
    // A keyed hash, never the Shopify customer id; no properties naming the shopper.
    expect(events.every((e) => /^ln_[0-9a-f]{32}$/.test(e.distinct_id))).toBe(true);
    expect(new Set(events.map((e) => e.distinct_id)).size).toBe(2);
  });
});

async function section(shop: string, customerId: string | null, extra: Record<string, string> = {}) {
  return call(await proxyUrl("/referrals", { shop, customerId, extra }));
}

describe("GET /proxy/v1/api/referrals", () => {
  const shop = uniqueShop("ref-section");
  beforeAll(() => install(shop));

  it("answers the offer in English before the shopper has a code, the share message waiting for the link", async () => {
    const response = await section(shop, "901");
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      status: "ok",
      enabled: true,
      code: null,
      link: null,
      channels: { email: true, sms: true, whatsapp: true, facebook: true, x: true, copy_link: true },
      offer: {
        advocate: { type: "points", points: 50 },
        friend: { type: "points", points: 50 },
        headline: "Give 50 points, get 50 points",
        advocate_text: "You get 50 points for each friend who places a first order with your link.",
        friend_text: "Your friend gets 50 points on their first order.",
        share_message: "Here's 50 points for you, with my link: {{link}}",
      },
      referrals: [],
      error: null,
    });
  });

  it("answers the shopper's code and link once created, in the share message too", async () => {
    const { code, link } = await json(await create(shop, "902"));
    const body = await json(await section(shop, "902"));
    expect(body).toMatchObject({ code, link, offer: { share_message: `Here's 50 points for you, with my link: ${link}` } });
  });

  it("writes a discount in the shopper's language and currency, and the merchant's copy over the widget's", async () => {
    const discountShop = uniqueShop("ref-section-fr");
    await install(discountShop);
    await setReferral(discountShop, {
      completion: "signup",
      friend_reward: { type: "discount", discount: "fixed_amount", value: "10.00", min_order_subtotal: null, code_expiry_days: 30 },
      advocate_reward: { type: "discount", discount: "percentage", value: "15.00", min_order_subtotal: null, code_expiry_days: 30 },
      channels: { email: true, sms: false, whatsapp: true, facebook: false, x: true, copy_link: true },
      translations: { fr: { headline: "Parrainez, c'est cadeau" } },
    });
    const body = await json(await section(discountShop, "903", { locale: "fr-FR", currency: "EUR" }));
    expect(body.offer).toMatchObject({
      advocate: { type: "discount", discount: "percentage", value: "15.00", min_order_subtotal: null },
      friend: { type: "discount", discount: "fixed_amount", value: "10.00", min_order_subtotal: null },
      headline: "Parrainez, c'est cadeau",
      advocate_text: "Vous recevez 15 % de réduction pour chaque ami qui crée un compte avec votre lien.",
    });
    expect(body.offer.friend_text).toMatch(/^Votre ami reçoit 10,00\s€ de réduction en créant son compte\.$/);
    expect(body.channels).toEqual({ email: true, sms: false, whatsapp: true, facebook: false, x: true, copy_link: true });
  });

  it("reports a program that is off, here and in the widget's config (which then offers no Refer a friend section)", async () => {
    const offShop = uniqueShop("ref-section-off");
    await install(offShop);
    expect((await json(await call(await proxyUrl("/widget/config", { shop: offShop, customerId: "904" })))).referrals).toEqual({ enabled: true });
    await setReferral(offShop, { enabled: false });
    expect(await json(await section(offShop, "904"))).toMatchObject({ status: "ok", enabled: false, code: null });
    expect((await json(await call(await proxyUrl("/widget/config", { shop: offShop, customerId: "904" })))).referrals).toEqual({ enabled: false });
  });

  it("lists the friends the shopper referred, from their account, once the friend binds the code", async () => {
    const { code } = await json(await create(shop, "905"));
    const bound = await call(
      new Request(await proxyUrl("/referrals/complete", { shop, customerId: "906" }), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code, device_id: "device-905-test" }),
      }),
    );
    expect(bound.status).toBe(200);
    // The advocate's account follows the friend's record through the outbox.
    const body = await eventually(
      async () => json(await section(shop, "905")),
      (b) => b.referrals.length > 0,
    );
    expect(body.referrals).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{16}$/), status: "pending", bound_at: expect.any(String), completed_at: null, points: 0, discount: false }]);
    // The friend's customer id stays with the shop, and the id is stable from one read to the next.
    expect(JSON.stringify(body.referrals)).not.toContain("906");
    expect((await json(await section(shop, "905"))).referrals[0].id).toBe(body.referrals[0].id);
    expect(Object.keys(body.referrals[0]).sort()).toEqual(["bound_at", "completed_at", "discount", "id", "points", "status"]);
  });

  it("refuses a currency that is not an ISO 4217 code", async () => {
    const response = await section(shop, "901", { currency: "usd" });
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe("invalid_currency");
  });

  it("asks a signed-out shopper to sign in", async () => {
    const response = await section(shop, null);
    expect(response.status).toBe(401);
    expect((await json(response)).error.code).toBe("not_logged_in");
  });
});

describe("GET /proxy/v1/api/r/:code (the referral page)", () => {
  const shop = uniqueShop("ref-page");
  let code: string;
  beforeAll(async () => {
    await install(shop);
    code = (await json(await create(shop, "801"))).code;
  });

  it("answers Liquid in Spanish when the request's locale asks for it", async () => {
    const response = await page(shop, code, { locale: "es" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/liquid/);
    const html = await text(response);
    expect(html).toContain('lang="es"');
    expect(html).toContain("<h1>Te regalan 50 puntos</h1>");
    expect(html).toContain("Para ti");
    expect(html).toContain("50 puntos en tu primer pedido.");
    expect(html).toContain(`<a class="button" href="/?ref=${code}">Comprar ahora</a>`);
    expect(html).toMatch(/<meta name="description" content="Te regalan 50 puntos">/);
  });

  it("answers in French from Accept-Language, the heaviest language the shop offers", async () => {
    const html = await text(await page(shop, code, { acceptLanguage: "ja;q=1, fr-CA;q=0.9, en;q=0.8" }));
    expect(html).toContain('lang="fr"');
    expect(html).toContain("<h1>On vous offre 50 points</h1>");
    expect(html).toContain("Découvrir la boutique");
  });

  it("reads a code as a friend may have typed it (lower case)", async () => {
    const response = await page(shop, code.toLowerCase());
    expect(response.status).toBe(200);
    expect(await text(response)).toContain(`href="/?ref=${code}"`);
  });

  it.each([
    ["a well-formed code that is no one's", "ZZZZ2222"],
    ["something that cannot be a code", "not-a-code"],
  ])("answers %s with a 404 page that says the link is not valid, still Liquid", async (_name, unknown) => {
    const response = await page(shop, unknown);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/liquid/);
    const html = await text(response);
    expect(html).toContain("<h1>This link is not valid</h1>");
    expect(html).not.toContain("?ref=");
  });

  it("still verifies the App Proxy signature", async () => {
    const url = new URL(await proxyUrl(`/r/${code}`, { shop, customerId: null }));
    url.searchParams.set("path_prefix", "/apps/other");
    const response = await call(url.toString());
    expect(response.status).toBe(401);
  });

  it("escapes the merchant's copy for HTML and keeps it from Liquid; amounts go through Liquid's money filter", async () => {
    const copyShop = uniqueShop("ref-copy");
    await install(copyShop);
    const advocate = (await json(await create(copyShop, "802"))).code;
    await setReferral(copyShop, {
      friend_reward: { type: "discount", discount: "fixed_amount", value: "10.00", min_order_subtotal: "40.00", code_expiry_days: 30 },
      translations: {
        en: {
          headline: `<script>alert("x")</script> {{ shop.metafields.secret }} {% render 'x' %} & more`,
          advocate_text: `Earn {{reward}} <b>now</b>`,
        },
      },
    });
    const html = await text(await page(copyShop, advocate));
    expect(html).toContain("<h1>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#123;&#123; shop.metafields.secret &#125;&#125; &#123;% render &#39;x&#39; %&#125; &amp; more</h1>");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<b>");
    // The only Liquid in the page is ours: the money filter for the friend's amount and minimum.
    expect([...html.matchAll(/\{\{|\{%/g)]).toHaveLength(2);
    expect(html).toContain("<p>{{ 1000 | money }} off on your first order.</p>");
    expect(html).toContain("<p>On orders of {{ 4000 | money }} or more</p>");
    expect(html).toContain("<p>Earn 50 points &lt;b&gt;now&lt;/b&gt;</p>");
    expect(html).toContain('content="&lt;script&gt;');
  });

  it("says the link is not valid while the shop's referral program is off", async () => {
    const offShop = uniqueShop("ref-page-off");
    await install(offShop);
    const advocate = (await json(await create(offShop, "803"))).code;
    await setReferral(offShop, { enabled: false });
    expect((await page(offShop, advocate)).status).toBe(404);
  });
});

describe("referral page helpers", () => {
  it.each([
    ["10.00", 1000],
    ["10", 1000],
    ["0.5", 50],
    ["1234.56", 123456],
  ])("amountToCents(%s) = %i", (amount, cents) => expect(amountToCents(amount)).toBe(cents));

  it("escapes HTML and Liquid's braces", () => expect(escapeHtml(`<a href="x">{{ y }}</a> & 'z'`)).toBe("&lt;a href=&quot;x&quot;&gt;&#123;&#123; y &#125;&#125;&lt;/a&gt; &amp; &#39;z&#39;"));

  it.each([
    ["the locale wins", "es", "fr", "es"],
    ["the heaviest offered language", undefined, "ja, de;q=0.5, fr;q=0.7", "fr"],
    ["order breaks ties", undefined, "de, fr", "de"],
    ["q=0 is refused", undefined, "fr;q=0, de;q=0.1", "de"],
    ["none offered", undefined, "ja, zh", undefined],
    ["no header", undefined, undefined, undefined],
  ])("requestLanguage: %s", (_name, locale, accept, expected) => expect(requestLanguage(["en", "es", "fr", "de"], locale, accept)).toBe(expected));
});
