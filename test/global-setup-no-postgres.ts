// For the workers-postgres-down project: the Shopify emulator and the provider stand-ins; no Postgres is prepared,
// since that project's Worker must never reach one.
import type { TestProject } from "vitest/node";
// @ts-expect-error plain ESM script without type declarations
import { startShopifyEmulator } from "../scripts/shopify-emulator.mjs";
// @ts-expect-error plain ESM script without type declarations
import { startProviderStandins } from "../scripts/provider-standins.mjs";
// @ts-expect-error plain ESM script without type declarations
import { startAccessStandin } from "../scripts/access-standin.mjs";
import { TEST_SECRETS } from "./helpers/secrets";

export default async function setup(project: TestProject) {
  const emulator = await startShopifyEmulator({ port: 0, apiKey: TEST_SECRETS.SHOPIFY_API_KEY, apiSecret: TEST_SECRETS.SHOPIFY_API_SECRET });
  project.provide("shopifyOrigin", emulator.url);
  const standins = await startProviderStandins({ port: 0 });
  project.provide("providersOrigin", standins.url);
  // Cloudflare Access for /admin: the team's JWKS and tokens signed for the test audience.
  const access = await startAccessStandin({ port: 0, teamDomain: TEST_SECRETS.ACCESS_TEAM_DOMAIN, aud: TEST_SECRETS.ACCESS_AUD });
  project.provide("accessOrigin", access.url);
  return async () => {
    await access.close();
    await emulator.close();
    await standins.close();
  };
}
