// Runs in Node before the in-runtime tests: a real PostgreSQL with the reporting schema.
import type { TestProject } from "vitest/node";
// @ts-expect-error plain ESM script without type declarations
import { prepareDatabase } from "../scripts/postgres.mjs";
import postgres from "postgres";
// @ts-expect-error plain ESM script without type declarations
import { startShopifyEmulator } from "../scripts/shopify-emulator.mjs";
// @ts-expect-error plain ESM script without type declarations
import { startProviderStandins } from "../scripts/provider-standins.mjs";
// @ts-expect-error plain ESM script without type declarations
import { startAccessStandin } from "../scripts/access-standin.mjs";
import { TEST_SECRETS } from "./helpers/secrets";

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string;
    shopifyOrigin: string;
    providersOrigin: string;
    accessOrigin: string;
  }
}

export default async function setup(project: TestProject) {
  const url: string = await prepareDatabase("loyalnest_test");
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`TRUNCATE customers, points_transactions`;
  await sql.end();
  project.provide("pgUrl", url);
  // The Shopify Admin API stand-in: token exchange and GraphQL, checked as Shopify would.
  const emulator = await startShopifyEmulator({ port: 0, apiKey: TEST_SECRETS.SHOPIFY_API_KEY, apiSecret: TEST_SECRETS.SHOPIFY_API_SECRET });
  project.provide("shopifyOrigin", emulator.url);
  // SendGrid, Twilio, Postscript, Klaviyo and PostHog on one origin, checked as each provider would.
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
