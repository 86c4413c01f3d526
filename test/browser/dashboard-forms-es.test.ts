// The program's forms in Spanish (the admin's language es): a VIP tier and a campaign saved
// through their forms, a refused value beside its field with the Spanish banner, and a save over
// a newer version (two tabs, the second stale) refused with the conflict banner, keeping what the
// first saved. Names and values are unique to each run, so it passes on a shop other tests use.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Frame, Locator } from "playwright-core";
import { startDashboard, type Dashboard, type DashboardTab } from "./dashboard-harness";

let dash: Dashboard;

beforeAll(async () => {
  dash = await startDashboard({ name: "forms_es", path: "/" });
});

afterAll(async () => {
  await dash?.close();
});

async function apiGet<T = Record<string, any>>(path: string): Promise<T> {
  const res = await fetch(`${dash.stack.url}/v1/api${path}`, { headers: { authorization: `Bearer ${dash.sessionToken()}` } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

const visible = (locator: Locator) => locator.waitFor({ state: "visible" });
const describedBy = (locator: Locator) =>
  locator.evaluate((el) =>
    (el.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .map((id) => document.getElementById(id)?.textContent ?? "")
      .join(" "),
  );

async function save(tab: DashboardTab) {
  await visible(tab.admin.saveBar);
  await tab.admin.saveBar.getByRole("button", { name: "Guardar" }).click();
}

it("saves a VIP tier through its Spanish form; a multiplier over 10 is refused beside it with the Spanish banner", async () => {
  const name = `Platino ${Date.now()}`;
  const threshold = 40_000 + Math.floor(Math.random() * 50_000);
  const tab = await dash.open("/tiers/new", { locale: "es" });
  try {
    let app: Frame = tab.app;
    await visible(app.getByRole("heading", { name: "Nuevo nivel VIP" }));
    await app.getByLabel("Nombre (Inglés)").fill(name);
    await app.getByLabel("Puntos ganados para alcanzarlo").fill(String(threshold));
    const multiplier = app.getByLabel("Multiplicador de puntos");
    await multiplier.fill("20");
    await save(tab);
    await expect.poll(() => multiplier.getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => describedBy(multiplier)).toMatch(/too big/i);
    await visible(app.getByText("Corrige los campos señalados; no se guardó nada."));
    expect((await apiGet<{ tiers: any[] }>("/vip-tiers")).tiers.some((t) => t.translations.en.name === name)).toBe(false);

    await multiplier.fill("1.75");
    await save(tab);
    await visible(tab.admin.toasts.getByText("Guardado"));
    await visible(app.getByRole("heading", { name }));
    app = await tab.reload({ at: /^\/tiers\/(?!new$)[^/]+$/ });
    await expect.poll(() => app.getByLabel("Multiplicador de puntos").inputValue()).toBe("1.75");
    const tier = (await apiGet<{ tiers: any[] }>("/vip-tiers")).tiers.find((t) => t.translations.en.name === name);
    expect(tier).toMatchObject({ threshold, earn_multiplier: 1.75 });
  } finally {
    await tab.close();
  }
});

it("creates a campaign through its Spanish form; an end before the start is refused beside Termina", async () => {
  const name = `Fin de semana ${Date.now()}`;
  const tab = await dash.open("/campaigns/new", { locale: "es" });
  try {
    let app: Frame = tab.app;
    await visible(app.getByRole("heading", { name: "Nueva campaña" }));
    await app.getByLabel("Nombre (Inglés)").fill(name);
    await app.getByLabel("Empieza").fill("2031-05-01T09:00");
    const ends = app.getByLabel("Termina");
    await ends.fill("2031-04-30T09:00");
    await save(tab);
    await expect.poll(() => ends.getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => describedBy(ends)).toMatch(/must be after starts_at/);
    await visible(app.getByText("Corrige los campos señalados; no se guardó nada."));
    expect((await apiGet<{ campaigns: any[] }>("/campaigns")).campaigns.some((c) => c.translations.en.name === name)).toBe(false);

    await ends.fill("2031-05-04T09:00");
    await save(tab);
    await visible(app.getByRole("heading", { name }));
    app = await tab.reload({ at: /^\/campaigns\/(?!new$)[^/]+$/ });
    await expect.poll(() => app.getByLabel("Nombre (Inglés)").inputValue()).toBe(name);
    const campaign = (await apiGet<{ campaigns: any[] }>("/campaigns")).campaigns.find((c) => c.translations.en.name === name);
    expect(Date.parse(campaign.ends_at) - Date.parse(campaign.starts_at)).toBe(3 * 86_400_000);
  } finally {
    await tab.close();
  }
});

it("refuses a save over a newer version with the conflict banner (two tabs, the second stale), keeping the first one's change", async () => {
  const before = await apiGet<{ version: number; config: { purchase: number } }>("/points-program");
  const first = 100 + (before.config.purchase % 50) + 1;
  const second = first + 1;
  const [a, b] = [await dash.open("/program", { locale: "es" }), await dash.open("/program", { locale: "es" })];
  try {
    const rate = (tab: DashboardTab) => tab.app.getByLabel("Puntos por cada 1 de moneda gastado");
    await expect.poll(() => rate(a).inputValue()).toBe(String(before.config.purchase));
    await expect.poll(() => rate(b).inputValue()).toBe(String(before.config.purchase));

    await rate(a).fill(String(first));
    await save(a);
    await visible(a.admin.toasts.getByText("Guardado"));

    // The second tab still holds the version both read.
    await rate(b).fill(String(second));
    await save(b);
    // Said in Spanish, with what to do next (not the API's English message).
    await visible(b.app.getByText(/^No se guardó: alguien guardó una versión más reciente mientras editabas\. Tus cambios siguen aquí/));
    const after = await apiGet<{ version: number; config: { purchase: number } }>("/points-program");
    expect(after.version).toBe(before.version + 1);
    expect(after.config.purchase).toBe(first);
    // The merchant's input stays for them to compare; the save bar still offers to save it.
    await expect.poll(() => rate(b).inputValue()).toBe(String(second));
    await visible(b.admin.saveBar);
    await b.screenshot("forms-es-conflict");
  } finally {
    await a.close();
    await b.close();
  }
});
