// The shop's integrations: its review provider (the secret its webhooks are signed with, stored
// sealed, and the address to give the provider for them), and its messaging providers
// (d1/integrations.ts: settings, sealed secrets, connectivity checks through the jobs queue).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { INTEGRATION_STATUSES, IntegrationInputSchemas, MESSAGING_PROVIDERS, SECRET_FIELDS, type IntegrationInput, type MessagingProvider } from "../../core/integrations";
import { log } from "../../core/log";
import {
  deleteIntegration,
  IntegrationInputError,
  integrationView,
  integrationViews,
  markCheckRequested,
  saveIntegration,
  type IntegrationView,
} from "../../d1/integrations";
import { REVIEW_PROVIDERS, reviewIntegrationProvider, saveReviewIntegration } from "../../d1/review-integrations";
import { currentStoreSettings } from "../../d1/store-settings";
import { sendJobs } from "../../queues/jobs";
import { recordAudit } from "../http/api-log";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

export function registerIntegrationRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "put",
      path: "/integrations/reviews",
      summary: "Connect the shop's review provider (Judge.me): its webhook secret",
      description:
        "Judge.me signs webhooks with the secret of whatever created them: the OAuth app's client secret, or the shop's private API token. " +
        "Register `webhook_url` in Judge.me for review/created and review/updated.",
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z.object({ provider: z.enum(REVIEW_PROVIDERS), secret: z.string().min(8).max(512) }).strict(),
            },
          },
        },
      },
      responses: {
        200: {
          description: "Saved (the secret is never answered back)",
          content: { "application/json": { schema: okEnvelope({ provider: z.enum(REVIEW_PROVIDERS), webhook_url: z.string(), updated_at: z.string() }) } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const before = await reviewIntegrationProvider(c.env, shop);
      const saved = await saveReviewIntegration(c.env, shop, c.req.valid("json"), userId ?? "unknown");
      // The secret itself is never audited: only that one is set (core/logs.ts maskSecrets).
      recordAudit(c, {
        action: "integration.update",
        subject: { type: "integration", id: "reviews" },
        before: before && { provider: before, secret: "[set]" },
        after: { provider: saved.provider, secret: "[set]" },
      });
      const webhookUrl = `${new URL(c.req.url).origin}/v1/api/integrations/${saved.provider}/webhook?shop=${encodeURIComponent(shop)}`;
      return c.json(ok({ provider: saved.provider, webhook_url: webhookUrl, updated_at: saved.updated_at }), 200);
    },
  );

  registerProviderRoutes(merchant);
}

// --- Messaging providers (SendGrid, Twilio, Postscript, Klaviyo) -----------------------------

const ProviderParam = z.object({ provider: z.enum(MESSAGING_PROVIDERS) });
const ErrorFields = z.object({ code: z.string(), message: z.string() });

const IntegrationSchema = z
  .object({
    provider: z.enum(MESSAGING_PROVIDERS),
    enabled: z.boolean(),
    status: z.enum(INTEGRATION_STATUSES),
    checked_at: z.string().nullable(),
    failing_since: z.string().nullable(),
    last_error: ErrorFields.nullable(),
    settings: z.record(z.string(), z.string().nullable()),
    secrets_set: z.array(z.string()),
    revision: z.number().int(),
    check_requested_at: z.string().nullable(),
    updated_by: z.string(),
    updated_at: z.string(),
  })
  .openapi("Integration");

