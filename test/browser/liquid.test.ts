// The Liquid stand-in (scripts/liquid.mjs) and the theme app extension it renders: the subset
// works as Liquid does, anything outside it is an error naming the file and line, and every
// block's schema and strings are complete in every language. Plain Node: no browser needed.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { LiquidError, readSchema, renderLiquid } from "../../scripts/liquid.mjs";
import { EXTENSION_DIR, signAppProxy } from "../../scripts/storefront.mjs";
import { signAppProxy as workerSignAppProxy } from "../../core/shopify-auth";

const host = { assetUrl: (name: string) => `/cdn/${name}`, translate: (key: string) => `«${key}»` };
const render = (source: string, context: Record<string, unknown> = {}) => renderLiquid(source, context, host, "test.liquid");
const BLOCKS = readdirSync(resolve(EXTENSION_DIR, "blocks")).filter((name) => name.endsWith(".liquid"));
const block = (name: string) => readFileSync(resolve(EXTENSION_DIR, "blocks", name), "utf8");
const locale = (name: string) => JSON.parse(readFileSync(resolve(EXTENSION_DIR, "locales", name), "utf8"));

describe("the Liquid subset", () => {
  it("outputs names, dotted and bracketed lookups, literals and nil as empty", () => {
    const context = { shop: { name: "Demo" }, app: { metafields: { $app: { label: "Hi" } } }, n: 3 };
    expect(render("{{ shop.name }}|{{ app.metafields['$app'].label }}|{{ app.metafields[\"$app\"].label }}|{{ n }}|{{ 'lit' }}|{{ missing.deep.name }}|", context)).toBe("Demo|Hi|Hi|3|lit||");
  });

  it("branches with if / elsif / else, unless, ==, !=, blank, and / or", () => {
    const template = "{% if a == 'x' %}X{% elsif b != blank %}B{% else %}E{% endif %}{% unless c %}-no c{% else %}-c{% endunless %}";
    expect(render(template, { a: "x" })).toBe("X-no c");
    expect(render(template, { a: "y", b: "set", c: true })).toBe("B-c");
    expect(render(template, { a: "y", b: "  " })).toBe("E-no c");
    expect(render("{% if a and b or c %}yes{% else %}no{% endif %}", { a: true, b: false, c: true })).toBe("yes");
    expect(render("{% if a and b or c %}yes{% else %}no{% endif %}", { a: false, b: true, c: true })).toBe("no");
    // Liquid: an empty string is truthy, only nil and false are not.
    expect(render("{% if s %}truthy{% endif %}", { s: "" })).toBe("truthy");
  });

  it("applies the filters the blocks use", () => {
    expect(render("{{ 'widget.js' | asset_url }}")).toBe("/cdn/widget.js");
    expect(render("{{ v | escape }}", { v: `<a href="x">'&'</a>` })).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(render("{{ v | default: 'fallback' }}|{{ w | default: 'fallback' }}", { v: "", w: "kept" })).toBe("fallback|kept");
    expect(render("{{ 'a.b' | t }}")).toBe("«a.b»");
    expect(render("{{ v | append: '/x' | append: y }}", { v: "/apps", y: "!" })).toBe("/apps/x!");
    const shop = { ...host, money: (cents: number) => `$${(cents / 100).toFixed(2)}` };
    expect(renderLiquid("{{ 1000 | money }}|{{ v | strip_html }}|{{ 1000 | money | strip_html | escape }}", { v: '<span class="m"><!-- a -->$1.00</span>' }, shop, "t")).toBe("$10.00|$1.00|$10.00");
    expect(() => renderLiquid("{{ 'ten' | money }}", {}, shop, "t")).toThrow('t:1: money: "ten" is not an amount in cents');
    expect(() => render("{{ 1000 | money }}")).toThrow("test.liquid:1: money: this page has no shop money format");
  });

  it("writes json that cannot end the <script> it sits in, and reads back the same", () => {
    const value = { label: "</script><script>alert(1)</script>", n: 1, list: [true, null] };
    const out = render("{{ v | json }}", { v: value });
    expect(out).not.toContain("<");
    expect(JSON.parse(out)).toEqual(value);
    expect(render("{{ missing | json }}")).toBe("null");
  });

  it("strips whitespace on the dashed side of a tag", () => {
    expect(render("a  {%- if true -%}  b  {%- endif -%}  c")).toBe("abc");
    expect(render("a  {{- 'b' -}}  c")).toBe("abc");
  });

  it("leaves comments and the schema out of the page", () => {
    expect(render("a{% comment %}{{ anything | upcase }}{% endcomment %}b{% schema %}{\"name\": \"x\"}{% endschema %}")).toBe("ab");
  });

  it("refuses what it does not support, naming the file and line, rather than dropping it", () => {
    const refused = (source: string) => {
      try {
        render(source);
      } catch (error) {
        expect(error).toBeInstanceOf(LiquidError);
        return (error as Error).message;
      }
      throw new Error(`rendered: ${source}`);
    };
    expect(refused("one\ntwo\n{% for x in list %}{{ x }}{% endfor %}")).toBe('test.liquid:3: the tag "for" is not supported by the stand-in renderer');
    expect(refused("{{ title | upcase }}")).toBe('test.liquid:1: the filter "upcase" is not supported by the stand-in renderer');
    expect(refused("{% if a > 1 %}x{% endif %}")).toMatch(/the operator in "a > 1" is not supported/);
    expect(refused("{% if a %}never closed")).toMatch(/missing {% endif %}/);
    expect(refused("{% if a %}{% else %}{% else %}{% endif %}")).toMatch(/{% else %} after {% else %}/);
    expect(refused("{{ open")).toMatch(/an unclosed "{{"/);
    expect(refused("{{ a b }}")).toMatch(/cannot read "b"/);
    expect(() => render("{{ obj }}", { obj: { a: 1 } })).toThrow(/an object cannot be output without a filter/);
    expect(() => readSchema("{% schema %}{not json{% endschema %}", "x.liquid")).toThrow(/x.liquid: the schema is not JSON/);
  });
});

