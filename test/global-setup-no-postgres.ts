// For the workers-postgres-down project: the Shopify emulator and the provider stand-ins; no Postgres is prepared,
// since that project's Worker must never reach one.
import type { TestProject } from "vitest/node";
// @ts-expect-error plain ESM script without type declarations
import { startShopifyEmulator } from "../scripts/shopify-emulator.mjs";
// @ts-expect-error plain ESM script without type declarations
import { startProviderStandins } from "../scripts/provider-standins.mjs";
import { TEST_SECRETS } from "./helpers/secrets";

export default async function setup(project: TestProject) {
  const emulator = await startShopifyEmulator({ port: 0, apiKey: TEST_SECRETS.SHOPIFY_API_KEY, apiSecret: TEST_SECRETS.SHOPIFY_API_SECRET });
  project.provide("shopifyOrigin", emulator.url);
  const standins = await startProviderStandins({ port: 0 });
  project.provide("providersOrigin", standins.url);
  return async () => {
    await emulator.close();
    await standins.close();
  };
}
