// The shop's loyalty page (GET /proxy/v1/api/rewards): Liquid in the shop's theme, in the
// shopper's language, with the shop's own ways to earn, rewards, tiers, referral offer and copy;
// a 404 page while the merchant has it off or the shop has not installed the app; the merchant's
// texts unable to reach Liquid or the HTML.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { renderLoyaltyPage } from "../../core/loyalty-page";
import { DEFAULT_PROGRAM } from "../../core/program";
import { saveProgramChange } from "../../d1/program";
import { call, install, json, merchantApi } from "../helpers/app";
import { proxyUrl, uniqueShop } from "../helpers/shopify";

async function page(shop: string, options: { locale?: string; acceptLanguage?: string; customerId?: string } = {}) {
  const url = await proxyUrl("/rewards", { shop, customerId: options.customerId ?? null, extra: options.locale ? { locale: options.locale } : {} });
  return call(new Request(url, { headers: options.acceptLanguage ? { "accept-language": options.acceptLanguage } : {} }));
}

/** The page's body (Liquid is text, though workerd's .text() warns about its content type). */
async function text(response: Response): Promise<string> {
  return new TextDecoder().decode(await response.arrayBuffer());
}

async function settings(shop: string, patch: unknown) {
  const response = await merchantApi(shop, "PUT", "/settings", patch);
  expect(response.status, JSON.stringify(await response.clone().json())).toBe(200);
}

describe("GET /proxy/v1/api/rewards (the loyalty page)", () => {
  const shop = uniqueShop("loyalty-page");
  beforeAll(() => install(shop));

  it("answers Liquid in English with ways to earn, rewards, tiers, the referral offer and join links", async () => {
    const response = await page(shop);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/liquid/);
    const html = await text(response);
    expect(html).toContain('<div class="loyalnest-loyalty-page" lang="en">');
    expect(html).toContain("<h1>Our rewards program</h1>");
    expect(html).toMatch(/<meta name="description" content="Join our rewards program: earn points as you shop[^"]*">/);
    // One h1, then a section per part, each labelled by its h2.
    expect(html.match(/<h1>/g)).toHaveLength(1);
    for (const [id, heading] of [["earn", "Ways to earn"], ["rewards", "Rewards"], ["tiers", "VIP tiers"], ["referral", "Refer a friend"]]) {
      expect(html).toContain(`<section aria-labelledby="loyalnest-${id}">\n<h2 id="loyalnest-${id}">${heading}</h2>`);
    }
    // The default program: 10 points per unit of the shop's currency, written by Liquid's money filter.
    expect(html).toContain("<h3>10 points per {{ 100 | money_without_trailing_zeros }} spent</h3>");
    expect(html).toContain("<h3>Create an account</h3>\n<p>+200 points</p>\n<p>Once</p>");
    expect(html).toContain("<h3>Review a product</h3>\n<p>+100 points</p>\n<p>Up to 5 times a month</p>");
    expect(html).toContain("<h3>Follow us on Instagram</h3>");
    // The enabled rewards only (the default free product waits for its variant).
    expect(html).toContain("<h3>$5 off your order</h3>\n<p>A $5 discount on your next order.</p>\n<p>500 points</p>");
    expect(html).toContain("<h3>Free shipping</h3>");
    expect(html).not.toContain("Free product");
    // Tiers lowest first, thresholds grouped by Intl.
    const tiers = html.slice(html.indexOf('id="loyalnest-tiers"'));
    expect(tiers.indexOf("<h3>Bronze</h3>")).toBeLessThan(tiers.indexOf("<h3>Silver</h3>"));
    expect(tiers).toContain("<h3>Gold</h3>\n<p>From 5,000 points</p>");
    expect(html).toContain("{% unless customer %}");
    expect(html).toContain('<a class="button" href="{{ routes.account_register_url }}">Join now</a> <a href="{{ routes.account_login_url }}">Sign in</a>');
  });

  it("answers in Spanish for the request's locale, numbers grouped the Spanish way", async () => {
    const html = await text(await page(shop, { locale: "es" }));
    expect(html).toContain('lang="es"');
    expect(html).toContain("<h1>Nuestro programa de recompensas</h1>");
    expect(html).toContain("Formas de ganar");
    expect(html).toContain("<h3>5 $ de descuento</h3>");
    expect(html).toContain("<h3>Oro</h3>\n<p>Desde 5000 puntos</p>");
    expect(html).toContain("Únete ahora");
  });

  it("answers in French from Accept-Language, the heaviest language the shop offers", async () => {
    const html = await text(await page(shop, { acceptLanguage: "ja;q=1, fr-CA;q=0.9, en;q=0.8" }));
    expect(html).toContain('lang="fr"');
    expect(html).toContain("<h1>Notre programme de fidélité</h1>");
    expect(html).toContain("<h3>Or</h3>\n<p>À partir de 5\u202f000 points</p>");
  });

  it("falls back to the shop's default language for one it does not offer", async () => {
    const html = await text(await page(shop, { locale: "ja" }));
    expect(html).toContain('lang="en"');
  });

  it("is in the OpenAPI document, its page and its 404 as Liquid", async () => {
    const doc = await json(await call("https://loyalnest.test/openapi.json"));
    const operation = doc.paths["/proxy/v1/api/rewards"]?.get;
    expect(Object.keys(operation?.responses["200"].content ?? {})).toEqual(["application/liquid"]);
    expect(Object.keys(operation?.responses["404"].content ?? {})).toEqual(["application/liquid"]);
  });

  it("still verifies the App Proxy signature", async () => {
    const url = new URL(await proxyUrl("/rewards", { shop, customerId: null }));
    url.searchParams.set("path_prefix", "/apps/other");
    const response = await call(url.toString());
    expect(response.status).toBe(401);
    expect((await json(response)).error.code).toBeTruthy();
  });
});

