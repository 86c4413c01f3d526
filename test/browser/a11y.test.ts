// Languages and accessibility as a shopper meets them: axe-core on the open panel (signed in and
// out, English and Spanish), the keyboard alone from the page to a Spanish panel and back, the
// kept language choice, focus rings, reduced motion, and the merchant's font and CSS. The built
// widget.js on the stand-in theme page, the real Worker behind the signed App Proxy, Debian's
// Chromium. Screenshots go to test-results/browser/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { DEMO_SHOP, startDevStack } from "../../scripts/dev.mjs";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { buildWidget } from "../../widget/build.mjs";
import { FOCUS_FALLBACK } from "../../core/contrast";
import { orderBody, sessionToken, useCredentials, webhookRequest } from "../helpers/shopify";
import { CUSTOMER_COOKIE, startStorefront } from "./storefront";
import { freePort } from "../../scripts/free-port.mjs";

const AXE_FILE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const SCREENSHOTS = resolve(import.meta.dirname, "../../test-results/browser");
const CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const LANGUAGE_KEY = "loyalnest:language";

const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-a11y-"));
let stack: Awaited<ReturnType<typeof startDevStack>>;
let storefront: Awaited<ReturnType<typeof startStorefront>>;
let browser: Browser;

const member = String(100_000_000_000 + Math.floor(Math.random() * 800_000_000_000));