const SummarySchema = z
  .object({
    provider: z.enum([...MESSAGING_PROVIDERS, "reviews", "posthog"]),
    configured: z.boolean(),
    enabled: z.boolean(),
    /** reviews and posthog have no connectivity check of their own here: always "unchecked". */
    status: z.enum(INTEGRATION_STATUSES),
    checked_at: z.string().nullable(),
    last_error: ErrorFields.nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi("IntegrationSummary");

/** Fields whose problems get their own code (`invalid_from_email`, `invalid_api_key`, …). */
const NAMED_FIELDS = new Set(["api_key", "private_api_key", "from_email", "from_name", "event_webhook_public_key", "account_sid", "auth_token", "sms_from", "whatsapp_from", "enabled", "provider"]);

/** A bad body or provider answers 400 with a code naming the field at fault, or the unknown field. */
function integrationHook(result: { success: boolean; target?: string; error?: z.ZodError }): undefined {
  if (result.success || !result.error) return;
  const issue = result.error.issues[0];
  if (issue?.code === "unrecognized_keys") throw new ApiError(400, "unknown_field", `unknown field ${issue.keys.join(", ")}`);
  const field = String(issue?.path[0] ?? "");
  const code = NAMED_FIELDS.has(field) ? `invalid_${field}` : "invalid_request";
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new ApiError(400, code, `${where}${issue?.message ?? "invalid input"}`);
}

/** The audit's picture of an integration: settings as they are, each secret only "[set]". */
function audited(view: IntegrationView | null) {
  if (!view) return null;
  return { enabled: view.enabled, settings: view.settings, ...Object.fromEntries(view.secrets_set.map((name) => [name, "[set]"])) };
}

/**
 * Queues the integration's connectivity check. Never throws: a lost send leaves the save
 * standing and the integration unchecked, which the sweeper asks again for (UNCHECKED_RETRY_MS).
 */
async function requestCheck(env: Env, shop: string, view: IntegrationView): Promise<boolean> {
  try {
    await sendJobs(env, [{ type: "check_integration", shop, provider: view.provider, revision: view.revision }]);
    return true;
  } catch (error) {
    log.error(`integrations: could not queue the check of ${view.provider} for ${shop}; the sweeper asks again`, String(error));
    return false;
  }
}

const statusUrl = (provider: MessagingProvider) => `/v1/api/integrations/${provider}`;

function registerProviderPut<P extends MessagingProvider>(merchant: OpenAPIHono<App>, provider: P, summary: string): void {
  const schema = IntegrationInputSchemas[provider] as unknown as z.ZodType<IntegrationInput<P>>;
  merchant.openapi(
    createRoute({
      method: "put",
      path: `/integrations/${provider}`,
      summary,
      description:
        "Saves a new revision (status back to unchecked) and queues a connectivity check; a failing check is shown here and told in a notice. " +
        `Secrets (${SECRET_FIELDS[provider].join(", ")}) are never answered back; leave them out to keep the stored ones.`,
      request: { body: { required: true, content: { "application/json": { schema } } } },
      responses: {
        200: {
          description: "Saved; the check is queued",
          content: { "application/json": { schema: okEnvelope({ integration: IntegrationSchema, check_queued: z.boolean(), status_url: z.string() }) } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      let saved: Awaited<ReturnType<typeof saveIntegration>>;
      try {
        saved = await saveIntegration(c.env, shop, provider, c.req.valid("json") as IntegrationInput<P>, userId ?? "unknown");
      } catch (error) {
        if (error instanceof IntegrationInputError) throw new ApiError(400, error.code, error.message);
        throw error;
      }
      recordAudit(c, {
        action: saved.before ? "integration.update" : "integration.create",
        subject: { type: "integration", id: provider },
        before: audited(saved.before),
        after: audited(saved.after),
      });
      const queued = saved.after.enabled ? await requestCheck(c.env, shop, saved.after) : false;
      return c.json(ok({ integration: saved.after, check_queued: queued, status_url: statusUrl(provider) }), 200);
    },
    integrationHook,
  );
}

/** PostHog lives in the store settings (`analytics`); read loosely so this list needs no more than its shape. */
function posthogSummary(settings: unknown): z.infer<typeof SummarySchema> {
  const analytics = (settings as { analytics?: { posthog_enabled?: unknown; posthog_project_api_key?: unknown; posthog_host?: unknown } }).analytics;
  const configured = typeof analytics?.posthog_project_api_key === "string" && analytics.posthog_project_api_key !== "";
  return {
    provider: "posthog",
    configured,
    enabled: configured && analytics?.posthog_enabled === true,
    status: "unchecked",
    checked_at: null,
    last_error: null,
    details: configured && typeof analytics?.posthog_host === "string" ? { host: analytics.posthog_host } : {},
  };
}

function registerProviderRoutes(merchant: OpenAPIHono<App>): void {
  registerProviderPut(merchant, "sendgrid", "Connect SendGrid (v3 mail send): API key and a verified sender");
  registerProviderPut(merchant, "twilio", "Connect Twilio (SMS and WhatsApp): account SID, auth token and the senders");
  registerProviderPut(merchant, "postscript", "Connect Postscript (SMS): the shop's private API key");
  registerProviderPut(merchant, "klaviyo", "Connect Klaviyo (events for the merchant's own flows): a private API key");

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/integrations",
      summary: "Every integration the shop can have: configured or not, enabled, its last check; never a secret",
      responses: {
        200: { description: "Integrations", content: { "application/json": { schema: okEnvelope({ integrations: z.array(SummarySchema) }) } } },
        ...errorResponses(401, 403, 429),
      },
    }),
    async (c) => {
      const { shop } = c.get("session");
      const [views, review, settings] = await Promise.all([integrationViews(c.env, shop), reviewIntegrationProvider(c.env, shop), currentStoreSettings(c.env, shop)]);
      const byProvider = new Map(views.map((v) => [v.provider, v]));
      const messaging = MESSAGING_PROVIDERS.map((provider): z.infer<typeof SummarySchema> => {
        const view = byProvider.get(provider);
        if (!view) return { provider, configured: false, enabled: false, status: "unchecked", checked_at: null, last_error: null, details: {} };
        return {
          provider,
          configured: true,
          enabled: view.enabled,
          status: view.status,
          checked_at: view.checked_at,
          last_error: view.last_error,
          details: { settings: view.settings, secrets_set: view.secrets_set, failing_since: view.failing_since, revision: view.revision, updated_at: view.updated_at },
        };
      });
      const reviews: z.infer<typeof SummarySchema> = {
        provider: "reviews",
        configured: review !== null,
        enabled: review !== null,
        status: "unchecked",
        checked_at: null,
        last_error: null,
        details: review ? { provider: review } : {},
      };
      return c.json(ok({ integrations: [...messaging, reviews, posthogSummary(settings.settings)] }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/integrations/{provider}",
      summary: "One messaging integration: settings, status and last check (the status URL a check answers with)",
      request: { params: ProviderParam },
      responses: {
        200: { description: "The integration", content: { "application/json": { schema: okEnvelope({ integration: IntegrationSchema }) } } },
        ...errorResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const view = await integrationView(c.env, c.get("session").shop, provider);
      if (!view) throw new ApiError(404, "integration_not_found", `${provider} is not connected in this shop`);
      return c.json(ok({ integration: view }), 200);
    },
    integrationHook,
  );

  merchant.openapi(
    createRoute({
      method: "delete",
      path: "/integrations/{provider}",
      summary: "Disconnect a messaging provider: its settings and sealed secrets are deleted",
      request: { params: ProviderParam },
      responses: {
        200: { description: "Removed", content: { "application/json": { schema: okEnvelope({ provider: z.enum(MESSAGING_PROVIDERS) }) } } },
        ...errorResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const removed = await deleteIntegration(c.env, c.get("session").shop, provider);
      if (!removed) throw new ApiError(404, "integration_not_found", `${provider} is not connected in this shop`);
      recordAudit(c, { action: "integration.delete", subject: { type: "integration", id: provider }, before: audited(removed), after: null });
      return c.json(ok({ provider }), 200);
    },
    integrationHook,
  );

  merchant.openapi(
    createRoute({
      method: "post",
      path: "/integrations/{provider}/check",
      summary: "Check the provider's credentials again (queued; poll status_url until checked_at passes requested_at)",
      description:
        "A check calls the provider up to 3 times with backoff, each call up to 10 s: too long to hold a dashboard request, so it runs in the jobs queue.",
      request: { params: ProviderParam },
      responses: {
        202: {
          description: "Queued",
          content: { "application/json": { schema: okEnvelope({ provider: z.enum(MESSAGING_PROVIDERS), revision: z.number().int(), requested_at: z.string(), status_url: z.string() }) } },
        },
        ...errorResponses(400, 401, 403, 404, 409, 429, 503),
      },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const { shop } = c.get("session");
      const current = await integrationView(c.env, shop, provider);
      if (!current) throw new ApiError(404, "integration_not_found", `${provider} is not connected in this shop`);
      if (!current.enabled) throw new ApiError(409, "integration_disabled", `${provider} is turned off; turn it on to check it`);
      const now = Date.now();
      const view = await markCheckRequested(c.env, shop, provider, now);
      if (!view) throw new ApiError(404, "integration_not_found", `${provider} is not connected in this shop`);
      if (!(await requestCheck(c.env, shop, view))) throw new ApiError(503, "queue_unavailable", "the check could not be queued; try again shortly");
      return c.json(ok({ provider, revision: view.revision, requested_at: new Date(now).toISOString(), status_url: statusUrl(provider) }), 202);
    },
    integrationHook,
  );
}
