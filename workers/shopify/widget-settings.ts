// The shop's widget settings at Shopify: the app-data metafield on the app's installation that
// the theme app embed inlines (core/widget-settings.ts). Read first and written only when it
// differs, so a repeated job costs one query. The installation is the caller's own
// (`currentAppInstallation`): the access token's shop decides whose, never an id of ours.
import { serializeWidgetSettings, WIDGET_SETTINGS_METAFIELD, type PublishedWidgetSettings } from "../../core/widget-settings";
import { adminGraphql, type AdminGraphqlOptions } from "./admin-graphql";
import { failed, refuseOn, type PublishTierOutcome } from "./discount-function";
import type { ShopifyUserError } from "./discounts";

export type PublishWidgetSettingsOutcome = { kind: "published"; action: "set" | "unchanged" } | Exclude<PublishTierOutcome, { kind: "published" }>;

const INSTALLATION = `query LoyalNestInstallation {
  currentAppInstallation { id metafield(namespace: "${WIDGET_SETTINGS_METAFIELD.namespace}", key: "${WIDGET_SETTINGS_METAFIELD.key}") { value } }
}`;

const SET = `mutation SetLoyalNestWidgetSettings($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) { metafields { id } userErrors { field code message } }
}`;

export async function publishWidgetSettings(env: Env, shop: string, settings: PublishedWidgetSettings, options: AdminGraphqlOptions = {}): Promise<PublishWidgetSettingsOutcome> {
  const value = serializeWidgetSettings(settings);
  try {
    type Installation = { currentAppInstallation: { id: string; metafield: { value: string } | null } | null };
    const { data } = await adminGraphql<Installation>(env, shop, INSTALLATION, undefined, options);
    const installation = data.currentAppInstallation;
    if (!installation) throw new Error("Shopify answered currentAppInstallation with no installation");
    if (installation.metafield?.value === value) return { kind: "published", action: "unchanged" };
    type Payload = { metafields: { id: string }[] | null; userErrors: ShopifyUserError[] } | null;
    const metafield = { ownerId: installation.id, namespace: WIDGET_SETTINGS_METAFIELD.namespace, key: WIDGET_SETTINGS_METAFIELD.key, type: WIDGET_SETTINGS_METAFIELD.type, value };
    const { data: set } = await adminGraphql<{ metafieldsSet: Payload }>(env, shop, SET, { metafields: [metafield] }, options);
    refuseOn(set.metafieldsSet?.userErrors, "metafieldsSet", set.metafieldsSet?.metafields);
    return { kind: "published", action: "set" };
  } catch (error) {
    return failed(error);
  }
}
