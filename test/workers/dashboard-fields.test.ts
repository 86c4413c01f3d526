// The dashboard shows a refusal under the field it is about (dashboard/src/hooks.ts reads the
// error's `field`): the settings and notification routes name that field for their own checks,
// not only for zod's, and a refused save changes nothing.
import { describe, expect, it } from "vitest";
import { install, json, merchantApi } from "../helpers/app";
import { uniqueShop } from "../helpers/shopify";

async function shop(label: string) {
  const domain = uniqueShop(label);
  await install(domain);
  return domain;
}

describe("refusals name their field", () => {
  it.each([
    ["a colour that is not #rrggbb (zod)", { branding: { primary_color: "#12" } }, "invalid_request", "branding.primary_color"],
    ["a default language not offered (the settings' own rule)", { languages: ["en"], default_language: "fr" }, "default_language_not_offered", "default_language"],
    ["a sticky bar text too long", { storefront: { copy: { fr: { sticky_bar: "x".repeat(141) } } } }, "invalid_request", "storefront.copy.fr.sticky_bar"],
  ])("PUT /settings: %s", async (_what, body, code, field) => {
    const domain = await shop("fields-settings");
    const before = await json(await merchantApi(domain, "GET", "/settings"));
    const response = await merchantApi(domain, "PUT", "/settings", body);
    expect(response.status).toBe(400);
    expect((await json(response)).error).toMatchObject({ code, field });
    const after = await json(await merchantApi(domain, "GET", "/settings"));
    expect(after.version).toBe(before.version);
  });

  it("PUT /notifications/templates/:type and the preview name the template field", async () => {
    const domain = await shop("fields-templates");
    const saved = await merchantApi(domain, "PUT", "/notifications/templates/points_earned", { templates: { fr: { subject: "{{coupon}} !" } } });
    expect(saved.status).toBe(400);
    expect((await json(saved)).error).toMatchObject({ code: "unknown_variable", field: "templates.fr.subject" });

    const preview = await merchantApi(domain, "POST", "/notifications/preview", { type: "points_earned", language: "fr", channel: "email", template: { body: "{{#points}} unclosed" } });
    expect(preview.status).toBe(400);
    expect((await json(preview)).error).toMatchObject({ code: "template_syntax", field: "template.body" });
  });
});