describe("the theme app extension", () => {
  it("has the app embed on the body and the three app blocks, each with a schema the theme editor reads", () => {
    expect(BLOCKS.sort()).toEqual(["app-embed.liquid", "loyalty-section.liquid", "product-points.liquid", "referral.liquid"]);
    const schemas = Object.fromEntries(BLOCKS.map((name) => [name, readSchema(block(name), name)]));
    expect(schemas["app-embed.liquid"].target).toBe("body");
    for (const name of ["loyalty-section.liquid", "product-points.liquid", "referral.liquid"]) expect(schemas[name].target).toBe("section");
    expect(schemas["product-points.liquid"].enabled_on).toEqual({ templates: ["product"] });
  });

  it("names every schema label in en.default.schema.json", () => {
    const labels = locale("en.default.schema.json");
    const keys = BLOCKS.flatMap((name) => [...JSON.stringify(readSchema(block(name), name)).matchAll(/"t:([\w.]+)"/g)].map((m) => m[1]!));
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) expect(key.split(".").reduce((node: any, part) => node?.[part], labels), key).toEqual(expect.any(String));
  });

  it("has every storefront string the blocks use in en, es, fr and de, and no string they do not use", () => {
    const used = new Set(BLOCKS.flatMap((name) => [...block(name).matchAll(/'([\w.]+)' \| t\b/g)].map((m) => m[1]!)));
    expect(used.size).toBeGreaterThan(5);
    const files = ["en.default.json", "es.json", "fr.json", "de.json"];
    const flatten = (node: Record<string, unknown>, prefix = ""): string[] =>
      Object.entries(node).flatMap(([key, value]) => (typeof value === "string" ? [`${prefix}${key}`] : flatten(value as Record<string, unknown>, `${prefix}${key}.`)));
    const english = locale("en.default.json");
    for (const file of files) {
      const table = locale(file);
      expect(flatten(table).sort(), file).toEqual([...used].sort());
      // Translated, not copied: every language but English differs from it somewhere in each group.
      if (file !== "en.default.json") expect(JSON.stringify(table.loyalnest.section)).not.toBe(JSON.stringify(english.loyalnest.section));
    }
  });

  it("renders the embed with the shopper's data and the inline settings, and points blocks at the App Proxy", () => {
    const context = {
      customer: { id: "123" },
      request: { locale: { iso_code: "es" } },
      cart: { currency: { iso_code: "EUR" } },
      routes: { account_login_url: "/es/account/login", account_register_url: "/es/account/register" },
      app: { metafields: { $app: { widget_settings: { value: { version: 1, branding: { launcher_label: { es: "Premios" } } } } } } },
    };
    const embed = renderLiquid(block("app-embed.liquid"), context, host, "app-embed.liquid");
    expect(embed).toContain('src="/cdn/widget.js"');
    for (const attribute of ['data-proxy-base="/apps/loyalnest"', 'data-customer-id="123"', 'data-locale="es"', 'data-currency="EUR"', 'data-login-url="/es/account/login"', 'data-register-url="/es/account/register"', " defer"]) {
      expect(embed).toContain(attribute);
    }
    const inline = /<script type="application\/json" id="loyalnest-settings">([^<]*)<\/script>/.exec(embed);
    expect(JSON.parse(inline![1]!)).toEqual(context.app.metafields.$app.widget_settings.value);

    const product = renderLiquid(block("product-points.liquid"), { ...context, product: { selected_or_first_available_variant: { price: 2400 } }, block: { settings: { spacing: 8 } } }, host, "product-points.liquid");
    expect(product).toMatch(/data-loyalnest-product-points\s+data-price-cents="2400"\s+data-currency="EUR"/);

    const signedOut = renderLiquid(block("loyalty-section.liquid"), { ...context, customer: null, block: { settings: { heading: "Our <club>" } } }, host, "loyalty-section.liquid");
    expect(signedOut).toContain("<h2>Our &lt;club&gt;</h2>");
    expect(signedOut).toContain('href="/apps/loyalnest/rewards?locale=es"');
    expect(signedOut).toContain('href="/es/account/register"');
    const signedIn = renderLiquid(block("loyalty-section.liquid"), { ...context, block: { settings: { heading: "" } } }, host, "loyalty-section.liquid");
    expect(signedIn).toContain("<h2>«loyalnest.section.heading»</h2>");
    expect(signedIn).not.toContain("account/register");
  });
});

describe("the stand-in App Proxy's signature", () => {
  it("is the one the Worker computes (and checks), repeated keys joined with commas", async () => {
    const params = new URLSearchParams("shop=demo.myshopify.com&logged_in_customer_id=42&path_prefix=%2Fapps%2Floyalnest&timestamp=1700000000&extra=1&extra=2&signature=ignored");
    expect(signAppProxy("secret", params)).toBe(await workerSignAppProxy("secret", params));
    expect(signAppProxy("other", params)).not.toBe(signAppProxy("secret", params));
  });
});
