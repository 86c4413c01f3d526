// What the shop shows on its storefront besides the rewards panel: which surfaces are on, and the
// merchant's own copy for them in each language (part of the store settings, GET/PUT
// /v1/api/settings `storefront`). A language's copy left out shows the widget's own strings
// (core/i18n.ts), so a shop that writes nothing still has every surface in every language.
import { z } from "zod";

/** The storefront's surfaces, each switchable by the merchant. */
export const SURFACES = ["launcher", "product_points", "post_purchase", "email_popup", "exit_popup", "sticky_bar", "loyalty_page"] as const;
export type Surface = (typeof SURFACES)[number];

const NO_CONTROL = /^[^\u0000-\u0008\u000b-\u001f\u007f]*$/;
const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max).regex(NO_CONTROL, "must not contain control characters");

/** The merchant's copy, per language: every field optional (the widget's own string otherwise). */
export const StorefrontCopySchema = z
  .object({
    sticky_bar: text(140).optional(),
    email_popup_title: text(80).optional(),
    email_popup_body: text(300).optional(),
    exit_popup_title: text(80).optional(),
    exit_popup_body: text(300).optional(),
    post_purchase_title: text(80).optional(),
    loyalty_page_title: text(80).optional(),
    loyalty_page_intro: text(1000).optional(),
    /** The loyalty page's meta description (search engines show ~155 characters). */
    loyalty_page_description: text(160).optional(),
  })
  .strict();
export type StorefrontCopy = z.infer<typeof StorefrontCopySchema>;
export const COPY_FIELDS = Object.keys(StorefrontCopySchema.shape) as (keyof StorefrontCopy)[];

export const SurfacesSchema = z.object(Object.fromEntries(SURFACES.map((s) => [s, z.boolean()])) as Record<Surface, z.ZodBoolean>).strict();
export type Surfaces = z.infer<typeof SurfacesSchema>;

export const StorefrontContentSchema = z
  .object({
    surfaces: SurfacesSchema,
    /** A popup a shopper closed (or answered) stays away from that browser this many days. */
    popup_every_days: z.number().int().min(1).max(365),
    copy: z.object({ en: StorefrontCopySchema.optional(), es: StorefrontCopySchema.optional(), fr: StorefrontCopySchema.optional(), de: StorefrontCopySchema.optional() }).strict(),
  })
  .strict();
export type StorefrontContent = z.infer<typeof StorefrontContentSchema>;

/** Popups and the sticky bar interrupt the shop: off until the merchant turns them on. */
export const DEFAULT_STOREFRONT_CONTENT: StorefrontContent = {
  surfaces: { launcher: true, product_points: true, post_purchase: true, email_popup: false, exit_popup: false, sticky_bar: false, loyalty_page: true },
  popup_every_days: 30,
  copy: {},
};

/** A PUT's `storefront`: surfaces merged one by one; copy merged per language and field, null removing a field. */
export const StorefrontContentPatchSchema = z
  .object({
    surfaces: SurfacesSchema.partial().optional(),
    popup_every_days: StorefrontContentSchema.shape.popup_every_days.optional(),
    copy: z
      .object(
        Object.fromEntries(
          (["en", "es", "fr", "de"] as const).map((language) => [
            language,
            z
              .object(Object.fromEntries(COPY_FIELDS.map((field) => [field, StorefrontCopySchema.shape[field].unwrap().nullable().optional()])))
              .strict()
              .optional(),
          ]),
        ),
      )
      .strict()
      .optional(),
  })
  .strict();
export type StorefrontContentPatch = z.infer<typeof StorefrontContentPatchSchema>;

export function applyStorefrontContentPatch(current: StorefrontContent, patch: StorefrontContentPatch | undefined): StorefrontContent {
  if (!patch) return current;
  const copy: StorefrontContent["copy"] = { ...current.copy };
  for (const [language, fields] of Object.entries(patch.copy ?? {}) as [keyof StorefrontContent["copy"], Record<string, string | null | undefined> | undefined][]) {
    if (!fields) continue;
    const merged: Record<string, string | null | undefined> = { ...copy[language], ...fields };
    const kept = Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
    if (Object.keys(kept).length > 0) copy[language] = kept;
    else delete copy[language];
  }
  return {
    surfaces: { ...current.surfaces, ...(patch.surfaces ?? {}) },
    popup_every_days: patch.popup_every_days ?? current.popup_every_days,
    copy,
  };
}

/** What the widget config carries: the surfaces, and the merchant's copy in `language` (fields left out: the widget's own). */
export function storefrontContentFor(content: StorefrontContent, language: "en" | "es" | "fr" | "de") {
  return { surfaces: content.surfaces, popup_every_days: content.popup_every_days, copy: content.copy[language] ?? {} };
}
