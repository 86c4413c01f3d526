// Floors for `npm run bench`: a bare Worker response and a bare Durable Object write through
// the same workerd, so each budget is printed beside what the machine can do at all.
// Mounted only when the BENCH_FLOOR var is "on" (the bench passes `--var BENCH_FLOOR:on`).
import { Hono } from "hono";
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
