// Customers: the signup bonus and the customer's profile (email encrypted, blind-indexed).
import { dataKeys, emailBlindIndex, emailContext, encryptText } from "../core/crypto";
import { CustomerPayloadSchema, digitsOfGid } from "../core/webhook-payloads";
import { getProgram } from "../d1/shops";
import { customerAccount } from "../durable-objects/stubs";
import { topic } from "./topic";

export const customerTopics = {
  // customers/create → signup bonus and the customer's profile
  "customers/create": topic({
    schema: CustomerPayloadSchema,
    needsInstalledShop: true,
    async apply({ env, shop, delivery }, payload) {
      const customerId = digitsOfGid(payload.admin_graphql_api_id);
      const keys = await dataKeys(env.ENCRYPTION_KEY);
      const email = payload.email?.trim() || null;
      const program = await getProgram(env, shop);
      return customerAccount(env, shop, customerId).customerCreated({
        shop,
        customerId,
        delivery,
        customerGid: payload.admin_graphql_api_id,
        program,
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
};
