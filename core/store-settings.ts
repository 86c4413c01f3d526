// Store settings (GET/PUT /v1/api/settings): the store's name, the languages the widget offers
// and its default, the widget's branding, the staff roles of a multi-user store, and the shop's
// own analytics (PostHog). Pure: the D1 module versions them, the merchant surface enforces the
// roles, the storefront reads them.
import { z } from "zod";
import { applyStorefrontContentPatch, DEFAULT_STOREFRONT_CONTENT, StorefrontContentPatchSchema, StorefrontContentSchema } from "./storefront-content";

/** Every language the widget has strings for (core/i18n.ts); a shop offers a subset. */
export const STORE_LANGUAGES = ["en", "es", "fr", "de"] as const;
export type StoreLanguage = (typeof STORE_LANGUAGES)[number];

export const STAFF_ROLES = ["owner", "manager", "viewer"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * What each role may do under /v1/api. `write`: any PUT, POST, PATCH or DELETE (program,
 * settings, rewards, tiers, campaigns, adjustments, integrations, notices, simulations);
 * `change_roles`: add, change or remove staff roles; `grant_owner`: make someone an owner or
 * take the role away (a manager could otherwise promote themselves). Every role reads.
 * A shop with no roles configured lets every staff member do everything.
 */
export const ROLE_PERMISSIONS: Record<StaffRole, { write: boolean; change_roles: boolean; grant_owner: boolean }> = {
  owner: { write: true, change_roles: true, grant_owner: true },
  manager: { write: true, change_roles: true, grant_owner: false },
  viewer: { write: false, change_roles: false, grant_owner: false },
};

/** Methods that change nothing: every role may send them. */
export const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The role of staff member `userId` (the session token's `sub`): null when the shop has no
 * roles configured (everyone may do everything); once some are, a member not listed (or a
 * token without `sub`) is a viewer until an owner or manager adds them.
 */
export function roleOf(roles: StaffRoles, userId: string | null): StaffRole | null {
  if (Object.keys(roles).length === 0) return null;
  return (userId !== null && roles[userId]) || "viewer";
}

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const Colour = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, "must be a colour written #rrggbb")
  .transform((value) => value.toLowerCase());
const Label = z.string().trim().min(1, "must not be empty").max(40).regex(NO_CONTROL, "must not contain control characters");
/** Shopify user ids, as the session token's `sub` carries them. */
const StaffUserId = z.string().regex(/^\d{1,20}$/, "staff members are keyed on the session token's sub (a Shopify user id: digits)");

export const LauncherLabelSchema = z
  .object({ en: Label.optional(), es: Label.optional(), fr: Label.optional(), de: Label.optional() })
  .strict();

/** Font stacks the widget offers; "theme" inherits the shop's own font through the shadow root. */
export const WIDGET_FONTS = ["theme", "system", "serif", "rounded", "monospace"] as const;
/**
 * The merchant's CSS for the widget, applied inside its shadow root (it cannot reach the theme,
 * nor the theme it). No `<`: it is written into a <style> element and must not end it.
 */
const CustomCss = z.string().max(10_000).refine((css) => !css.includes("<"), "must not contain <");

export const StoreBrandingSchema = z
  .object({
    /** The launcher and the panel's header. */
    primary_color: Colour,
    /** Buttons, links and focus rings inside the panel. */
    accent_color: Colour,
    launcher_position: z.enum(["bottom-right", "bottom-left"]),
    /** The launcher's text per language; a language left out shows the widget's own ("Rewards"). */
    launcher_label: LauncherLabelSchema,
    /** Versions saved before fonts existed read as the theme's. */
    font: z.enum(WIDGET_FONTS).default("theme"),
    custom_css: CustomCss.default(""),
  })
  .strict();
export type StoreBranding = z.infer<typeof StoreBrandingSchema>;

export const StaffRolesSchema = z.record(StaffUserId, z.enum(STAFF_ROLES));

/** PostHog's cloud ingestion hosts (US and EU). */
export const POSTHOG_HOSTS = ["https://us.i.posthog.com", "https://eu.i.posthog.com"] as const;
/**
 * A PostHog project API key: public by design (every visitor's browser gets it), so kept in the
 * settings in clear. A personal API key (phx_) is a secret that would be public in the widget.
 */
const PosthogProjectKey = z
  .string()
  .trim()
  .refine((key) => !key.startsWith("phx_"), "a personal API key (phx_…) is secret and would be public in the widget: give the project API key (phc_…)")
  .pipe(z.string().regex(/^phc_[A-Za-z0-9]{20,80}$/, "must be a PostHog project API key (phc_ followed by letters and digits)"));

export const AnalyticsSettingsSchema = z
  .object({
    /** Off by default: nothing goes to PostHog, server-side or from the widget, until the shop turns it on. */
    posthog_enabled: z.boolean(),
    posthog_project_api_key: PosthogProjectKey.nullable(),
    posthog_host: z.enum(POSTHOG_HOSTS),
  })
  .strict();
export type AnalyticsSettings = z.infer<typeof AnalyticsSettingsSchema>;

export const DEFAULT_ANALYTICS: AnalyticsSettings = { posthog_enabled: false, posthog_project_api_key: null, posthog_host: "https://us.i.posthog.com" };
export type StaffRoles = Record<string, StaffRole>;

/**
 * The Home screen's setup guide (dashboard/src/screens/home.tsx): the steps a merchant has marked
 * done, and whether they put the guide away. Kept with the settings so it resumes on any device.
 */
export const SETUP_STEPS = ["widget", "points", "rewards", "referrals", "branding", "staff"] as const;
export const SetupProgressSchema = z
  .object({ completed: z.array(z.enum(SETUP_STEPS)).max(SETUP_STEPS.length), dismissed: z.boolean() })
  .strict();
export type SetupProgress = z.infer<typeof SetupProgressSchema>;
export const DEFAULT_SETUP: SetupProgress = { completed: [], dismissed: false };

export const StoreSettingsSchema = z
  .object({
    store_name: z.string().trim().min(1).max(100).regex(NO_CONTROL, "must not contain control characters").nullable(),
    languages: z.array(z.enum(STORE_LANGUAGES)).min(1, "offer at least one language"),
    default_language: z.enum(STORE_LANGUAGES),
    branding: StoreBrandingSchema,
    staff_roles: StaffRolesSchema,
    /** Versions saved before analytics existed read as off. */
    analytics: AnalyticsSettingsSchema.default(DEFAULT_ANALYTICS),
    /** The storefront's surfaces and the merchant's copy (core/storefront-content.ts). */
    storefront: StorefrontContentSchema.default(DEFAULT_STOREFRONT_CONTENT),
    /** Versions saved before the setup guide existed read as nothing done. */
    setup: SetupProgressSchema.default(DEFAULT_SETUP),
  })
  .strict();
export type StoreSettings = z.infer<typeof StoreSettingsSchema>;

export const MAX_STAFF_ROLES = 200;

export const DEFAULT_BRANDING: StoreBranding = {
  primary_color: "#1d6b52",
  accent_color: "#1d6b52",
  launcher_position: "bottom-right",
  launcher_label: {},
  font: "theme",
  custom_css: "",
};

/**
 * A shop that never saved settings: every language offered, the program's default language
 * (where shops chose one before settings existed), the widget's own look, no roles.
 */
export function defaultStoreSettings(programDefaultLanguage: string): StoreSettings {
  const language = STORE_LANGUAGES.find((l) => l === programDefaultLanguage.toLowerCase().split(/[-_]/)[0]) ?? "en";
  return { store_name: null, languages: [...STORE_LANGUAGES], default_language: language, branding: DEFAULT_BRANDING, staff_roles: {}, analytics: DEFAULT_ANALYTICS, storefront: DEFAULT_STOREFRONT_CONTENT, setup: DEFAULT_SETUP };
}

/** A PUT: any part; what it leaves out keeps its value. A role set to null is removed. */
export const StoreSettingsPatchSchema = z
  .object({
    store_name: StoreSettingsSchema.shape.store_name.optional(),
    languages: StoreSettingsSchema.shape.languages.optional(),
    default_language: StoreSettingsSchema.shape.default_language.optional(),
    branding: z
      .object({
        primary_color: Colour.optional(),
        accent_color: Colour.optional(),
        launcher_position: StoreBrandingSchema.shape.launcher_position.optional(),
        /** Merged per language; null removes that language's label. */
        launcher_label: z
          .object({ en: Label.nullable().optional(), es: Label.nullable().optional(), fr: Label.nullable().optional(), de: Label.nullable().optional() })
          .strict()
          .optional(),
        font: z.enum(WIDGET_FONTS).optional(),
        custom_css: CustomCss.optional(),
      })
      .strict()
      .optional(),
    storefront: StorefrontContentPatchSchema.optional(),
    /** The setup guide: `completed` replaces the list (each step once). */
    setup: z
      .object({ completed: z.array(z.enum(SETUP_STEPS)).max(SETUP_STEPS.length).optional(), dismissed: z.boolean().optional() })
      .strict()
      .optional(),
    /** Merged per staff member; null removes their role. */
    staff_roles: z.record(StaffUserId, z.enum(STAFF_ROLES).nullable()).optional(),
    analytics: z
      .object({
        posthog_enabled: z.boolean().optional(),
        /** null forgets the key (and needs posthog_enabled false). */
        posthog_project_api_key: PosthogProjectKey.nullable().optional(),
        posthog_host: z.enum(POSTHOG_HOSTS).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type StoreSettingsPatch = z.infer<typeof StoreSettingsPatchSchema>;

/** A change refused; `field` is what the message names, `status` the answer (400 or 403). */
export class StoreSettingsError extends Error {
  constructor(
    readonly status: 400 | 403,
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * `current` with `patch` applied by staff member `actor`, checked whole: the default language
 * must be offered, and roles change only as the actor's role allows, never leaving a store with
 * roles but no owner. Throws StoreSettingsError; returns the next settings otherwise.
 */
export function applyStoreSettingsPatch(current: StoreSettings, patch: StoreSettingsPatch, actor: string | null): StoreSettings {
  const labels: Record<string, string | null | undefined> = { ...current.branding.launcher_label, ...patch.branding?.launcher_label };
  const next: StoreSettings = {
    store_name: patch.store_name !== undefined ? patch.store_name : current.store_name,
    languages: patch.languages ? STORE_LANGUAGES.filter((l) => patch.languages!.includes(l)) : current.languages,
    default_language: patch.default_language ?? current.default_language,
    branding: {
      primary_color: patch.branding?.primary_color ?? current.branding.primary_color,
      accent_color: patch.branding?.accent_color ?? current.branding.accent_color,
      launcher_position: patch.branding?.launcher_position ?? current.branding.launcher_position,
      launcher_label: Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === "string")),
      font: patch.branding?.font ?? current.branding.font,
      custom_css: patch.branding?.custom_css ?? current.branding.custom_css,
    },
    staff_roles: current.staff_roles,
    analytics: { ...current.analytics, ...definedOnly(patch.analytics ?? {}) },
    storefront: applyStorefrontContentPatch(current.storefront, patch.storefront),
    setup: {
      completed: patch.setup?.completed ? SETUP_STEPS.filter((step) => patch.setup!.completed!.includes(step)) : current.setup.completed,
      dismissed: patch.setup?.dismissed ?? current.setup.dismissed,
    },
  };
  if (patch.setup?.completed && new Set(patch.setup.completed).size !== patch.setup.completed.length) {
    throw new StoreSettingsError(400, "invalid_setup", "setup.completed", "a step is listed twice");
  }
  if (next.analytics.posthog_enabled && next.analytics.posthog_project_api_key === null) {
    throw new StoreSettingsError(400, "posthog_key_required", "analytics.posthog_project_api_key", "PostHog can only be turned on with the project API key (phc_…)");
  }
  if (patch.languages && new Set(patch.languages).size !== patch.languages.length) {
    throw new StoreSettingsError(400, "invalid_languages", "languages", "a language is listed twice");
  }
  if (!next.languages.includes(next.default_language)) {
    throw new StoreSettingsError(
      400,
      "default_language_not_offered",
      "default_language",
      `${next.default_language} is not among the languages offered (${next.languages.join(", ")})`,
    );
  }
  if (patch.staff_roles && Object.keys(patch.staff_roles).length > 0) next.staff_roles = changeRoles(current.staff_roles, patch.staff_roles, actor);
  return next;
}

/** The fields a patch sets (undefined: left out; null is a value). */
function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter((entry) => entry[1] !== undefined)) as Partial<T>;
}

function changeRoles(current: StaffRoles, changes: Record<string, StaffRole | null>, actor: string | null): StaffRoles {
  const actorRole = roleOf(current, actor);
  // With no roles yet, whoever sets the first ones acts as an owner (everyone may do everything).
  const may = actorRole === null ? ROLE_PERMISSIONS.owner : ROLE_PERMISSIONS[actorRole];
  if (!may.change_roles) throw new StoreSettingsError(403, "role_not_allowed", "staff_roles", `the ${actorRole} role may not change staff roles`);
  const next: StaffRoles = { ...current };
  for (const [userId, role] of Object.entries(changes)) {
    const touchesOwner = current[userId] === "owner" || role === "owner";
    if (touchesOwner && current[userId] !== role && !may.grant_owner) {
      throw new StoreSettingsError(403, "role_not_allowed", `staff_roles.${userId}`, `only an owner may grant or take away the owner role (you are ${actorRole})`);
    }
    if (role === null) delete next[userId];
    else next[userId] = role;
  }
  if (Object.keys(next).length > MAX_STAFF_ROLES) {
    throw new StoreSettingsError(400, "too_many_staff_roles", "staff_roles", `at most ${MAX_STAFF_ROLES} staff members`);
  }
  if (!Object.values(next).includes("owner")) {
    const hadOwner = Object.values(current).includes("owner");
    throw new StoreSettingsError(
      400,
      hadOwner ? "last_owner" : "owner_required",
      "staff_roles",
      hadOwner ? "the last owner cannot be removed or demoted: make someone else an owner first" : "staff roles need at least one owner",
    );
  }
  return next;
}

/** The language the widget speaks: the shopper's when the shop offers it, else the shop's default. */
export function shopperLanguage(settings: Pick<StoreSettings, "languages" | "default_language">, requested: string | null | undefined): StoreLanguage {
  const base = requested?.toLowerCase().split(/[-_]/)[0];
  return settings.languages.find((l) => l === base) ?? settings.default_language;
}

/** What the storefront's widget config carries: the branding with the label in `language`. */
export function storefrontBranding(settings: StoreSettings, language: StoreLanguage) {
  const { launcher_label, ...rest } = settings.branding;
  return { ...rest, launcher_label: launcher_label[language] ?? null };
}

/** The language a message to a customer is written in: the widget's rule (theirs when offered, else the shop's default). */
export const pickLanguage = shopperLanguage;
