// Customers: the signup bonus, the customer's profile (email encrypted, blind-indexed) and the
// newsletter award when their email marketing consent becomes `subscribed`.
import { dataKeys, emailBlindIndex, emailContext, encryptText } from "../core/crypto";
import { contactOfCustomer, CustomerPayloadSchema, digitsOfGid, EmailConsentPayloadSchema, referralCodeOfNote, subscribedConsent } from "../core/webhook-payloads";
import { identityFingerprints } from "../core/referral-identity";
import { campaignsForEarning } from "../d1/campaigns";
import { getProgram } from "../d1/shops";
import { customerAccount } from "../durable-objects/stubs";
import { topic, type TopicOutcome } from "./topic";
import { log } from "../core/log";

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
      const account = customerAccount(env, shop, customerId);
      const fingerprints = await identityFingerprints(keys, shop, { email, phone: payload.phone ?? null });
      const created = await account.customerCreated({
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
        referralIdentity: { ...fingerprints, customerCreatedAt: payload.created_at ? Date.parse(payload.created_at) : null },
      });
      // A code the register form carried binds the new customer as a friend (idempotent: a
      // redelivery, or the widget's complete call, finds the same referral). A failure here
      // fails the delivery, and Shopify's retry finds the signup done and binds again.
      const code = referralCodeOfNote(payload.note);
      if (code) {
        const bound = await account.bindReferral({ shop, customerId, code, via: "signup", program, source: { ip: null, device: null } });
        if (bound.outcome !== "bound" && bound.outcome !== "existing") log.info(`customers/create: referral code not bound (${bound.outcome})`);
      }
      return created;
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
