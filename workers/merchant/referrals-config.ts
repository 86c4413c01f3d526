// The referral program's settings for the merchant: GET/PUT /v1/api/referrals/config. The config
// lives in the versioned program (a PUT saves a new program version, as /points-program does);
// the completion messages are the referral_completed notification type (saved through the
// notification templates, as PUT /v1/api/notifications/templates/referral_completed does).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { NotificationTypePatchSchema, TemplateError, applyNotificationTypePatch, type NotificationTypePatch } from "../../core/notification-templates";
import { ReferralConfigSchema, type ReferralConfig } from "../../core/referral-config";
import { ReferralConfigPatchSchema, applyReferralConfigPatch, checkReferralConfig, type ReferralConfigPatch } from "../../core/referral-config-patch";
import { notificationVersions, saveNotificationTypeChange, type NotificationTypeVersion } from "../../d1/notification-templates";
import { ProgramChangeError, saveProgramChange } from "../../d1/program";
import { getProgram } from "../../d1/shops";
import { recordAudit } from "../http/api-log";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { TypeViewSchema, typeView } from "./notifications";

const TEMPLATE_TYPE = "referral_completed";

const answer = (description: string) => ({
  description,
  content: { "application/json": { schema: okEnvelope({ config: ReferralConfigSchema, templates: TypeViewSchema }) } },
});

async function completionTemplates(env: Env, shop: string): Promise<NotificationTypeVersion> {
  return (await notificationVersions(env, shop)).find((v) => v.type === TEMPLATE_TYPE)!;
}

/** The merged config, or 400 `invalid_referral_config` naming the field (`config.fraud.reject_at`). */
function checkedConfig(current: ReferralConfig, patch: ReferralConfigPatch): ReferralConfig {
  const checked = checkReferralConfig(applyReferralConfigPatch(current, patch));
  if (!checked.ok) throw new ApiError(400, "invalid_referral_config", `config${checked.path ? `.${checked.path}` : ""}: ${checked.message}`);
  return checked.config;
}

/** The templates patch applied to `current`, or 400 with the template module's code, at its place in this body (`templates.templates.fr.subject`). */
function checkedTemplates(current: NotificationTypeVersion, patch: NotificationTypePatch) {
  try {
    return applyNotificationTypePatch(TEMPLATE_TYPE, current.edits, patch);
  } catch (error) {
    if (error instanceof TemplateError) throw new ApiError(400, error.code, `templates.${error.message}`);
    throw error;
  }
}

export function registerReferralConfigRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/referrals/config",
      summary: "The referral program: rewards, completion, expiry, fraud thresholds, share channels, copy per language, and the completion message templates",
      responses: { 200: answer("The current referral program and its referral_completed templates"), ...errorResponses(401, 403, 429) },
    }),
    async (c) => {
      const { shop } = c.get("session");
      const [program, templates] = await Promise.all([getProgram(c.env, shop), completionTemplates(c.env, shop)]);
      return c.json(ok({ config: program.referral, templates: typeView(templates) }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "put",
      path: "/referrals/config",
      summary: "Change any part of the referral program (a new program version) and its completion templates",
      description:
        "`config`: any field of the referral config; `fraud` and `channels` may be partial, a reward is replaced whole, and each language of " +
        "`translations` replaces that language's copy (null removes it). `templates`: the body of PUT /v1/api/notifications/templates/referral_completed. " +
        "Both are checked before either is saved: a bad field answers 400 naming it, and nothing is saved.",
      request: {
        body: {
          required: true,
          content: { "application/json": { schema: z.object({ config: ReferralConfigPatchSchema.optional(), templates: NotificationTypePatchSchema.optional() }).strict() } },
        },
      },
      responses: { 200: answer("Saved; answered as GET"), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const actor = userId ?? "unknown";
      const { config: configPatch, templates: templatesPatch } = c.req.valid("json");
      if (configPatch === undefined && templatesPatch === undefined) throw new ApiError(400, "empty_change", "send config, templates or both");

      // Both checked first. The templates' check depends only on the patch (its texts and that it
      // changes something), so once the program is saved their save cannot be refused.
      const [program, currentTemplates] = await Promise.all([getProgram(c.env, shop), completionTemplates(c.env, shop)]);
      if (configPatch) checkedConfig(program.referral, configPatch);
      if (templatesPatch) checkedTemplates(currentTemplates, templatesPatch);

      let config = program.referral;
      if (configPatch) {
        let before: ReferralConfig | null = null;
        try {
          // Applied to the newest version (read past the cache) and checked again as a whole.
          const saved = await saveProgramChange(
            c.env,
            shop,
            (current) => {
              before = current.referral;
              return { ...current, referral: checkedConfig(current.referral, configPatch) };
            },
            { actor },
          );
          config = saved.referral;
        } catch (error) {
          if (error instanceof ProgramChangeError) throw new ApiError(400, error.code, error.message);
          throw error;
        }
        recordAudit(c, { action: "referral_config.update", subject: { type: "referral_config", id: null }, before, after: config });
      }

      let templates = currentTemplates;
      if (templatesPatch) {
        const { before, saved } = await saveNotificationTypeChange(c.env, shop, TEMPLATE_TYPE, (current) => applyNotificationTypePatch(TEMPLATE_TYPE, current, templatesPatch), { actor });
        recordAudit(c, { action: "notification_templates.update", subject: { type: "notification_type", id: TEMPLATE_TYPE }, before: before.edits, after: saved.edits });
        templates = saved;
      }
      return c.json(ok({ config, templates: typeView(templates) }), 200);
    },
  );
}
