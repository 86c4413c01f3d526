// Customers: the signup bonus, the customer's profile (email encrypted, blind-indexed) and the
// newsletter award when their email marketing consent becomes `subscribed`.
import { dataKeys, emailBlindIndex, emailContext, encryptText } from "../core/crypto";
import { contactOfCustomer, CustomerPayloadSchema, digitsOfGid, EmailConsentPayloadSchema, subscribedConsent } from "../core/webhook-payloads";
import { campaignsForEarning } from "../d1/campaigns";
import { getProgram } from "../d1/shops";
import { customerAccount } from "../durable-objects/stubs";
import { topic, type TopicOutcome } from "./topic";

export const customerTopics = {
  // customers/create → signup bonus, the customer's profile (and the newsletter award if the
  // payload says they subscribed: API versions before 2025-01 carry the consent here)
  "customers/create": topic({
    schema: CustomerPayloadSchema,
    needsInstalledShop: true,
    async apply({ env, shop, delivery, triggeredAt }, payload) {
      const customerId = digitsOfGid(payload.admin_graphql_api_id);
      const keys = await dataKeys(env.ENCRYPTION_KEY);
      const email = payload.email?.trim() || null;
      const [program, campaigns] = await Promise.all([getProgram(env, shop), campaignsForEarning(env, shop)]);
      const consent = subscribedConsent(payload.email_marketing_consent);
      return customerAccount(env, shop, customerId).customerCreated({
        shop,
        customerId,
        delivery,
        customerGid: payload.admin_graphql_api_id,
        program,
        campaigns,
        newsletter: consent ? { ...consent, triggeredAt } : null,
        contact: contactOfCustomer(payload),
        profile: {
          email_encrypted: email ? await encryptText(keys, email, emailContext(shop, customerId)) : null,
          email_blind_index: email ? await emailBlindIndex(keys, shop, email) : null,
          first_name: payload.first_name ?? null,
          last_name: payload.last_name ?? null,
          shopify_created_at: payload.created_at ?? null,
        },
      });
    },
  }),
  // customers_email_marketing_consent/update → the newsletter award when the state is
  // `subscribed`; each subscription (its consent_updated_at) once, within the limit
  "customers_email_marketing_consent/update": topic({
    schema: EmailConsentPayloadSchema,
    needsInstalledShop: true,
    async apply({ env, shop, delivery, triggeredAt }, payload): Promise<TopicOutcome> {
      const consent = subscribedConsent(payload.email_marketing_consent);
      if (!consent) return { outcome: "ignored", reason: "not_subscribed" };
      const customerId = payload.customer_id;
      const [program, campaigns] = await Promise.all([getProgram(env, shop), campaignsForEarning(env, shop)]);
      const result = await customerAccount(env, shop, customerId).newsletterSubscribed({
        shop,
        customerId,
        delivery,
        customerGid: `gid://shopify/Customer/${customerId}`,
        program,
        campaigns,
        newsletter: { ...consent, triggeredAt },
      });
      if (result.outcome === "applied") return { outcome: "applied", points: result.points, balance: result.balance };
      if (result.outcome === "duplicate") return { outcome: "duplicate", points: result.points, balance: result.balance };
      return { outcome: "ignored", reason: result.outcome };
    },
  }),
};
