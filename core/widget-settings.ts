// The shop's widget settings as the theme app embed inlines them (extensions/loyalnest-theme/
// blocks/app-embed.liquid: `app.metafields['$app'].widget_settings`), so the launcher paints in
// the shop's colours, font, position and label before any API call answers. The app publishes
// them as an app-data metafield on its AppInstallation (queues/jobs.ts publish_widget_settings)
// whenever the store settings change. Public by nature: every page of the shop carries them, so
// only what the widget config already shows every shopper goes in. widget/src/settings.ts
// mirrors the shape (the widget imports nothing from core).
import type { StoreSettings } from "./store-settings";
import type { Surfaces } from "./storefront-content";

export const WIDGET_SETTINGS_METAFIELD = { namespace: "$app", key: "widget_settings", type: "json" } as const;

export interface PublishedWidgetSettings {
  /** Bumped when the shape changes, so an old widget ignores what it cannot read. */
  version: 1;
  languages: StoreSettings["languages"];
  default_language: StoreSettings["default_language"];
  /** The launcher label in every language the merchant wrote one for. */
  branding: StoreSettings["branding"];
  surfaces: Surfaces;
}

export function publishedWidgetSettings(settings: StoreSettings): PublishedWidgetSettings {
  return {
    version: 1,
    languages: settings.languages,
    default_language: settings.default_language,
    branding: settings.branding,
    surfaces: settings.storefront.surfaces,
  };
}

/** The metafield's value: stable key order, so an unchanged publish is recognised as such. */
export const serializeWidgetSettings = (value: PublishedWidgetSettings): string => JSON.stringify(value);
