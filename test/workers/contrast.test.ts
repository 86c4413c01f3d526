// WCAG contrast (core/contrast.ts) and the warnings the settings answer carries for the
// dashboard's preview: a low-contrast colour is saved (warnings never refuse) and named.
import { describe, expect, it } from "vitest";
import { brandingContrastWarnings, contrastRatio, focusColour, FOCUS_FALLBACK, relativeLuminance, shownRatio } from "../../core/contrast";
import { install, json, merchantApi } from "../helpers/app";
import { uniqueShop } from "../helpers/shopify";

describe("contrast ratio", () => {
  it("spans 1 to 21 and does not depend on the order of the colours", () => {
    expect(relativeLuminance("#000000")).toBe(0);
    expect(relativeLuminance("#FFFFFF")).toBe(1);
    expect(contrastRatio("#000000", "#ffffff")).toBe(21);
    expect(contrastRatio("#ffffff", "#000000")).toBe(21);
    expect(contrastRatio("#1d6b52", "#1d6b52")).toBe(1);
  });

  it("matches the values WebAIM's checker gives at the AA thresholds", () => {
    // #767676 is the lightest grey passing 4.5:1 on white; #777777 just fails it.
    expect(shownRatio(contrastRatio("#767676", "#ffffff"))).toBe(4.54);
    expect(shownRatio(contrastRatio("#777777", "#ffffff"))).toBe(4.47);
    expect(shownRatio(contrastRatio("#0000ff", "#ffffff"))).toBe(8.59);
    expect(shownRatio(contrastRatio("#ff0000", "#ffffff"))).toBe(3.99);
  });

  it("refuses what is not #rrggbb", () => {
    expect(() => relativeLuminance("red")).toThrow(/#rrggbb/);
    expect(() => relativeLuminance("#fff")).toThrow(/#rrggbb/);
  });
});

describe("branding warnings", () => {
  it("warns of nothing for the default green", () => {
    expect(brandingContrastWarnings({ primary_color: "#1d6b52", accent_color: "#1d6b52" })).toEqual([]);
  });

  it("names each colour below 4.5:1 under or beside white, with its ratio", () => {
    const warnings = brandingContrastWarnings({ primary_color: "#ffcc00", accent_color: "#ff0000" });
    expect(warnings).toEqual([
      expect.objectContaining({ field: "branding.primary_color", code: "low_contrast", ratio: 1.51, required: 4.5 }),
      expect.objectContaining({ field: "branding.accent_color", code: "low_contrast", ratio: 3.99, required: 4.5 }),
    ]);
    expect(warnings[0]!.message).toMatch(/1\.51:1.*4\.5:1/);
  });

  it("keeps an accent that stands out 3:1 as the focus ring, else falls back to dark grey", () => {
    expect(focusColour("#ff0000")).toBe("#ff0000");
    expect(focusColour("#ffcc00")).toBe(FOCUS_FALLBACK);
    expect(brandingContrastWarnings({ primary_color: "#000000", accent_color: "#ffcc00" })[0]!.message).toMatch(/focus ring falls back/);
    expect(brandingContrastWarnings({ primary_color: "#000000", accent_color: "#ff0000" })[0]!.message).not.toMatch(/focus ring/);
  });
});

describe("GET/PUT /v1/api/settings warnings", () => {
  it("saves low-contrast colours and answers why, on the PUT and every GET after; a fix clears them", async () => {
    const shop = uniqueShop("contrast-warnings");
    await install(shop);
    const before = await json(await merchantApi(shop, "GET", "/settings"));
    expect(before.warnings).toEqual([]);

    const saved = await merchantApi(shop, "PUT", "/settings", { branding: { primary_color: "#FFCC00" } });
    expect(saved.status).toBe(200);
    const body = await json(saved);
    expect(body.branding.primary_color).toBe("#ffcc00");
    expect(body.warnings).toEqual([
      { field: "branding.primary_color", code: "low_contrast", ratio: 1.51, required: 4.5, message: expect.stringContaining("#ffcc00") },
    ]);
    expect((await json(await merchantApi(shop, "GET", "/settings"))).warnings).toEqual(body.warnings);

    const fixed = await json(await merchantApi(shop, "PUT", "/settings", { branding: { primary_color: "#123456" } }));
    expect(fixed.warnings).toEqual([]);
  });

  it("answers another shop's warnings from its own colours only", async () => {
    const [a, b] = [uniqueShop("contrast-a"), uniqueShop("contrast-b")];
    await Promise.all([install(a), install(b)]);
    await merchantApi(a, "PUT", "/settings", { branding: { accent_color: "#ffcc00" } });
    expect((await json(await merchantApi(b, "GET", "/settings"))).warnings).toEqual([]);
  });
});
