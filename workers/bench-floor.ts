// Floors for `npm run bench`: a bare Worker response and a bare Durable Object write through
// the same workerd, so each budget is printed beside what the machine can do at all.
// Mounted only when the BENCH_FLOOR var is "on" (the bench passes `--var BENCH_FLOOR:on`).
import { Hono } from "hono";
import { withReporting } from "../postgres/client";
import type { App } from "./http/context";

export const benchFloor = new Hono<App>();

benchFloor.use("*", async (c, next) => {
  if ((c.env as { BENCH_FLOOR?: string }).BENCH_FLOOR !== "on") return c.notFound();
  await next();
});

benchFloor.get("/worker", (c) => c.text("ok"));

benchFloor.post("/do-write/:key", async (c) => {
  const key = c.req.param("key");
  const stub = c.env.CUSTOMER_ACCOUNT.get(c.env.CUSTOMER_ACCOUNT.idFromName(`bench-floor:${key}`));
  return c.json({ n: await stub.benchFloorWrite() });
});

// The reporting database's floor: what one request pays to open a connection through the
// Hyperdrive binding and run a trivial statement, with no parameter (one round trip after the
// startup) and with one (postgres.js describes a parameterised statement first: two).
benchFloor.get("/pg", async (c) => {
  const rows = await withReporting(c.env, c.executionCtx, (sql) => sql`SELECT 1 AS one`);
  return c.json({ one: rows[0]?.one });
});

benchFloor.get("/pg-param", async (c) => {
  const rows = await withReporting(c.env, c.executionCtx, (sql) => sql`SELECT ${"1"}::int AS one`);
  return c.json({ one: rows[0]?.one });
});
