// The app under test as a process: the dev stack on a Postgres cluster of its own (free port,
// temp dir: stopping it disturbs no other checkout or run), a Shopify emulator that outlives
// wrangler dev's crashes (Shopify keeps the discounts we created before one), and the levers
// the fault schedule pulls (stop/start Postgres, crash/restart wrangler dev).
import { createServer } from "node:net";
import postgres from "postgres";
import { startDevStack, DEMO_ACCESS_TOKEN, DEMO_SHOP } from "../scripts/dev.mjs";
import { startPrivateCluster } from "../scripts/postgres.mjs";
import { readDevVars } from "../scripts/dev-vars.mjs";
import { d1Execute } from "../scripts/d1-query.mjs";
import { startShopifyEmulator } from "../scripts/shopify-emulator.mjs";
import { startProviderStandins } from "../scripts/provider-standins.mjs";

export { DEMO_SHOP, readDevVars };

export async function createApp({ persistTo, database, verbose }) {
  const cluster = await startPrivateCluster("faults");
  const vars = readDevVars();
  let emulator;
  let standins;
  let stack;
  try {
    emulator = await startShopifyEmulator({
      port: 0,
      apiKey: vars.SHOPIFY_API_KEY,
      apiSecret: vars.SHOPIFY_API_SECRET,
      accessTokens: { [DEMO_ACCESS_TOKEN]: DEMO_SHOP },
    });
    // Like Shopify, the providers outlive our crashes: one set of stand-ins for the whole run.
    standins = await startProviderStandins({ port: 0 });
    await dropDatabase(cluster.databaseUrl("postgres"), database);
    const port = await freePort();
    const start = () => startDevStack({ port, persistTo, quiet: !verbose, database, postgres: cluster, emulator, standins });
    stack = await start();
    return appOn({ port, start, stack, cluster, database, persistTo, emulator, standins });
  } catch (error) {
    await stack?.stop();
    await emulator?.close();
    await standins?.close();
    await cluster.destroy();
    throw error;
  }
}

function appOn({ port, start, stack, cluster, database, persistTo, emulator, standins }) {
  const url = `http://127.0.0.1:${port}`;
  const sql = postgres(cluster.databaseUrl(database), { max: 4, onnotice: () => {}, connect_timeout: 3 });

  return {
    url,
    port,
    sql,
    /** The Shopify emulator: `url` for its control endpoints, `requests` (in-process) as it answered them. */
    emulator,
    /** The provider stand-ins: `url` for their control endpoints, `requests()` (in-process) as they answered them. */
    standins,
    stopPostgres: cluster.stop,
    ensurePostgres: cluster.ensure,
    /** Stops the cluster of this run and removes its data. */
    destroyPostgres: cluster.destroy,
    /** SIGKILL, like a crash; then the same command on the same state and port. */
    async crashAndRestart() {
      await stack.kill();
      stack = await start();
    },
    /** The tail of the running wrangler dev's output. */
    output: () => stack.output(),
    /** Runs the cron sweeper as if it were `at` (ms since epoch). */
    async sweep(at) {
      const response = await fetch(`${url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*&time=${at}`);
      await response.text();
      return response.ok;
    },
    /** Stops wrangler dev, the emulator and the stand-ins; Postgres stays up for the checks after. */
    async stop() {
      await sql.end({ timeout: 2 }).catch(() => {});
      await stack.stop();
      await emulator.close();
      await standins.close();
    },
    /** D1 read through wrangler, on the persisted state: only once the stack is stopped. */
    d1Query: (command) => d1Execute(persistTo, command),
  };
}

async function dropDatabase(adminUrl, database) {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Any free loopback port but 8787, which belongs to `npm run dev`. */
async function freePort() {
  for (;;) {
    const port = await anyFreePort();
    if (port !== 8787) return port;
  }
}

function anyFreePort() {
  return new Promise((done, fail) => {
    const probe = createServer().once("error", fail).listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}
