import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { TEST_SECRETS } from "./test/helpers/secrets.ts";

const root = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: root("./wrangler.toml") },
            miniflare: {
              // Tests only: lets exports.default.queue()/scheduled() be called directly.
              compatibilityFlags: ["nodejs_compat", "service_binding_extra_handlers"],
              hyperdrives: { HYPERDRIVE: inject<string>("pgUrl") },
              bindings: {
                ...TEST_SECRETS,
                ENVIRONMENT: "test",
                SHOPIFY_ADMIN_ORIGIN: inject<string>("shopifyOrigin"),
                TEST_MIGRATIONS: await readD1Migrations(root("./d1/migrations")),
                UNREACHABLE_PG_URL: "postgres://loyalnest:loyalnest@127.0.0.1:9/loyalnest_test",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          globalSetup: [root("./test/global-setup.ts")],
          setupFiles: [root("./test/workers/setup.ts")],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
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
