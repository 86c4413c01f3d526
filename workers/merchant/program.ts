// The merchant's program: read it in the seed's shape, change any part of it (each change a
// new version with who and when), and list the versions.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { applyProgramPatch, ProgramBrandingSchema, ProgramConfigSchema, ProgramPatchSchema, programView } from "../../core/program-api";
import type { ProgramSettings } from "../../core/program";
import { ProgramChangeError, programVersions, saveProgramChange } from "../../d1/program";
import { getProgram } from "../../d1/shops";
import type { StoreSettings } from "../../core/store-settings";
import { currentStoreSettings } from "../../d1/store-settings";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

const programFields = { version: z.number().int(), config: ProgramConfigSchema, branding: ProgramBrandingSchema };
const answer = <T extends z.ZodRawShape>(description: string, fields: T) => ({
  description,
  content: { "application/json": { schema: okEnvelope(fields) } },
});
/**
 * The default language lives in the store settings (PUT /v1/api/settings); the program shows
 * it and accepts it only unchanged, so a form that sends back what it read still saves.
 */
const shown = (program: ProgramSettings, settings: StoreSettings) => {
  const view = programView(program);
  return { version: program.version, ...view, config: { ...view.config, default_language: settings.default_language } };
};

export function registerProgramRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/points-program",
      summary: "The points program: earning rules and limits, tier policy, expiry, the points currency's name",
      responses: { 200: answer("The current version", programFields), ...errorResponses(401, 403, 429) },
    }),
    async (c) => {
      const { shop } = c.get("session");
      const [program, settings] = await Promise.all([getProgram(c.env, shop), currentStoreSettings(c.env, shop)]);
      return c.json(ok(shown(program, settings.settings)), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "put",
      path: "/points-program",
      summary: "Change any part of the program (a new version); send expected_version to refuse a stale edit",
      description:
        "Fields left out keep their values. Orders already paid keep the rules they earned under: a refund reverses the share of what the order earned, whatever the program says now.",
      request: {
        query: z.object({ expected_version: z.coerce.number().int().min(1).optional() }),
        body: { required: true, content: { "application/json": { schema: ProgramPatchSchema } } },
      },
      responses: { 200: answer("Saved as a new version", programFields), ...errorResponses(400, 401, 403, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const patch = c.req.valid("json");
      const { settings } = await currentStoreSettings(c.env, shop);
      const language = patch.config?.default_language;
      if (language !== undefined && language !== settings.default_language) {
        throw new ApiError(400, "default_language_moved", `config.default_language: set the default language with PUT /v1/api/settings (it is ${settings.default_language})`);
      }
      try {
        // The version the change was applied to (the last call wins when a race made it retry).
        let before: ProgramSettings | null = null;
        const program = await saveProgramChange(
          c.env,
          shop,
          (current) => {
            before = current;
            return applyProgramPatch(current, patch);
          },
          { actor: userId ?? "unknown", expectedVersion: c.req.valid("query").expected_version },
        );
        recordAudit(c, { action: "program.update", subject: { type: "program", id: null }, before: before && shown(before, settings), after: shown(program, settings) });
        return c.json(ok(shown(program, settings)), 200);
      } catch (error) {
        if (error instanceof ProgramChangeError) throw new ApiError(error.code === "version_conflict" ? 409 : 400, error.code, error.message);
        throw error;
      }
    },
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/points-program/versions",
      summary: "Every version of the program, newest first, with who saved it and when",
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          before: z.coerce.number().int().min(1).optional(),
        }),
      },
      responses: {
        200: answer("Versions", {
          versions: z.array(z.object({ version: z.number().int(), created_at: z.string(), created_by: z.string(), config: ProgramConfigSchema, branding: ProgramBrandingSchema })),
        }),
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { limit, before } = c.req.valid("query");
      const versions = await programVersions(c.env, c.get("session").shop, limit, before);
      return c.json(
        ok({ versions: versions.map((v) => ({ version: v.version, created_at: v.created_at, created_by: v.created_by, ...programView(v.settings) })) }),
        200,
      );
    },
  );
}
