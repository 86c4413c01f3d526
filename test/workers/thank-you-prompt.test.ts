// The thank-you extension's own logic (extensions/loyalnest-thank-you/src/prompt.ts): the request
// it makes and the message it picks for each answer of /checkout/v1/api/order-points.
import { describe, expect, it } from "vitest";
import { amountParam, orderPointsUrl, pointsName, promptFor, registerUrl, type OrderPointsAnswer } from "../../extensions/loyalnest-thank-you/src/prompt";
import en from "../../extensions/loyalnest-thank-you/locales/en.default.json";
import es from "../../extensions/loyalnest-thank-you/locales/es.json";
import fr from "../../extensions/loyalnest-thank-you/locales/fr.json";
import de from "../../extensions/loyalnest-thank-you/locales/de.json";

const STORE = "https://maple.example";
const options = { storefrontUrl: STORE, formatNumber: (n: number) => new Intl.NumberFormat("en").format(n) };

function answer(overrides: Partial<OrderPointsAnswer> = {}): OrderPointsAnswer {
  return {
    shown: true,
    language: "en",
    title: null,
    order: { state: "earned", points: 300, estimated: false },
    signup_points: 200,
    points_name: { singular: "star", plural: "stars" },
    ...overrides,
  };
}

describe("orderPointsUrl", () => {
  it("names the order, the subtotal and the language", () => {
    const url = new URL(orderPointsUrl("https://app.example/", { orderId: "gid://shopify/OrderIdentity/7301", subtotal: 25.99, language: "es" }));
    expect(url.origin + url.pathname).toBe("https://app.example/checkout/v1/api/order-points");
    expect(Object.fromEntries(url.searchParams)).toEqual({ order_id: "gid://shopify/OrderIdentity/7301", subtotal: "25.99", locale: "es" });
  });

  it("leaves out a subtotal it cannot send as an amount", () => {
    const url = new URL(orderPointsUrl("https://app.example", { orderId: "1", subtotal: Number.NaN, language: null }));
    expect([...url.searchParams.keys()]).toEqual(["order_id"]);
  });

  it.each([
    [25.99, "25.99"],
    [0.1 + 0.2, "0.3"],
    [1200, "1200"],
    [-1, null],
    [Number.POSITIVE_INFINITY, null],
  ])("sends %s as %s", (amount, expected) => {
    expect(amountParam(amount)).toBe(expected);
  });
});

describe("promptFor", () => {
  it("tells a member what the order earned, in the merchant's name for points", () => {
    expect(promptFor(answer(), options)).toEqual({ title: null, lines: [{ key: "earned", values: { points: "300", pointsName: "stars" } }], join: null });
  });

  it("forecasts a pending order, and says what is held as held", () => {
    expect(promptFor(answer({ order: { state: "pending", points: 1259, estimated: true } }), options)?.lines).toEqual([
      { key: "pendingEstimate", values: { points: "1,259", pointsName: "stars" } },
    ]);
    expect(promptFor(answer({ order: { state: "pending", points: 40, estimated: false } }), options)?.lines[0]?.key).toBe("pendingHeld");
    expect(promptFor(answer({ order: { state: "pending", points: null, estimated: false } }), options)?.lines).toEqual([{ key: "pendingUnknown", values: {} }]);
  });

  it("offers a guest the signup points with a link to Shopify's account sign-up", () => {
    const prompt = promptFor(answer({ order: { state: "guest", points: 300, estimated: true } }), options);
    expect(prompt).toEqual({
      title: null,
      lines: [
        { key: "guestCouldEarn", values: { points: "300", pointsName: "stars" } },
        { key: "joinOffer", values: { points: "200", pointsName: "stars" } },
      ],
      join: { href: `${STORE}/account/register` },
    });
  });

  it("still invites a guest when joining earns nothing and the order would not have either", () => {
    const prompt = promptFor(answer({ signup_points: 0, order: { state: "guest", points: 0, estimated: true } }), options);
    expect(prompt?.lines).toEqual([{ key: "joinOfferNoPoints", values: {} }]);
    expect(prompt?.join).not.toBeNull();
  });

  it("shows nothing when the merchant has the prompt off", () => {
    expect(promptFor(answer({ shown: false }), options)).toBeNull();
  });

  it("carries the merchant's heading", () => {
    expect(promptFor(answer({ title: "Merci !" }), options)?.title).toBe("Merci !");
  });
});

describe("pointsName", () => {
  it.each([
    ["en", 1, "star"],
    ["en", 0, "stars"],
    ["fr", 0, "star"],
    ["fr", 1, "star"],
    ["fr", 2, "stars"],
    ["de", 1, "star"],
  ])("in %s, %i reads %s", (language, count, expected) => {
    expect(pointsName({ language, points_name: { singular: "star", plural: "stars" } }, count)).toBe(expected);
  });
});

describe("registerUrl", () => {
  it("is the storefront's account sign-up, whatever trailing slash the URL has", () => {
    expect(registerUrl("https://maple.example/")).toBe("https://maple.example/account/register");
  });
});

describe("the extension's locales", () => {
  it("translate every key the English file has, with the same placeholders", () => {
    const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const other of [es, fr, de] as Record<string, string>[]) {
      expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(en as Record<string, string>)) {
        expect(placeholders(other[key]!), key).toEqual(placeholders(text));
        expect(other[key], key).not.toBe(text);
      }
    }
  });

  it("have a string for every key promptFor uses", () => {
    const keys = new Set(Object.keys(en));
    for (const a of [
      answer(),
      answer({ order: { state: "pending", points: 1, estimated: true } }),
      answer({ order: { state: "pending", points: 1, estimated: false } }),
      answer({ order: { state: "pending", points: null, estimated: false } }),
      answer({ order: { state: "guest", points: 5, estimated: true } }),
      answer({ signup_points: 0, order: { state: "guest", points: null, estimated: false } }),
    ]) {
      for (const line of promptFor(a, options)!.lines) expect(keys.has(line.key), line.key).toBe(true);
    }
    expect(keys.has("heading") && keys.has("join")).toBe(true);
  });
});
