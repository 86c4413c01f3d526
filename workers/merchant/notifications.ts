// Customer notifications: GET /v1/api/notifications/templates (every type's channels, wording
// per language and which is still the default, and its variables), PUT .../templates/:type
// (a new version; audited) and POST /v1/api/notifications/preview (renders saved or draft
// wording with sample values, nothing saved).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import {
  applyNotificationTypePatch,
  checkTemplate,
  DEFAULT_CHANNELS,
  isNotificationType,
  NOTIFICATION_CHANNELS,
  NOTIFICATION_TYPES,
  NotificationTypePatchSchema,
  renderNotification,
  sampleVars,
  smsSegments,
  TEMPLATE_FIELDS,
  TEMPLATE_LIMITS,
  TemplateError,
  typeSetup,
  TYPE_VARIABLES,
  VARIABLE_DESCRIPTIONS,
  type NotificationType,
  type TemplateSet,
} from "../../core/notification-templates";
import { STORE_LANGUAGES, type StoreLanguage } from "../../core/store-settings";
import {
  NotificationTemplatesConflict,
  notificationVersions,
  saveNotificationTypeChange,
  type NotificationTypeVersion,
} from "../../d1/notification-templates";
import { getProgram } from "../../d1/shops";
import { currentStoreSettings } from "../../d1/store-settings";
import { recordAudit } from "../http/api-log";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

const ChannelsSchema = z.object({ email: z.boolean(), sms: z.boolean(), whatsapp: z.boolean(), klaviyo: z.boolean() });
const TemplateViewSchema = z.object({
  subject: z.string(),
  body: z.string(),
  sms: z.string(),
  /** Which fields are still our default wording (the merchant has not rewritten them). */
  is_default: z.object({ subject: z.boolean(), body: z.boolean(), sms: z.boolean() }),
});
export const TypeViewSchema = z
  .object({
    type: z.enum(NOTIFICATION_TYPES),
    /** 0 until the merchant first changes this type. */
    version: z.number().int(),
    updated_at: z.string().nullable(),
    updated_by: z.string().nullable(),
    channels: ChannelsSchema,
    variables: z.array(z.object({ name: z.string(), description: z.string() })),
    templates: z.object({ en: TemplateViewSchema, es: TemplateViewSchema, fr: TemplateViewSchema, de: TemplateViewSchema }),
  })
  .openapi("NotificationType");

const Text = z.string().max(200).nullable().optional();
const Count = z.number().int().min(-1_000_000_000).max(1_000_000_000).optional();
/** Values a preview uses instead of the samples. */
const PreviewVarsSchema = z
  .object({
    shop_name: z.string().max(200).optional(),
    points_balance: Count,
    first_name: Text,
    points: Count.nullable(),
    reward_title: Text,
    discount_code: Text,
    tier_name: Text,
    previous_tier_name: Text,
    expiring_points: Count.nullable(),
    expires_at: z.string().datetime({ offset: true }).or(z.string().date()).nullable().optional(),
    referral_friend_name: Text,
    badge_name: Text,
    widget_url: z.string().url().max(2000).nullable().optional(),
  })
  .strict();
const DraftTemplateSchema = z
  .object({ subject: z.string().max(50_000).optional(), body: z.string().max(50_000).optional(), sms: z.string().max(50_000).optional() })
  .strict();

const RenderedSchema = z.object({ subject: z.string().optional(), html: z.string().optional(), text: z.string() });

export function typeView(version: NotificationTypeVersion) {
  const setup = typeSetup(version.type, version.edits);
  const templates = Object.fromEntries(
    STORE_LANGUAGES.map((language) => {
      const edited = version.edits.templates[language] ?? {};
      const isDefault = Object.fromEntries(TEMPLATE_FIELDS.map((field) => [field, edited[field] === undefined])) as Record<keyof TemplateSet, boolean>;
      return [language, { ...setup.templates[language], is_default: isDefault }];
    }),
  ) as Record<StoreLanguage, TemplateSet & { is_default: Record<keyof TemplateSet, boolean> }>;
  return {
    type: version.type,
    version: version.version,
    updated_at: version.created_at,
    updated_by: version.created_by,
    channels: setup.channels,
    variables: TYPE_VARIABLES[version.type].map((name) => ({ name, description: VARIABLE_DESCRIPTIONS[name] })),
    templates,
  };
}

function knownType(type: string): NotificationType {
  if (!isNotificationType(type)) throw new ApiError(400, "unknown_notification_type", `${type.slice(0, 60)} is not a notification type; the types are ${NOTIFICATION_TYPES.join(", ")}`);
  return type;
}

function refused(error: unknown): never {
  if (error instanceof TemplateError) throw new ApiError(400, error.code, error.message, undefined, error.field);
  if (error instanceof NotificationTemplatesConflict) throw new ApiError(409, "version_conflict", error.message);
  throw error;
}

