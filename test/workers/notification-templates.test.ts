// Notification templates, pure: every default renders in every language with its values
// formatted for that language, email HTML escapes what a customer or merchant typed while the
// text part and SMS keep it literal, sections drop what has no value, the customer's language
// is used only when the shop offers it, and a template naming a variable its type lacks is
// refused with the names.
import { describe, expect, it } from "vitest";
import {
  applyNotificationTypePatch,
  checkTemplate,
  DEFAULT_CHANNELS,
  DEFAULT_TEMPLATES,
  NO_EDITS,
  NOTIFICATION_TYPES,
  renderForCustomer,
  renderNotification,
  sampleVars,
  smsSegments,
  TemplateError,
  typeSetup,
  TYPE_VARIABLES,
  type NotificationSetup,
  type NotificationVars,
} from "../../core/notification-templates";
import { DEFAULT_PROGRAM } from "../../core/program";
import { STORE_LANGUAGES } from "../../core/store-settings";

const NOW = new Date("2026-12-01T10:00:00Z");
const VARS: NotificationVars = { ...sampleVars("Maple & Co", "maple.myshopify.com", "en", NOW), expires_at: "2026-12-31" };

function refusal(run: () => unknown): TemplateError {
  try {
    run();
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error("expected a TemplateError");
}

describe("defaults", () => {
  it.each(NOTIFICATION_TYPES.flatMap((type) => STORE_LANGUAGES.map((language) => [type, language] as const)))(
    "%s in %s: every field passes the save checks, renders with no tag left, and its SMS fits one 160-character text",
    (type, language) => {
      const set = DEFAULT_TEMPLATES[type][language];
      for (const field of ["subject", "body", "sms"] as const) expect(checkTemplate(type, field, set[field])).toBe(set[field]);
      const email = renderNotification({ type, channel: "email", language, vars: VARS });
      const sms = renderNotification({ type, channel: "sms", language, vars: VARS });
      for (const text of [email.subject, email.text, email.html, sms.text]) {
        expect(text).not.toMatch(/\{\{|\}\}/);
        expect(text).not.toMatch(/ {2}|\n{3}/);
      }
      expect(email.text.endsWith("\nMaple & Co")).toBe(true);
      expect(email.html).toMatch(/[>]Maple &amp; Co<\/p>\n<\/div>/);
      expect(email.html).toMatch(new RegExp(`^<!doctype html><html lang="${language}">`));
      expect(sms.text.length).toBeLessThanOrEqual(160);
    },
  );

  it("the SMS defaults: the English, French and German ones are GSM-7 (one part each); Spanish accents make some UCS-2", () => {
    const parts = Object.fromEntries(
      STORE_LANGUAGES.map((language) => [
        language,
        NOTIFICATION_TYPES.map((type) => smsSegments(renderNotification({ type, channel: "sms", language, vars: VARS }).text)),
      ]),
    );
    for (const language of ["en", "fr", "de"]) expect(parts[language]!.every((p) => p.encoding === "GSM-7" && p.segments === 1), language).toBe(true);
    // Spanish's á/ó/í are not in GSM-7: those texts go as UCS-2, at most 2 parts with the samples.
    expect(parts.es!.some((p) => p.encoding === "UCS-2")).toBe(true);
    expect(Math.max(...parts.es!.map((p) => p.segments))).toBeLessThanOrEqual(2);
  });

  it("channels default to email and Klaviyo on, SMS and WhatsApp off", () => {
    expect(DEFAULT_CHANNELS).toEqual({ email: true, sms: false, whatsapp: false, klaviyo: true });
    expect(typeSetup("points_earned", NO_EDITS).channels).toEqual(DEFAULT_CHANNELS);
  });
});

describe("rendering", () => {
  it("points_earned in English: numbers grouped, the points' name agreeing with each number, the link in the HTML", () => {
    const email = renderNotification({
      type: "points_earned",
      channel: "email",
      language: "en",
      vars: { shop_name: "Maple", first_name: "Ana", points: 1, points_balance: 12500, widget_url: "https://maple.example/rewards" },
    });
    expect(email.subject).toBe("You earned 1 point at Maple");
    expect(email.text).toBe(
      "Hi Ana,\n\nYou just earned 1 point at Maple. Your balance is now 12,500 points.\n\nSee what you can redeem: https://maple.example/rewards\n\nThanks for shopping with us!\nMaple",
    );
    expect(email.html).toContain('<p style="margin:0 0 16px">Hi Ana,</p>');
    expect(email.html).toContain('<a href="https://maple.example/rewards">https://maple.example/rewards</a>');
    expect(email.html).toContain("Thanks for shopping with us!<br>Maple</p>");
  });

  it("formats numbers and dates for each language and uses the program's names for its points", () => {
    const vars = { shop_name: "Maple", points_balance: 1234567, expiring_points: 2500, expires_at: "2026-12-31T08:00:00Z" };
    const currency = { ...DEFAULT_PROGRAM.currency, en: { singular: "star", plural: "stars" }, de: undefined };
    const text = (language: (typeof STORE_LANGUAGES)[number]) => renderNotification({ type: "points_expiring", channel: "sms", language, vars, currency }).text;
    expect(text("en")).toBe("Maple: 2,500 stars will expire on December 31, 2026. Redeem before then!");
    expect(text("es")).toBe("Maple: caducidad de 2500 puntos el 31 de diciembre de 2026. ¡Canjea antes!");
    // French groups with a narrow no-break space; an SMS gets a plain one (GSM-7 has no other).
    expect(text("fr")).toBe("Maple : échéance de 2 500 points le 31 décembre 2026. Profitez-en avant !");
    expect(renderNotification({ type: "points_expiring", channel: "email", language: "fr", vars, currency }).text).toContain("2\u202f500 points");
    // No German name in the program: its English one (the widget's rule, core/ways-to-earn.ts).
    expect(text("de")).toBe("Maple: Ablaufdatum für 2.500 stars: 31. Dezember 2026. Jetzt einlösen!");
  });

  it("French counts 0 and 1 as singular, English only 1", () => {
    const render = (language: "en" | "fr", points: number) =>
      renderNotification({ type: "points_earned", channel: "email", language, vars: { shop_name: "S", points, points_balance: points } }).subject;
    expect(render("fr", 0)).toBe("Vous avez gagné 0 point chez S");
    expect(render("fr", 2)).toBe("Vous avez gagné 2 points chez S");
    expect(render("en", 0)).toBe("You earned 0 points at S");
  });

  it("escapes a customer's <script> name in the HTML and keeps it literal in the text part and the SMS", () => {
    const vars = { ...VARS, first_name: `<script>alert("x")</script>`, reward_title: `10% off & "free" <b>shipping</b>` };
    const email = renderNotification({ type: "reward_issued", channel: "email", language: "en", vars });
    expect(email.html).not.toContain("<script>");
    expect(email.html).not.toContain("<b>");
    expect(email.html).toContain("Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,");
    expect(email.html).toContain("10% off &amp; &quot;free&quot; &lt;b&gt;shipping&lt;/b&gt;");
    expect(email.text).toContain(`Hi <script>alert("x")</script>,`);
    expect(email.subject).toBe(`Your reward from Maple & Co: 10% off & "free" <b>shipping</b>`);
    const sms = renderNotification({ type: "reward_issued", channel: "whatsapp", language: "en", vars });
    expect(sms.text).toContain(`10% off & "free" <b>shipping</b>`);
  });

  it("escapes the merchant's own wording in the HTML too, and flattens line breaks a value carries", () => {
    const template = { subject: "Hi {{first_name}}", body: "<img src=x onerror=alert(1)> {{first_name}}", sms: "{{first_name}}" };
    const email = renderNotification({ type: "points_earned", channel: "email", language: "en", vars: { ...VARS, first_name: "Ana\n\nBcc: x@example.com" }, template });
    expect(email.html).toContain("&lt;img src=x onerror=alert(1)&gt; Ana Bcc: x@example.com");
    expect(email.subject).toBe("Hi Ana Bcc: x@example.com");
    expect(email.text).toBe("<img src=x onerror=alert(1)> Ana Bcc: x@example.com");
  });

  it("links only http(s) addresses: a javascript: widget_url stays escaped text", () => {
    const email = renderNotification({ type: "points_earned", channel: "email", language: "en", vars: { ...VARS, widget_url: "javascript:alert(1)" } });
    expect(email.html).not.toContain("<a ");
    expect(email.html).toContain("See what you can redeem: javascript:alert(1)");
  });

  it("drops sections with no value and keeps inverted ones: no name, no code, no 0-point badge", () => {
    const vars = { shop_name: "Maple", points_balance: 40, first_name: null, points: 0, badge_name: "Early bird" };
    const email = renderNotification({ type: "badge_earned", channel: "email", language: "en", vars });
    expect(email.text).toBe("Hi,\n\nYou've earned a new badge at Maple: Early bird.\n\nYou have 40 points.\n\nMaple");
    const reward = renderNotification({ type: "reward_issued", channel: "sms", language: "de", vars: { shop_name: "Maple", points_balance: 5, reward_title: "Gratisversand" } });
    expect(reward.text).toBe("Maple: Ihre Prämie Gratisversand ist bereit.");
    const inverted = renderNotification({
      type: "referral_completed",
      channel: "sms",
      language: "en",
      vars: { shop_name: "M", points_balance: 1, referral_friend_name: "" },
      template: { subject: "s", body: "b", sms: "{{#referral_friend_name}}{{referral_friend_name}}{{/referral_friend_name}}{{^referral_friend_name}}A friend{{/referral_friend_name}} joined" },
    });
    expect(inverted.text).toBe("A friend joined");
  });
});

describe("language", () => {
  const setup = (languages: NotificationSetup["languages"], default_language: NotificationSetup["default_language"]): NotificationSetup => ({
    languages,
    default_language,
    currency: DEFAULT_PROGRAM.currency,
    types: Object.fromEntries(NOTIFICATION_TYPES.map((type) => [type, typeSetup(type, NO_EDITS)])) as NotificationSetup["types"],
  });
  const vars = { shop_name: "M", points: 5, points_balance: 5 };

  it("writes in the customer's language when the shop offers it (region tags included), else in the shop's default", () => {
    const shop = setup(["en", "fr"], "fr");
    expect(renderForCustomer(shop, { type: "points_earned", channel: "email", customer_language: "en-GB", vars }).language).toBe("en");
    expect(renderForCustomer(shop, { type: "points_earned", channel: "email", customer_language: "es", vars }).language).toBe("fr");
    const none = renderForCustomer(shop, { type: "points_earned", channel: "email", customer_language: null, vars });
    expect(none.language).toBe("fr");
    expect((none.rendered as { subject: string }).subject).toBe("Vous avez gagné 5 points chez M");
  });

  it("uses the shop's edited wording for that language, defaults elsewhere", () => {
    const shop = setup(["en", "es"], "en");
    shop.types.points_earned = typeSetup("points_earned", { channels: {}, templates: { es: { sms: "¡{{points}} {{points_name}} más!" } } });
    expect(renderForCustomer(shop, { type: "points_earned", channel: "sms", customer_language: "es", vars }).rendered.text).toBe("¡5 puntos más!");
    expect(renderForCustomer(shop, { type: "points_earned", channel: "sms", customer_language: "en", vars }).rendered.text).toBe("M: you earned 5 points! Balance: 5 points.");
  });
});

describe("checking what a merchant saves", () => {
  it("names every variable the type does not offer", () => {
    const error = refusal(() => checkTemplate("tier_changed", "body", "{{tier_name}} {{discount_code}} {{ coupon }} {{#badge_name}}x{{/badge_name}}", "templates.en.body"));
    expect(error.code).toBe("unknown_variable");
    expect(error.message).toContain("templates.en.body");
    expect(error.message).toContain("{{discount_code}}, {{coupon}}, {{badge_name}}");
    expect(error.message).not.toContain("{{tier_name}}");
  });

  it.each([
    ["an unclosed section", "{{#first_name}}Hi"],
    ["a stray close", "Hi{{/first_name}}"],
    ["crossed sections", "{{#first_name}}{{#points}}x{{/first_name}}{{/points}}"],
    ["a lone {{", "Hi {{first_name"],
    ["a tag that is not a name", "Hi {{first name}}"],
  ])("refuses %s as template_syntax", (_, text) => {
    expect(refusal(() => checkTemplate("points_earned", "body", text)).code).toBe("template_syntax");
  });

  it("refuses empty, over-long, multi-line subjects and control characters", () => {
    expect(refusal(() => checkTemplate("points_earned", "sms", "   ")).code).toBe("template_empty");
    expect(refusal(() => checkTemplate("points_earned", "sms", "x".repeat(641))).code).toBe("template_too_long");
    expect(checkTemplate("points_earned", "sms", "x".repeat(640))).toHaveLength(640);
    expect(refusal(() => checkTemplate("points_earned", "subject", "a\nb")).code).toBe("template_invalid_characters");
    expect(refusal(() => checkTemplate("points_earned", "body", "a\u0007b")).code).toBe("template_invalid_characters");
    expect(refusal(() => checkTemplate("points_earned", "body", "code \u202eevil")).code).toBe("template_invalid_characters");
    expect(checkTemplate("points_earned", "body", "a\r\nb")).toBe("a\nb");
  });

  it("every type offers the variables its defaults use, and the common ones", () => {
    for (const type of NOTIFICATION_TYPES) {
      for (const name of ["shop_name", "first_name", "points_balance", "points_name", "widget_url"]) expect(TYPE_VARIABLES[type]).toContain(name);
    }
    expect(TYPE_VARIABLES.points_earned).not.toContain("discount_code");
  });

  it("a patch merges per language and field; null restores defaults; a text equal to the default is not stored", () => {
    const first = applyNotificationTypePatch("points_earned", NO_EDITS, {
      channels: { sms: true },
      templates: { fr: { subject: "Bravo {{first_name}}" }, es: { sms: DEFAULT_TEMPLATES.points_earned.es.sms } },
    });
    expect(first).toEqual({ channels: { sms: true }, templates: { fr: { subject: "Bravo {{first_name}}" } } });
    const second = applyNotificationTypePatch("points_earned", first, { templates: { fr: { sms: "{{points}}" } } });
    expect(second.templates.fr).toEqual({ subject: "Bravo {{first_name}}", sms: "{{points}}" });
    expect(applyNotificationTypePatch("points_earned", second, { templates: { fr: { subject: null } } }).templates.fr).toEqual({ sms: "{{points}}" });
    expect(applyNotificationTypePatch("points_earned", second, { templates: { fr: null } }).templates).toEqual({});
    expect(refusal(() => applyNotificationTypePatch("points_earned", second, {})).code).toBe("empty_change");
  });
});

describe("SMS length", () => {
  it("counts GSM-7 septets (extension characters twice) and UCS-2 units, and the parts each needs", () => {
    expect(smsSegments("x".repeat(160))).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(smsSegments("x".repeat(161))).toEqual({ encoding: "GSM-7", units: 161, segments: 2 });
    expect(smsSegments("€".repeat(80))).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(smsSegments("ó".repeat(70))).toEqual({ encoding: "UCS-2", units: 70, segments: 1 });
    expect(smsSegments("ó".repeat(71))).toEqual({ encoding: "UCS-2", units: 71, segments: 2 });
    expect(smsSegments("🎉")).toEqual({ encoding: "UCS-2", units: 2, segments: 1 });
  });
});
