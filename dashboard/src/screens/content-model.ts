// The on-site content form: the store settings' launcher look (`branding`) and storefront part
// (`storefront`: surfaces, popup frequency, the merchant's copy per language), as GET/PUT
// /v1/api/settings give and take them (core/store-settings.ts, core/storefront-content.ts), and
// the widget config the preview draws with the unsaved values.
import type { WidgetConfig } from "../../../widget/src/api";
import { brandingContrastWarnings, type ContrastWarning } from "../../../core/contrast";

export const WIDGET_LANGUAGES = ["en", "es", "fr", "de"] as const;
export type WidgetLanguage = (typeof WIDGET_LANGUAGES)[number];
export const SURFACES = ["launcher", "product_points", "post_purchase", "email_popup", "exit_popup", "sticky_bar", "loyalty_page"] as const;
export type Surface = (typeof SURFACES)[number];
export const COPY_FIELDS = [
  "sticky_bar",
  "email_popup_title",
  "email_popup_body",
  "exit_popup_title",
  "exit_popup_body",
  "post_purchase_title",
  "loyalty_page_title",
  "loyalty_page_intro",
  "loyalty_page_description",
] as const;
export type CopyField = (typeof COPY_FIELDS)[number];
/** core/storefront-content.ts's limits, shown as the fields' maximum lengths. */
export const COPY_LIMITS: Record<CopyField, number> = {
  sticky_bar: 140,
  email_popup_title: 80,
  email_popup_body: 300,
  exit_popup_title: 80,
  exit_popup_body: 300,
  post_purchase_title: 80,
  loyalty_page_title: 80,
  loyalty_page_intro: 1000,
  loyalty_page_description: 160,
};
export const FONTS = ["theme", "system", "serif", "rounded", "monospace"] as const;

export interface Branding {
  primary_color: string;
  accent_color: string;
  launcher_position: "bottom-right" | "bottom-left";
  launcher_label: Partial<Record<WidgetLanguage, string>>;
  font: (typeof FONTS)[number];
  custom_css: string;
}

export interface StorefrontContent {
  surfaces: Record<Surface, boolean>;
  popup_every_days: number;
  copy: Partial<Record<WidgetLanguage, Partial<Record<CopyField, string>>>>;
}

/** GET/PUT /v1/api/settings: the parts this screen reads. */
export interface SettingsAnswer {
  version: number;
  languages: WidgetLanguage[];
  default_language: WidgetLanguage;
  branding: Branding;
  storefront: StorefrontContent;
  warnings: ContrastWarning[];
  you: { permissions: { write: boolean } };
}

/** What the form edits: text fields as typed (an empty one is the widget's own wording). */
export interface ContentValues {
  primary_color: string;
  accent_color: string;
  launcher_position: Branding["launcher_position"];
  font: Branding["font"];
  custom_css: string;
  /** `${language}` → label; "" for the widget's own. */
  launcher_label: Record<WidgetLanguage, string>;
  surfaces: Record<Surface, boolean>;
  /** As typed, so a bad number reaches the API and comes back with its message. */
  popup_every_days: string;
  copy: Record<WidgetLanguage, Record<CopyField, string>>;
}

const byLanguage = <T>(make: (language: WidgetLanguage) => T) => Object.fromEntries(WIDGET_LANGUAGES.map((l) => [l, make(l)])) as Record<WidgetLanguage, T>;

export function formValues(settings: Pick<SettingsAnswer, "branding" | "storefront">): ContentValues {
  const { branding, storefront } = settings;
  return {
    primary_color: branding.primary_color,
    accent_color: branding.accent_color,
    launcher_position: branding.launcher_position,
    font: branding.font,
    custom_css: branding.custom_css,
    launcher_label: byLanguage((l) => branding.launcher_label[l] ?? ""),
    surfaces: { ...storefront.surfaces },
    popup_every_days: String(storefront.popup_every_days),
    copy: byLanguage((l) => Object.fromEntries(COPY_FIELDS.map((f) => [f, storefront.copy[l]?.[f] ?? ""])) as Record<CopyField, string>),
  };
}

/** A colour the widget can draw: the unsaved one while it is well formed, else the saved one. */
const COLOUR = /^#[0-9a-fA-F]{6}$/;
export const drawable = (value: string, saved: string) => (COLOUR.test(value) ? value.toLowerCase() : saved);

const orNull = (text: string) => (text.trim() === "" ? null : text);

/**
 * The PUT body: the whole launcher look and storefront part, an emptied text as null (the API then
 * forgets it, and the widget shows its own wording). A number the merchant mistyped goes as typed:
 * the API names what is wrong with it.
 */
export function settingsPatch(values: ContentValues) {
  const days = values.popup_every_days.trim();
  return {
    branding: {
      primary_color: values.primary_color,
      accent_color: values.accent_color,
      launcher_position: values.launcher_position,
      font: values.font,
      custom_css: values.custom_css,
      launcher_label: byLanguage((l) => orNull(values.launcher_label[l])),
    },
    storefront: {
      surfaces: values.surfaces,
      popup_every_days: /^\d+$/.test(days) ? Number(days) : days,
      copy: byLanguage((l) => Object.fromEntries(COPY_FIELDS.map((f) => [f, orNull(values.copy[l][f])]))),
    },
  };
}

/** The storefront's config with the unsaved values laid over it, in the config's language. */
export function previewConfig(served: WidgetConfig, values: ContentValues, saved: Pick<SettingsAnswer, "branding">): WidgetConfig {
  const language = served.language as WidgetLanguage;
  const copy = Object.fromEntries(COPY_FIELDS.flatMap((f) => (values.copy[language]?.[f]?.trim() ? [[f, values.copy[language][f]]] : [])));
  const days = Number(values.popup_every_days);
  return {
    ...served,
    branding: {
      primary_color: drawable(values.primary_color, saved.branding.primary_color),
      accent_color: drawable(values.accent_color, saved.branding.accent_color),
      launcher_position: values.launcher_position,
      launcher_label: values.launcher_label[language]?.trim() || null,
      font: values.font,
      custom_css: values.custom_css.includes("<") ? "" : values.custom_css,
    },
    storefront: {
      surfaces: values.surfaces,
      popup_every_days: Number.isInteger(days) && days >= 1 ? days : 30,
      copy,
    },
  };
}

/**
 * The contrast warnings for the colours on screen: the API's for the saved ones, the same rule
 * (core/contrast.ts, which the API applies) for unsaved ones while they are well formed.
 */
export function contrastWarnings(values: ContentValues, saved: SettingsAnswer): ContrastWarning[] {
  if (values.primary_color === saved.branding.primary_color && values.accent_color === saved.branding.accent_color) return saved.warnings;
  if (!COLOUR.test(values.primary_color) || !COLOUR.test(values.accent_color)) return [];
  return brandingContrastWarnings({ primary_color: values.primary_color.toLowerCase(), accent_color: values.accent_color.toLowerCase() });
}