describe("the loyalty page's merchant copy and switch", () => {
  it("shows the merchant's title, intro and description in the page's language, escaped and inert to Liquid", async () => {
    const shop = uniqueShop("loyalty-copy");
    await install(shop);
    await settings(shop, {
      storefront: {
        copy: {
          en: {
            loyalty_page_title: `Club <b>VIP</b> {{ shop.metafields.secret }}`,
            loyalty_page_intro: "First paragraph & more.\n\nSecond {% render 'x' %}\nline two",
            loyalty_page_description: `Points "everywhere"`,
          },
          es: { loyalty_page_title: "El club" },
        },
      },
    });
    const html = await text(await page(shop));
    expect(html).toContain("<h1>Club &lt;b&gt;VIP&lt;/b&gt; &#123;&#123; shop.metafields.secret &#125;&#125;</h1>");
    expect(html).toContain("<p>First paragraph &amp; more.</p>\n<p>Second &#123;% render &#39;x&#39; %&#125;<br>line two</p>");
    expect(html).toContain('<meta name="description" content="Points &quot;everywhere&quot;">');
    expect(html).not.toContain("<b>");
    // The only Liquid is ours: money filters, the customer check and the account routes.
    const liquid = [...html.matchAll(/\{\{[^}]*\}\}|\{%[^%]*%\}/g)].map((m) => m[0]);
    expect(liquid.every((tag) => /^\{\{ \d+ \| money(_without_trailing_zeros)? \}\}$|^\{% (unless customer|endunless) %\}$|^\{\{ routes\.account_(register|login)_url \}\}$/.test(tag))).toBe(true);
    const spanish = await text(await page(shop, { locale: "es" }));
    expect(spanish).toContain("<h1>El club</h1>");
    // A field the merchant left out in Spanish: the page's own Spanish string.
    expect(spanish).toContain("<p>Gana puntos con cada compra y cámbialos por recompensas.</p>");
  });

  it("answers a 404 page, still Liquid, while the merchant has the page off; on again at once", async () => {
    const shop = uniqueShop("loyalty-off");
    await install(shop);
    await settings(shop, { storefront: { surfaces: { loyalty_page: false } } });
    const off = await page(shop, { locale: "fr" });
    expect(off.status).toBe(404);
    expect(off.headers.get("content-type")).toMatch(/^application\/liquid/);
    const html = await text(off);
    expect(html).toContain("<h1>Cette page n'est pas disponible</h1>".replace("'", "&#39;"));
    expect(html).not.toContain("loyalnest-earn");
    await settings(shop, { storefront: { surfaces: { loyalty_page: true } } });
    expect((await page(shop)).status).toBe(200);
  });

  it("answers a 404 page for a shop that has not installed the app, in the shopper's language", async () => {
    const response = await page(uniqueShop("loyalty-none"), { acceptLanguage: "de-DE,de;q=0.9" });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/liquid/);
    const html = await text(response);
    expect(html).toContain('lang="de"');
    expect(html).toContain("<h1>Diese Seite ist nicht verfügbar</h1>");
  });

  it("says the program is paused, and offers nothing, while the program is off", async () => {
    const shop = uniqueShop("loyalty-paused");
    await install(shop);
    await saveProgramChange(env, shop, (p) => ({ ...p, enabled: false }), { actor: "test" });
    const response = await page(shop);
    expect(response.status).toBe(200);
    const html = await text(response);
    expect(html).toContain("Our rewards program is paused right now.");
    expect(html).not.toContain("loyalnest-rewards");
    expect(html).not.toContain("account_register_url");
  });

  it("shows the shop's name for points, spend tiers in money, a tier's perks and the merchant's referral offer", async () => {
    const shop = uniqueShop("loyalty-custom");
    await install(shop);
    await saveProgramChange(
      env,
      shop,
      (p) => ({
        ...p,
        currency: { ...p.currency, en: { singular: "star", plural: "stars" } },
        tier_policy: { ...p.tier_policy, basis: "spend" },
        referral: { ...p.referral, enabled: true, friend_reward: { type: "discount", discount: "fixed_amount", value: "10.00", min_order_subtotal: null, code_expiry_days: 30 } },
      }),
      { actor: "test" },
    );
    const created = await merchantApi(shop, "POST", "/vip-tiers", {
      translations: { en: { name: "Insider <3", perks: ["Early access"] } },
      threshold: "250.00",
      earn_multiplier: 1.5,
      discount: { percentage: "5" },
      free_shipping: true,
    });
    expect(created.status).toBe(201);
    const html = await text(await page(shop));
    expect(html).toContain("<h3>10 stars per {{ 100 | money_without_trailing_zeros }} spent</h3>");
    expect(html).toContain("<h3>$5 off your order</h3>\n<p>A $5 discount on your next order.</p>\n<p>500 stars</p>");
    expect(html).toContain(
      "<h3>Insider &lt;3</h3>\n<p>From {{ 25000 | money_without_trailing_zeros }} spent</p>\n<ul>\n<li>\n1.5× stars on every order\n</li>\n<li>\n5% off every order\n</li>\n<li>\nFree shipping on every order\n</li>\n<li>\nEarly access\n</li>\n</ul>",
    );
    // The default tiers count points: not on a spend ladder.
    expect(html).not.toContain("<h3>Gold</h3>");
    expect(html).toContain("{{ 1000 | money }} off");
  });
});

describe("renderLoyaltyPage", () => {
  it("writes a points-to-money reward's rate and a minimum order through the money filter, in the shopper's plural", () => {
    const html = renderLoyaltyPage({
      language: "en",
      program: DEFAULT_PROGRAM,
      rewards: [
        { reward_id: "r1", type: "points_to_money", title: "Points off", description: "", points_cost: 1, value: null, min_points: 100, max_points: 1000, min_order_subtotal: "20.00", code_expiry_days: null },
        { reward_id: "r2", type: "percentage", title: "10% off", description: "", points_cost: 1500, value: "10", min_points: null, max_points: null, min_order_subtotal: null, code_expiry_days: 30 },
      ],
      tiers: [],
      copy: {},
    });
    expect(html).toContain("<h3>Points off</h3>\n<p>1 point = {{ 100 | money_without_trailing_zeros }} off</p>\n<p>On orders of {{ 2000 | money }} or more</p>");
    expect(html).toContain("<h3>10% off</h3>\n<p>1,500 points</p>");
    // No tiers: no empty section.
    expect(html).not.toContain("loyalnest-tiers");
  });
});
