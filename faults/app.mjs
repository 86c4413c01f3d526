// The app under test as a process: the dev stack on its own Postgres cluster, and the levers
// the fault schedule pulls (stop/start Postgres, crash/restart wrangler dev). Import this only
// after LOYALNEST_PG_PORT is set: scripts/postgres.mjs reads it at import time.
import { createServer } from "node:net";
import postgres from "postgres";
import { startDevStack, DEMO_SHOP } from "../scripts/dev.mjs";
import { databaseUrl, ensurePostgres, stopPostgres } from "../scripts/postgres.mjs";
import { readDevVars } from "../scripts/dev-vars.mjs";
import { d1Execute } from "../scripts/d1-query.mjs";


export { DEMO_SHOP, readDevVars };

export async function createApp({ persistTo, database, verbose }) {
  await ensurePostgres();
  await dropDatabase(database);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const start = () => startDevStack({ port, persistTo, quiet: !verbose, emulatorPort: 0, database });
  let stack = await start();
  const sql = postgres(databaseUrl(database), { max: 4, onnotice: () => {}, connect_timeout: 3 });

  return {
    url,
    port,
    sql,
    stopPostgres,
    ensurePostgres,
    /** SIGKILL, like a crash; then the same command on the same state and port. */
    async crashAndRestart() {
      await stack.kill();
      stack = await start();
    },
    /** Runs the cron sweeper as if it were `at` (ms since epoch). */
    async sweep(at) {
      const response = await fetch(`${url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*&time=${at}`);
      await response.text();
      return response.ok;
    },
    async stop() {
      await sql.end({ timeout: 2 }).catch(() => {});
      await stack.stop();
    },
    /** D1 read through wrangler, on the persisted state: only once the stack is stopped. */
    d1Query: (command) => d1Execute(persistTo, command),
  };
}

async function dropDatabase(database) {
  const admin = postgres(databaseUrl("postgres"), { max: 1, onnotice: () => {} });
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
