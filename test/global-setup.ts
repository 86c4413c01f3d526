// Runs in Node before the in-runtime tests: a real PostgreSQL with the reporting schema.
import type { TestProject } from "vitest/node";
// @ts-expect-error plain ESM script without type declarations
import { prepareDatabase } from "../scripts/postgres.mjs";
import postgres from "postgres";

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const url: string = await prepareDatabase("loyalnest_test");
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`TRUNCATE customers, points_transactions`;
  await sql.end();
  project.provide("pgUrl", url);
}
