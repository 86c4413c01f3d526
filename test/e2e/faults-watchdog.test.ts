// The fault suite's own guards: a run whose app stopped answering, or whose fault step failed,
// must stop delivering at once with the reason, instead of retrying thousands of deliveries for
// their full give-up time (faults/watchdog.mjs).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeliveryStats, deliverAll } from "../../faults/delivery.mjs";
import { runDeadline, watchForStall } from "../../faults/watchdog.mjs";

let server: Server;
let url: string;
let answered = 0;

beforeAll(async () => {
  // An app that has stopped working: every webhook answers 503.
  server = createServer((req, res) => {
    answered++;
    req.resume();
    req.on("end", () => res.writeHead(503).end("down"));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

const slots = Array.from({ length: 200 }, (_, index) => [{ event: { index, topic: "orders/paid", body: "{}", orderGid: `gid://shopify/Order/${index}` }, eventId: null, webhookId: `wh-${index}` }]);
const signer = { webhookHmac: () => "hmac" };

describe("the fault suite's watchdog", () => {
  it("stops every delivery with the reason once no webhook was acknowledged for the stall time", async () => {
    const stats = createDeliveryStats();
    const controller = new AbortController();
    const stop = watchForStall({ stats, stallMs: 1_500, controller, describe: () => "wrangler said: nothing" });
    const started = Date.now();
    const delivering = deliverAll({ slots, url: () => url, signer, shop: "s.myshopify.com", stats, concurrency: 4, giveUpAfterMs: 60_000, onSlotDone: () => {}, signal: controller.signal });
    await expect(delivering).rejects.toThrow(/no webhook was acknowledged for \d+ s: the app stopped answering\nwrangler said: nothing/);
    stop();
    // Without the watchdog, 200 slots at 4 at a time retrying for 60 s each would take 50 minutes.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stats.givenUp).toBe(0);
    expect(stats.status5xx).toBeGreaterThan(0);
  });

  it("stops delivering when a fault step fails, and names it", async () => {
    const stats = createDeliveryStats();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("a fault step failed: port 8801 still in use")), 300);
    const before = answered;
    await expect(
      deliverAll({ slots, url: () => url, signer, shop: "s.myshopify.com", stats, concurrency: 4, giveUpAfterMs: 60_000, onSlotDone: () => {}, signal: controller.signal }),
    ).rejects.toThrow("a fault step failed: port 8801 still in use");
    const atAbort = answered;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(atAbort).toBeGreaterThan(before);
    // Nothing is sent after the abort.
    expect(answered).toBe(atAbort);
  });

  it("calls the run's deadline with what the run was doing", async () => {
    const expired = await new Promise<string>((resolve) => {
      const deadline = runDeadline({ ms: 200, onExpired: resolve });
      deadline.phase("waiting for quiescence");
    });
    expect(expired).toBe("faults: no verdict within 0.2 s, while waiting for quiescence: stopping the run");
  });
});
