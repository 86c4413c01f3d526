// What a merchant enters to connect each messaging provider, split into what may be shown back
// (settings) and what is sealed and never answered (secrets). The one place these rules live:
// the routes validate with these schemas, d1/integrations.ts stores by SECRET_FIELDS, and
// configFrom builds the adapters' config (workers/providers/types.ts) from the two halves.
import { z } from "@hono/zod-openapi";
import { MESSAGING_PROVIDERS, type MessagingProvider, type ProviderConfigs } from "../workers/providers/types";

export { MESSAGING_PROVIDERS, type MessagingProvider };

export const INTEGRATION_STATUSES = ["unchecked", "ok", "failing"] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

/** E.164: a + and 7 to 15 digits, no leading zero (what Twilio takes for To and From). */
const E164 = /^\+[1-9]\d{6,14}$/;
const phone = z.string().regex(E164, "an E.164 phone number: + then 7 to 15 digits, no spaces");
/** A display name goes into a mail header: no control characters (CR/LF would inject headers). */
const displayName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters");

// Key formats as each provider issues them; a typo is refused at save rather than found by the
// first failed send.
const sendgridKey = z.string().regex(/^SG\.[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{16,128}$/, "a SendGrid API key (SG.<id>.<secret>)");
// A P-256 public key as SendGrid shows it: base64 of its DER SubjectPublicKeyInfo (91 bytes).
const eventWebhookKey = z
  .string()
  .trim()
  .regex(/^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE[A-Za-z0-9+/]{86}==$/, "SendGrid's event webhook verification key (base64, starting MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE)");
const twilioSid = z.string().regex(/^AC[0-9a-f]{32}$/, "a Twilio Account SID (AC and 32 hex digits)");
const twilioToken = z.string().regex(/^[0-9a-f]{32}$/, "a Twilio Auth Token (32 hex digits)");
const messagingServiceSid = z.string().regex(/^MG[0-9a-f]{32}$/);
const postscriptKey = z.string().regex(/^sk_[A-Za-z0-9_-]{16,128}$/, "a Postscript private API key (sk_…; not the public pk_ key)");
const klaviyoKey = z.string().regex(/^pk_[A-Za-z0-9]{20,64}$/, "a Klaviyo private API key (pk_…; not the 6-character public site ID)");

const enabled = z.boolean().default(true);

/**
 * Bodies of PUT /v1/api/integrations/:provider. A secret may be left out to keep the stored one
 * (changing a sender without re-entering the key), except on first save and, for Twilio, when
 * the account changes (SECRET_BOUND_TO).
 */
export const IntegrationInputSchemas = {
  sendgrid: z
    .object({
      api_key: sendgridKey.optional(),
      from_email: z.email("a sender email address").max(254),
      from_name: displayName.nullable().default(null),
      /** The Signed Event Webhook's verification key (public; Mail Settings): bounces and unsubscribes come back only with it. */
      event_webhook_public_key: eventWebhookKey.nullable().default(null),
      enabled,
    })
    .strict(),
  twilio: z
    .object({
      account_sid: twilioSid,
      auth_token: twilioToken.optional(),
      sms_from: z
        .string()
        .refine((v) => E164.test(v) || messagingServiceSid.safeParse(v).success, "an E.164 phone number or a Messaging Service SID (MG…)")
        .nullable()
        .default(null),
      // Twilio's console shows WhatsApp senders as whatsapp:+1…; stored as the bare E.164 number.
      whatsapp_from: z
        .string()
        .transform((v) => v.replace(/^whatsapp:/, ""))
        .pipe(phone)
        .nullable()
        .default(null),
      enabled,
    })
    .strict()
    .refine((v) => v.sms_from !== null || v.whatsapp_from !== null, { message: "give sms_from, whatsapp_from or both", path: ["sms_from"] }),
  postscript: z.object({ api_key: postscriptKey.optional(), enabled }).strict(),
  klaviyo: z.object({ private_api_key: klaviyoKey.optional(), enabled }).strict(),
} satisfies Record<MessagingProvider, z.ZodTypeAny>;

export type IntegrationInput<P extends MessagingProvider> = z.infer<(typeof IntegrationInputSchemas)[P]>;

/** The fields of each provider's config that are sealed at rest and never answered. */
export const SECRET_FIELDS = {
  sendgrid: ["api_key"],
  twilio: ["auth_token"],
  postscript: ["api_key"],
  klaviyo: ["private_api_key"],
} as const satisfies { [P in MessagingProvider]: readonly (keyof ProviderConfigs[P])[] };

/** Settings that name the account a secret belongs to: changing one needs the secret again. */
export const SECRET_BOUND_TO: { [P in MessagingProvider]: readonly string[] } = {
  sendgrid: [],
  twilio: ["account_sid"],
  postscript: [],
  klaviyo: [],
};

export type Settings = Record<string, string | null>;
export type Secrets = Record<string, string>;

/** An input split into what is stored in the clear and the secrets it carries (maybe none). */
export function splitInput<P extends MessagingProvider>(provider: P, input: IntegrationInput<P>): { settings: Settings; secrets: Secrets | null; enabled: boolean } {
  const secretNames: readonly string[] = SECRET_FIELDS[provider];
  const settings: Settings = {};
  const secrets: Secrets = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === "enabled") continue;
    if (secretNames.includes(key)) {
      if (typeof value === "string") secrets[key] = value;
    } else settings[key] = (value as string | null | undefined) ?? null;
  }
  const complete = secretNames.every((name) => name in secrets);
  return { settings, secrets: complete ? secrets : null, enabled: input.enabled };
}

/** The adapter's config from the stored halves. */
export function configFrom<P extends MessagingProvider>(_provider: P, settings: Settings, secrets: Secrets): ProviderConfigs[P] {
  return { ...settings, ...secrets } as unknown as ProviderConfigs[P];
}
