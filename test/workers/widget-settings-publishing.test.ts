// The widget settings the theme app embed inlines (core/widget-settings.ts): a save of the store
// settings publishes them, through the jobs queue, as the app-data metafield on the app's own
// installation at the Shopify emulator; an unchanged publish writes nothing; the consumer acks a
// shop it cannot publish to, parks what Shopify refuses and retries what Shopify cannot take;
// no shop's installation takes another's settings. Every test installs its own shop.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { publishedWidgetSettings, serializeWidgetSettings, WIDGET_SETTINGS_METAFIELD } from "../../core/widget-settings";
import { currentStoreSettings } from "../../d1/store-settings";
import { handleJobs, type JobMessage } from "../../queues/jobs";
import { adminGraphql } from "../../workers/shopify/admin-graphql";
import { publishWidgetSettings } from "../../workers/shopify/widget-settings";
import { eventually, install, merchantApi } from "../helpers/app";
import { emulatorRequests, graphqlCalls, injectFault, installedShop, listMetafields } from "../helpers/shopify-emulator";
import { uniqueShop } from "../helpers/shopify";

/** The shop's published widget settings (parsed), or null before any publish. */
async function published(shop: string): Promise<Record<string, any> | null> {
  const found = (await listMetafields(shop)).filter((m) => m.namespace === WIDGET_SETTINGS_METAFIELD.namespace && m.key === WIDGET_SETTINGS_METAFIELD.key);
  expect(found.length).toBeLessThanOrEqual(1);
  if (!found[0]) return null;
  expect(found[0].ownerId).toMatch(/^gid:\/\/shopify\/AppInstallation\/\d+$/);
  expect(found[0].type).toBe("json");
  return JSON.parse(found[0].value);
}

const setCalls = async (shop: string) => graphqlCalls(await emulatorRequests(shop)).filter((r) => r.operation === "metafieldsSet").length;

describe("publishing the widget settings", () => {
  it("a save of the store settings publishes the branding, every language's label and the surfaces", async () => {
    const shop = await installedShop("widget-pub");
    const patch = {
      branding: { primary_color: "#112233", accent_color: "#445566", launcher_position: "bottom-left", launcher_label: { en: "Perks", es: "Ventajas" }, font: "serif" },
      storefront: { surfaces: { sticky_bar: true, launcher: true } },
    };
    const saved = await merchantApi(shop, "PUT", "/settings", patch);
    expect(saved.status, await saved.clone().text()).toBe(200);

    const value = await eventually(() => published(shop), (v) => v?.branding?.primary_color === "#112233");
    const { settings } = await currentStoreSettings(env, shop);
    expect(value).toEqual(publishedWidgetSettings(settings));
    expect(value).toMatchObject({
      version: 1,
      branding: { primary_color: "#112233", accent_color: "#445566", launcher_position: "bottom-left", launcher_label: { en: "Perks", es: "Ventajas" }, font: "serif" },
      surfaces: { launcher: true, sticky_bar: true, email_popup: false },
    });
    // Nothing the config does not already show every shopper: no staff roles, no analytics keys.
    expect(Object.keys(value!).sort()).toEqual(["branding", "default_language", "languages", "surfaces", "version"]);

    // A label removed (null) is gone from what the embed inlines after the next save.
    expect((await merchantApi(shop, "PUT", "/settings", { branding: { launcher_label: { es: null } } })).status).toBe(200);
    const after = await eventually(() => published(shop), (v) => v?.branding?.launcher_label?.es === undefined);
    expect(after?.branding.launcher_label).toEqual({ en: "Perks" });
  });

  it("publishes again only what changed: the same settings read back and are not written twice", async () => {
    const shop = await installedShop("widget-same");
    const { settings } = await currentStoreSettings(env, shop);
    expect(await publishWidgetSettings(env, shop, publishedWidgetSettings(settings))).toEqual({ kind: "published", action: "set" });
    expect(await setCalls(shop)).toBe(1);
    expect(await publishWidgetSettings(env, shop, publishedWidgetSettings(settings))).toEqual({ kind: "published", action: "unchanged" });
    expect(await setCalls(shop)).toBe(1);
    expect(await published(shop)).toEqual(JSON.parse(serializeWidgetSettings(publishedWidgetSettings(settings))));
  });

  it("writes to the shop's own installation only: another shop's installation is refused", async () => {
    const [mine, theirs] = [await installedShop("widget-own"), await installedShop("widget-other")];
    const { settings } = await currentStoreSettings(env, theirs);
    expect((await publishWidgetSettings(env, theirs, publishedWidgetSettings(settings))).kind).toBe("published");
    const [theirMetafield] = (await listMetafields(theirs)).filter((m) => m.key === WIDGET_SETTINGS_METAFIELD.key);

    const { data } = await adminGraphql<{ metafieldsSet: { metafields: unknown; userErrors: { message: string }[] } }>(
      env,
      mine,
      `mutation Set($metafields: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $metafields) { metafields { id } userErrors { field code message } } }`,
      { metafields: [{ ownerId: theirMetafield!.ownerId, namespace: "$app", key: "widget_settings", type: "json", value: "{}" }] },
    );
    expect(data.metafieldsSet.userErrors).toEqual([expect.objectContaining({ message: "Owner does not exist" })]);
    expect(await published(theirs)).toEqual(publishedWidgetSettings(settings));
    expect(await published(mine)).toBeNull();
  });

  it("the consumer acks a shop it cannot publish to, parks a publish Shopify refuses, and retries one Shopify cannot take", async () => {
    const refusing = await installedShop("widget-refused");
    await injectFault(refusing, { mode: "user_error", operation: "metafieldsSet", times: 0 });
    const down = await installedShop("widget-down");
    await injectFault(down, { mode: "http_500", operation: "currentAppInstallation", times: 0 });
    const uninstalled = uniqueShop("widget-uninstalled");
    await install(uninstalled); // a shop row without an offline token
    const jobs: JobMessage[] = [
      { type: "publish_widget_settings", shop: uninstalled },
      { type: "publish_widget_settings", shop: refusing },
      { type: "publish_widget_settings", shop: down },
    ];
    const batch = createMessageBatch<JobMessage>("jobs", jobs.map((body, i) => ({ id: `w${i}`, timestamp: new Date(), attempts: 1, body })));
    const ctx = createExecutionContext();
    await handleJobs(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["w0", "w1"]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["w2"]);
    const parked = await env.DB.prepare(`SELECT status, reason FROM dead_letters WHERE queue = 'jobs' AND body LIKE ?`).bind(`%${refusing}%`).all();
    expect(parked.results).toEqual([{ status: "parked", reason: expect.stringContaining("publish_widget_settings") }]);
    for (const shop of [refusing, down]) expect(await published(shop)).toBeNull();
  });
});
