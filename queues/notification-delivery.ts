// One claimed notification through its channel's provider: the shop's integration, the
// customer's contact (from the claim), the content in the customer's language. Throws a
// ProviderError when the provider refuses or cannot be reached (queues/notifications.ts
// decides between a retry and the dead-letter queue).
import { KLAVIYO_METRICS, type NotificationsMessage } from "../core/notifications";
import type { NotificationClaim } from "../durable-objects/customer-account-types";
import { integrationsFor } from "../d1/integrations";
import { sendEmail, sendKlaviyoEvent, sendPostscript, sendTwilio } from "../workers/providers";
import { ProviderError, type Provider } from "../workers/providers/types";
import { notificationContent } from "./notification-content";

type Notify = Extract<NotificationsMessage, { kind: "notify" }>;
type Claimed = Extract<NotificationClaim, { state: "send" }>;

export interface Delivered {
  provider: Provider;
  providerMessageId: string | null;
  error: null;
  language: string | null;
  /** The address it went to (sealed by the account into email_events). */
  recipient: string | null;
}

export async function deliver(env: Env, n: Notify, claim: Claimed): Promise<Delivered> {
  const integrations = await integrationsFor(env, n.shop);
  // Our reference on the provider's side (SendGrid custom_args, Twilio, Klaviyo unique_id):
  // unique per notification and channel, and naming no person.
  const reference = `${n.shop}:${n.customer_id}:${n.key}:${n.channel}`;
  const { contact } = claim;
  switch (n.channel) {
    case "email": {
      const sendgrid = integrations.sendgrid ?? notConfigured("sendgrid");
      const content = await notificationContent(env, n, claim, "email");
      const sent = await sendEmail(env, sendgrid, { to: contact.email!, subject: content.subject, html: content.html, text: content.text, category: n.type, reference });
      return { provider: "sendgrid", providerMessageId: sent.provider_message_id, error: null, language: content.language, recipient: contact.email };
    }
    case "sms":
    case "whatsapp": {
      const content = await notificationContent(env, n, claim, n.channel);
      const message = { to: contact.phone!, body: content.text, reference };
      const twilio = integrations.twilio;
      if (twilio && (n.channel === "sms" ? twilio.sms_from : twilio.whatsapp_from)) {
        const sent = await sendTwilio(env, twilio, n.channel, message);
        return { provider: "twilio", providerMessageId: sent.provider_message_id, error: null, language: content.language, recipient: contact.phone };
      }
      if (n.channel === "sms" && integrations.postscript) {
        const sent = await sendPostscript(env, integrations.postscript, message);
        return { provider: "postscript", providerMessageId: sent.provider_message_id, error: null, language: content.language, recipient: contact.phone };
      }
      return notConfigured(n.channel === "sms" ? "twilio" : "twilio");
    }
    case "klaviyo": {
      const klaviyo = integrations.klaviyo ?? notConfigured("klaviyo");
      const content = await notificationContent(env, n, claim, "klaviyo");
      const sent = await sendKlaviyoEvent(env, klaviyo, {
        metric: KLAVIYO_METRICS[n.type],
        unique_id: reference,
        time: n.at,
        ...(n.facts.points !== undefined ? { value: n.facts.points } : {}),
        properties: content.properties,
        profile: {
          email: contact.email,
          phone_number: contact.phone,
          external_id: n.customer_id,
          properties: content.profileProperties,
        },
      });
      return { provider: "klaviyo", providerMessageId: sent.provider_message_id, error: null, language: content.language, recipient: contact.email ?? contact.phone };
    }
  }
}

/** The shop removed or disabled the provider after the message was queued: nothing to send through. */
function notConfigured(provider: Provider): never {
  throw new ProviderError(provider, "permanent", "not_configured", `${provider} is not configured for this shop`);
}
