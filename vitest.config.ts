import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { TEST_SECRETS } from "./test/helpers/secrets.ts";

const root = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const UNREACHABLE_PG_URL = "postgres://loyalnest:loyalnest@127.0.0.1:9/loyalnest_test";

function workersProject(name: string, include: string[], pgUrl?: string) {
  return {
    plugins: [
      cloudflareTest(async ({ inject }) => ({
        wrangler: { configPath: root("./wrangler.toml") },
        miniflare: {
          // Tests only: lets exports.default.queue()/scheduled() be called directly.
          compatibilityFlags: ["nodejs_compat", "service_binding_extra_handlers"],
          hyperdrives: { HYPERDRIVE: pgUrl ?? inject<string>("pgUrl") },
          // An empty D1 that setup.ts does not migrate: test/workers/d1-migrations.test.ts takes
          // it through the migrations one by one, with rows written between them.
          d1Databases: { MIGRATION_CHECK_DB: "migration-check" },
          // wrangler.toml's [assets] (the built admin console) replaced by a small fixture, so the
          // console's serving is tested without a dashboard build (the browser test serves the real one).
          assets: { directory: root("./test/fixtures/console-assets"), binding: "ASSETS" },
          bindings: {
            ...TEST_SECRETS,
            ENVIRONMENT: "test",
            SHOPIFY_ADMIN_ORIGIN: inject<string>("shopifyOrigin"),
            PROVIDERS_ORIGIN: inject<string>("providersOrigin"),
            ACCESS_CERTS_ORIGIN: inject<string>("accessOrigin"),
            TEST_MIGRATIONS: await readD1Migrations(root("./d1/migrations")),
            UNREACHABLE_PG_URL,
          },
        },
      })),
    ],
    test: {
      name,
      include,
      globalSetup: [root(pgUrl ? "./test/global-setup-no-postgres.ts" : "./test/global-setup.ts")],
      setupFiles: [root("./test/workers/setup.ts")],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      workersProject("workers", ["test/workers/**/*.test.ts"]),
      // The same Worker with its Hyperdrive pointing at a closed port: Postgres down for the
      // whole run, through the real queues, consumers and objects.
      workersProject("workers-postgres-down", ["test/workers-postgres-down/**/*.test.ts"], UNREACHABLE_PG_URL),
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
    // Closing a postgres.js socket inside workerd surfaces these after the test has passed
    // (see the Cloudflare reference); nothing broader is filtered.
    onUnhandledError(error) {
      const message = String((error as Error)?.message ?? error);
      if (message.includes("This socket has been closed") || message.includes("Stream was cancelled")) return false;
    },
  },
});
