// The Worker: HTTP surfaces, queue consumers, the cron sweeper, and the Durable Object classes.
import { handleQueue } from "../queues";
import { sweep } from "../queues/sweeper";
import { app } from "./app";
import { log, rememberSecrets } from "../core/log";

export { CustomerAccount } from "../durable-objects/customer-account";
export { ShopCoordinator } from "../durable-objects/shop-coordinator";

export default {
  fetch: (request, env, ctx) => {
    rememberSecrets(env);
    return app.fetch(request, env, ctx);
  },
  queue: (batch, env) => {
    rememberSecrets(env);
    return handleQueue(batch, env);
  },
  // The sweep's clock is the trigger's scheduled time, so a test can run "the sweep of ten
  // minutes from now" through /cdn-cgi/local/scheduled?time=…. Awaited, not waitUntil: the
  // trigger answers once the sweep is done (and fails when it fails); the logged line is its
  // result, which the end-to-end tests read.
  scheduled: async (controller, env) => {
    rememberSecrets(env);
    const result = await sweep(env, controller.scheduledTime);
    log.info("sweep", JSON.stringify({ at: controller.scheduledTime, ...result }));
  },
} satisfies ExportedHandler<Env>;