beforeAll(async () => {
  const executablePath = ensureChromium();
  const { file } = await buildWidget({ log: () => {} });
  stack = await startDevStack({ port: await freePort(), persistTo, quiet: true, emulatorPort: 0, database: "loyalnest_a11y" });
  const vars = readDevVars();
  useCredentials({ apiKey: vars.SHOPIFY_API_KEY, apiSecret: vars.SHOPIFY_API_SECRET, origin: stack.url });
  const order = await fetch(await webhookRequest("orders/paid", DEMO_SHOP, orderBody({ id: String(9_100_000_000_000 + Date.now()), customerId: member, subtotal: "125.00" })));
  expect(order.status).toBe(200);
  // The merchant's copy in both languages: the launcher's label follows the shopper's pick.
  await changeSettings({ languages: ["en", "es"], default_language: "en", branding: { launcher_label: { en: "Perks", es: "Ventajas" } } });
  storefront = await startStorefront({ widgetFile: file, appOrigin: stack.url, apiSecret: vars.SHOPIFY_API_SECRET, shop: DEMO_SHOP });
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await storefront?.close();
  await stack?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

async function changeSettings(patch: Record<string, unknown>) {
  const response = await fetch(`${stack.url}/v1/api/settings`, {
    method: "PUT",
    headers: { authorization: `Bearer ${await sessionToken(DEMO_SHOP)}`, "content-type": "application/json" },
    body: JSON.stringify(patch),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { warnings: { field: string; code: string }[] };
}

async function visit(options: { customerId?: string; query?: string; context?: BrowserContextOptions } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, ...options.context });
  if (options.customerId) await context.addCookies([{ name: CUSTOMER_COOKIE, value: options.customerId, url: storefront.url }]);
  const page = await context.newPage();
  const configRequests: URL[] = [];
  const tierRequests: URL[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname.endsWith("/widget/config")) configRequests.push(url);
    if (url.pathname.endsWith("/vip-tiers/status")) tierRequests.push(url);
  });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const widget = page.locator("#loyalnest-widget");
  return {
    page,
    context,
    errors,
    configRequests,
    tierRequests,
    widget,
    launcher: widget.locator(".ln-launcher"),
    dialog: widget.getByRole("dialog"),
    go: () => page.goto(`${storefront.url}/${options.query ?? ""}`),
    close: () => context.close(),
  };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

/** The element of the widget that has focus: its id, else its class, else its tag; null outside. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.getElementById("loyalnest-widget")?.shadowRoot?.activeElement;
    return active ? active.id || active.getAttribute("class") || active.tagName.toLowerCase() : null;
  });

/** How the focused element of the widget is outlined, and whether it sits in the dialog. */
const focusStyle = (page: Page) =>
  page.evaluate(() => {
    const active = document.getElementById("loyalnest-widget")?.shadowRoot?.activeElement as HTMLElement | null;
    if (!active) return null;
    const style = getComputedStyle(active);
    return { style: style.outlineStyle, width: style.outlineWidth, colour: style.outlineColor, inDialog: !!active.closest("[role=dialog]") };
  });

/** axe-core on the widget alone (its shadow root included): the theme page is not ours to judge. */
async function axeViolations(page: Page) {
  await page.addScriptTag({ path: AXE_FILE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const result = await axe.run({ include: [["#loyalnest-widget"]] }, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
}

const serious = <T extends { impact: string }>(violations: T[]) => violations.filter((v) => v.impact === "serious" || v.impact === "critical");

describe("axe-core on the open panel", () => {
  for (const { name, customerId, query, ready } of [
    { name: "signed in, English", customerId: member, query: "?lang=en", ready: "You have 1250 points" },
    { name: "signed in, Spanish", customerId: member, query: "?lang=es", ready: "Tienes 1250 puntos" },
    { name: "signed out, English", customerId: undefined, query: "?lang=en", ready: "Sign in to earn and redeem points" },
    { name: "signed out, Spanish", customerId: undefined, query: "?lang=es", ready: "Inicia sesión para ganar y canjear puntos" },
  ]) {
    it(`reports no serious or critical violation: ${name}`, async () => {
      const tab = await visit({ customerId, query });
      await tab.go();
      await tab.launcher.click();
      await tab.dialog.getByText(ready, { exact: true }).waitFor();
      await tab.dialog.getByRole("combobox").waitFor();
      const violations = await axeViolations(tab.page);
      expect(serious(violations), JSON.stringify(violations, null, 2)).toEqual([]);
      await shot(tab.page, `a11y-${name.replace(/\W+/g, "-")}`);
      expect(tab.errors).toEqual([]);
      await tab.close();
    });
  }

  it("catches a merchant's colour below contrast: the check can fail", async () => {
    const saved = await changeSettings({ branding: { accent_color: "#ffcc00" } });
    expect(saved.warnings.map((w) => `${w.field}:${w.code}`)).toEqual(["branding.accent_color:low_contrast"]);
    try {
      const tab = await visit({ customerId: member, query: "?lang=en" });
      await tab.go();
      await tab.launcher.click();
      await tab.dialog.getByText("You have 1250 points", { exact: true }).waitFor();
      const violations = await axeViolations(tab.page);
      expect(serious(violations).map((v) => v.id)).toContain("color-contrast");
      await tab.close();
    } finally {
      await changeSettings({ branding: { accent_color: "#1d6b52" } });
    }
  });
});

describe("keyboard alone", () => {
  it("reaches the launcher, tabs through a trapped panel, switches to Spanish (the merchant's copy too), closes with Escape", async () => {
    const tab = await visit({ customerId: member, query: "?lang=en" });
    await tab.go();
    await tab.launcher.getByText("Perks").waitFor();

    // From the top of the page, Tab reaches the launcher after the theme's own controls.
    for (let presses = 0; (await focused(tab.page)) !== "ln-launcher"; presses++) {
      expect(presses, "the launcher is reachable by Tab").toBeLessThan(30);
      await tab.page.keyboard.press("Tab");
    }
    expect(await focusStyle(tab.page)).toMatchObject({ style: "solid", width: "3px" });
    await tab.page.keyboard.press("Enter");
    await tab.dialog.getByText("You have 1250 points", { exact: true }).waitFor();
    expect(await tab.dialog.getAttribute("aria-modal")).toBe("true");

    // Tab goes round the dialog's controls and never leaves it; each shows its focus ring.
    const seen: string[] = [];
    for (let presses = 0; presses < 40; presses++) {
      await tab.page.keyboard.press("Tab");
      const style = await focusStyle(tab.page);
      expect(style, `Tab ${presses + 1} keeps focus in the dialog`).toMatchObject({ inDialog: true, style: "solid", width: "3px" });
      const now = (await focused(tab.page))!;
      if (seen.includes(now) && now === seen[0]) break;
      seen.push(now);
    }
    expect(seen[0], "Tab wraps from the last control to the first").toBe("ln-close");
    expect(seen).toContain("ln-language");
    expect(seen.filter((name) => name.includes("ln-view")).length, "every view's tab").toBeGreaterThanOrEqual(4);
    // Shift+Tab from the first control goes round to the last.
    await tab.page.keyboard.press("Shift+Tab");
    expect(await focused(tab.page)).toBe(seen[seen.length - 1]);

    // To the language menu and down to Spanish, by keys alone.
    for (let presses = 0; (await focused(tab.page)) !== "ln-language"; presses++) {
      expect(presses).toBeLessThan(40);
      await tab.page.keyboard.press("Tab");
    }
    await shot(tab.page, "a11y-keyboard-language-focused");
    await tab.page.keyboard.press("ArrowDown");
    await tab.dialog.getByRole("heading", { name: "Recompensas" }).waitFor();
    await tab.dialog.getByText("Tienes 1250 puntos", { exact: true }).waitFor();
    await tab.launcher.getByText("Ventajas").waitFor();
    await tab.dialog.getByRole("listitem").filter({ hasText: "Envío gratis" }).waitFor();
    await tab.dialog.getByRole("button", { name: "Cerrar" }).waitFor();
    expect(await tab.dialog.getByRole("combobox", { name: "Idioma" }).inputValue()).toBe("es");
    expect(await tab.widget.locator(".ln").getAttribute("lang")).toBe("es");
    expect(tab.configRequests.at(-1)?.searchParams.get("locale")).toBe("es");
    expect(await focused(tab.page), "focus stays on the menu through the switch").toBe("ln-language");
    expect(await tab.page.evaluate((key) => localStorage.getItem(key), LANGUAGE_KEY)).toBe("es");
    await shot(tab.page, "a11y-keyboard-spanish");

    await tab.page.keyboard.press("Escape");
    await tab.dialog.waitFor({ state: "hidden" });
    expect(await focused(tab.page)).toBe("ln-launcher");
    expect(tab.errors).toEqual([]);

    // The next page keeps the shopper's pick over the theme's <html lang="en">.
    await tab.go();
    await tab.launcher.getByText("Ventajas").waitFor();
    expect(tab.configRequests.at(-1)?.searchParams.get("locale")).toBe("es");
    await tab.close();
  });
});

describe("the language", () => {
  it("comes from the page's Shopify.locale when <html> has no lang, else from Accept-Language", async () => {
    const shopify = await visit({ query: "?shopify_locale=es" });
    await shopify.go();
    await shopify.launcher.getByText("Ventajas").waitFor();
    await shopify.close();

    // `?locale=`: a page whose theme gives no locale (Shopify's request.locale always does).
    const browserLanguage = await visit({ customerId: member, query: "?locale=", context: { locale: "es-ES", extraHTTPHeaders: { "accept-language": "es-ES,es;q=0.9" } } });
    await browserLanguage.go();
    await browserLanguage.launcher.getByText("Ventajas").waitFor();
    expect(browserLanguage.configRequests[0]?.searchParams.has("locale")).toBe(false);
    // The calls after the config send the language it answered, so every view speaks it.
    await browserLanguage.launcher.click();
    await browserLanguage.dialog.getByRole("button", { name: "Nivel VIP" }).click();
    await browserLanguage.dialog.getByText("Tienes 1250 puntos", { exact: true }).waitFor();
    await expect.poll(() => browserLanguage.tierRequests.at(-1)?.searchParams.get("locale")).toBe("es");
    await browserLanguage.close();
  });

  it("formats numbers, money and dates with Intl for the picked language", async () => {
    const tab = await visit({ customerId: member, query: "?lang=en" });
    await tab.go();
    await tab.launcher.click();
    await tab.dialog.getByText("You have 1250 points", { exact: true }).waitFor();
    await tab.dialog.getByRole("combobox", { name: "Language" }).selectOption("es");
    await tab.dialog.getByText("Tienes 1250 puntos", { exact: true }).waitFor();
    // The history's dates in Spanish, as the browser's own Intl writes today.
    await tab.dialog.getByRole("button", { name: "Tus recompensas" }).click();
    const today = await tab.page.evaluate(() => new Intl.DateTimeFormat("es", { dateStyle: "medium" }).format(new Date()));
    await tab.dialog.getByRole("listitem").filter({ hasText: "Puntos por un pedido" }).getByText(today).waitFor();
    await tab.close();
  });
});

describe("motion, focus and branding", () => {
  it("animates the panel's opening unless the shopper asks for reduced motion", async () => {
    const animationOf = async (reducedMotion: "reduce" | "no-preference") => {
      const tab = await visit({ context: { reducedMotion } });
      await tab.go();
      await tab.launcher.click();
      await tab.dialog.waitFor();
      const name = await tab.dialog.evaluate((dialog) => getComputedStyle(dialog).animationName);
      await tab.close();
      return name;
    };
    expect(await animationOf("no-preference")).toBe("ln-in");
    expect(await animationOf("reduce")).toBe("none");
  });

  it("rings focus in the accent, or in dark grey when the accent would not stand out", async () => {
    const ringOf = async () => {
      const tab = await visit({ query: "?lang=en" });
      await tab.go();
      await tab.launcher.click();
      await tab.dialog.getByRole("combobox").waitFor();
      // The language menu: on the white panel (the close button's ring is white, on the header).
      for (let presses = 0; (await focused(tab.page)) !== "ln-language"; presses++) {
        expect(presses).toBeLessThan(10);
        await tab.page.keyboard.press("Tab");
      }
      const style = await focusStyle(tab.page);
      await tab.close();
      return style?.colour;
    };
    expect(await ringOf()).toBe("rgb(29, 107, 82)");
    await changeSettings({ branding: { accent_color: "#ffee88" } });
    try {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(FOCUS_FALLBACK.slice(i, i + 2), 16));
      expect(await ringOf()).toBe(`rgb(${r}, ${g}, ${b})`);
    } finally {
      await changeSettings({ branding: { accent_color: "#1d6b52" } });
    }
  });

  it("applies the merchant's font and CSS inside the shadow root only, and the theme's font by default", async () => {
    const before = await visit();
    await before.go();
    await before.launcher.getByText("Perks").waitFor();
    expect(await before.launcher.evaluate((el) => getComputedStyle(el).fontFamily)).toBe(await before.page.evaluate(() => getComputedStyle(document.body).fontFamily));
    await before.close();

    await changeSettings({ branding: { font: "monospace", custom_css: ".ln-launcher { letter-spacing: 3px; } button { letter-spacing: 7px; }" } });
    try {
      const tab = await visit();
      await tab.go();
      await tab.launcher.getByText("Perks").waitFor();
      await expect.poll(() => tab.launcher.evaluate((el) => getComputedStyle(el).letterSpacing)).toBe("3px");
      expect(await tab.launcher.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/monospace/);
      // The theme's own buttons never see the merchant's widget CSS.
      expect(await tab.page.locator("main button").first().evaluate((el) => getComputedStyle(el).letterSpacing)).not.toBe("7px");
      await shot(tab.page, "a11y-branding-font-css");
      await tab.close();
    } finally {
      await changeSettings({ branding: { font: "theme", custom_css: "" } });
    }
  });
});