export function registerNotificationRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/notifications/templates",
      summary: "Every notification type: its channels, its wording per language (which is still the default) and the variables it offers",
      responses: {
        200: {
          description: "Every type, with the shop's languages",
          content: {
            "application/json": {
              schema: okEnvelope({
                languages: z.array(z.enum(STORE_LANGUAGES)),
                default_language: z.enum(STORE_LANGUAGES),
                default_channels: ChannelsSchema,
                types: z.array(TypeViewSchema),
              }),
            },
          },
        },
        ...errorResponses(401, 403, 429),
      },
    }),
    async (c) => {
      const { shop } = c.get("session");
      const [versions, settings] = await Promise.all([notificationVersions(c.env, shop), currentStoreSettings(c.env, shop)]);
      return c.json(
        ok({ languages: settings.settings.languages, default_language: settings.settings.default_language, default_channels: DEFAULT_CHANNELS, types: versions.map(typeView) }),
        200,
      );
    },
  );

  merchant.openapi(
    createRoute({
      method: "put",
      path: "/notifications/templates/{type}",
      summary: "Change one type's channels and wording (a new version); send expected_version to refuse a stale edit",
      description:
        "Languages and fields left out keep their wording; a field set to null, or a language set to null, goes back to the default. " +
        "Templates may use only the type's variables ({{name}}, {{#name}}…{{/name}}, {{^name}}…{{/name}}); any other is refused, named. " +
        `Limits: subject ${TEMPLATE_LIMITS.subject}, body ${TEMPLATE_LIMITS.body}, sms ${TEMPLATE_LIMITS.sms} characters.`,
      request: {
        params: z.object({ type: z.string().max(100) }),
        query: z.object({ expected_version: z.coerce.number().int().min(0).optional() }),
        body: { required: true, content: { "application/json": { schema: NotificationTypePatchSchema } } },
      },
      responses: {
        200: { description: "Saved as the type's next version", content: { "application/json": { schema: okEnvelope({ notification: TypeViewSchema }) } } },
        ...errorResponses(400, 401, 403, 409, 429),
      },
    }),
    async (c) => {
      const { userId, shop } = c.get("session");
      const type = knownType(c.req.valid("param").type);
      const patch = c.req.valid("json");
      try {
        const { before, saved } = await saveNotificationTypeChange(c.env, shop, type, (current) => applyNotificationTypePatch(type, current, patch), {
          actor: userId ?? "unknown",
          expectedVersion: c.req.valid("query").expected_version,
        });
        recordAudit(c, { action: "notification_templates.update", subject: { type: "notification_type", id: type }, before: before.edits, after: saved.edits });
        return c.json(ok({ notification: typeView(saved) }), 200);
      } catch (error) {
        refused(error);
      }
    },
  );

  merchant.openapi(
    createRoute({
      method: "post",
      path: "/notifications/preview",
      summary: "Render one notification with sample values: the saved wording, or a draft sent along (nothing is saved)",
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({
                  type: z.string().max(100),
                  language: z.enum(STORE_LANGUAGES),
                  channel: z.enum(NOTIFICATION_CHANNELS),
                  /** Draft wording: each field given replaces the saved one. */
                  template: DraftTemplateSchema.optional(),
                  vars: PreviewVarsSchema.optional(),
                })
                .strict(),
            },
          },
        },
      },
      responses: {
        200: {
          description: "The rendered message; for SMS and WhatsApp, its encoding and parts",
          content: {
            "application/json": {
              schema: okEnvelope({
                type: z.enum(NOTIFICATION_TYPES),
                language: z.enum(STORE_LANGUAGES),
                channel: z.enum(NOTIFICATION_CHANNELS),
                /** Whether the shop offers this language (customers in others get the default language). */
                language_offered: z.boolean(),
                rendered: RenderedSchema,
                sms: z.object({ encoding: z.enum(["GSM-7", "UCS-2"]), units: z.number().int(), segments: z.number().int() }).nullable(),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { shop } = c.get("session");
      const input = c.req.valid("json");
      const type = knownType(input.type);
      if (input.channel === "klaviyo") {
        throw new ApiError(400, "no_template_for_channel", "klaviyo sends the event to the shop's own Klaviyo flows, which hold the wording: preview email, sms or whatsapp");
      }
      const [versions, settings, program] = await Promise.all([notificationVersions(c.env, shop), currentStoreSettings(c.env, shop), getProgram(c.env, shop)]);
      const saved = typeSetup(type, versions.find((v) => v.type === type)!.edits).templates[input.language];
      const template = { ...saved };
      try {
        for (const field of TEMPLATE_FIELDS) {
          const draft = input.template?.[field];
          if (draft !== undefined) template[field] = checkTemplate(type, field, draft, `template.${field}`);
        }
      } catch (error) {
        refused(error);
      }
      const shopName = settings.settings.store_name ?? shop.replace(/\.myshopify\.com$/, "");
      const vars = { ...sampleVars(shopName, shop, input.language), ...stripUndefined(input.vars ?? {}) };
      const rendered = renderNotification({ type, channel: input.channel, language: input.language, vars, template, currency: program.currency });
      return c.json(
        ok({
          type,
          language: input.language,
          channel: input.channel,
          language_offered: settings.settings.languages.includes(input.language),
          rendered,
          sms: input.channel === "email" ? null : smsSegments(rendered.text),
        }),
        200,
      );
    },
  );
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
