// D1's schema has one source, d1/schema.ts: `npm run db:generate` writes the next numbered
// migration into d1/migrations (applied by wrangler and by the test setup), and
// `npm run db:check` (part of `npm test`) fails when schema.ts has changes no migration holds.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./d1/schema.ts",
  out: process.env.DRIZZLE_OUT ?? "./d1/migrations",
  migrations: { prefix: "index" },
});
