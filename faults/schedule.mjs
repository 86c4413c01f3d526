// What to break, and when: steps run one after another, each once its trigger fires. A
// trigger is a function of the run's context returning a promise.

export const atProgress = (fraction) => (ctx) => ctx.untilProgress(fraction);
export const afterMs = (ms) => () => new Promise((resolve) => setTimeout(resolve, ms));
export const allOf = (...triggers) => (ctx) => Promise.all(triggers.map((t) => t(ctx)));
export const firstOf = (...triggers) => (ctx) => Promise.race(triggers.map((t) => t(ctx)));
export const postgresCaughtUp = () => (ctx) => ctx.catchUp;

/**
 * Postgres goes down early and comes back; wrangler dev is killed later (not while Postgres is
 * down: its restart would start Postgres again), once the projection has caught up or a while
 * has passed, so the crash lands on a loaded, not a recovering, system, and while redemptions
 * wait on Shopify (ctx.crashAndRestart).
 */
export function defaultSchedule({ postgresDownMs = 15_000 } = {}) {
  return [
    { name: "stop Postgres", when: atProgress(0.15), run: (ctx) => ctx.stopPostgres() },
    { name: "refunds while Postgres is down", when: afterMs(1_000), run: (ctx) => ctx.probeRefundsWhileDown() },
    {
      name: "restart Postgres",
      when: afterMs(postgresDownMs),
      run: async (ctx) => {
        await ctx.app.ensurePostgres();
        ctx.postgresRestarted();
      },
    },
    {
      name: "SIGKILL wrangler dev, restart it",
      when: allOf(atProgress(0.55), firstOf(postgresCaughtUp(), afterMs(45_000))),
      run: (ctx) => ctx.crashAndRestart(),
    },
  ];
}

/** Runs the steps in order; returns what happened when (ms since `origin`, progress). */
export async function runSchedule(steps, ctx, origin) {
  const timeline = [];
  for (const step of steps) {
    await step.when(ctx);
    const at = Date.now();
    const progress = ctx.progress();
    await step.run(ctx);
    timeline.push({ name: step.name, atMs: at - origin, progress, tookMs: Date.now() - at });
  }
  return timeline;
}
