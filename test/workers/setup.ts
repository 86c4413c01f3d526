import { applyD1Migrations, env } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
      MIGRATION_CHECK_DB: D1Database;
      UNREACHABLE_PG_URL: string;
    }
  }
}

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
