// The export row: 50,000 customers (emails sealed as the app seals them) exported to CSV in R2,
// timed from the merchant's POST /v1/api/exports to the first read that says "done", then the
// file downloaded through its signed link and checked: a header and 50,000 rows, every email
// opened. A wrong file is an error, and an error fails the run (never a time).
//
// `node bench/export.mjs` alone starts a fresh stack (bench/stack.mjs), measures this row and
// prints it as JSON; `--url http://127.0.0.1:8787` measures a running app instead, but then the
// customers must be seeded by hand (the app's Postgres is not known): use the bench.
import { parseArgs } from "node:util";
import { join } from "node:path";
import { build } from "esbuild";
import postgres from "postgres";
import { sessionToken } from "./reporting-data.mjs";
import { readApiSecret, readDevVar } from "./shopify.mjs";
import { ROOT } from "./stack.mjs";

export const EXPORT_SHOP = "bench-export.myshopify.com";
export const EXPORT_CUSTOMERS = 50_000;
export const EXPORT_BUDGET_MS = 5_000;
const POLL_MS = 50;

/** The app's own sealing code (core/crypto.ts), bundled for Node: the bench writes what the app writes. */
async function appCrypto() {
  const out = await build({ entryPoints: [join(ROOT, "core", "crypto.ts")], bundle: true, format: "esm", platform: "neutral", write: false, logLevel: "silent" });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
}

export const seededCustomerId = (i) => `7${String(i).padStart(12, "0")}`;
export const seededEmail = (i) => `shopper.${i}@example.com`;

/** Installs the export shop and seeds its customers straight into Postgres, emails sealed. */
export async function seedExportShop({ baseUrl, pgUrl, apiKey, secret, encryptionKey }) {
  const started = performance.now();
  const installed = await fetch(`${baseUrl}/auth/token-exchange`, {
    method: "POST",
    headers: { authorization: `Bearer ${sessionToken(apiKey, secret, EXPORT_SHOP, "1")}` },
    signal: AbortSignal.timeout(30_000),
  });
  if (!installed.ok) throw new Error(`installing ${EXPORT_SHOP}: ${installed.status} ${await installed.text()}`);
  await seedCustomers({ pgUrl, shop: EXPORT_SHOP, count: EXPORT_CUSTOMERS, encryptionKey });
  return { customers: EXPORT_CUSTOMERS, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) };
}

/**
 * `count` customers of `shop` (ids 7 + 12 digits, replacing any seeded before), their emails
 * `shopper.<n>@example.com` sealed by the app's own code; every fifth first name is a formula.
 */
export async function seedCustomers({ pgUrl, shop, count, encryptionKey }) {
  const { dataKeys, encryptText, emailContext } = await appCrypto();
  const keys = await dataKeys(encryptionKey);
  const sql = postgres(pgUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`DELETE FROM customers WHERE shop = ${shop} AND customer_id LIKE '7%' AND length(customer_id) = 13`;
    await sql`UPDATE exports SET status = 'failed', error = 'seed reset' WHERE shop = ${shop} AND status IN ('queued', 'running')`;
    for (let start = 1; start <= count; start += 5_000) {
      const rows = await Promise.all(
        Array.from({ length: Math.min(5_000, count - start + 1) }, async (_, k) => {
          const i = start + k;
          return {
            shop,
            customer_id: seededCustomerId(i),
            email_encrypted: await encryptText(keys, seededEmail(i), emailContext(shop, seededCustomerId(i))),
            first_name: ["Ada", "Grace", "Alan", "=Linus", "Edsger"][i % 5],
            last_name: `Shopper ${i}`,
            points_balance: i % 5_000,
            total_points_earned: i % 5_000,
          };
        }),
      );
      await sql`INSERT INTO customers ${sql(rows)}`;
    }
  } finally {
    await sql.end();
  }
}

/** POST → done, then the file through its link, checked. Never throws for a wrong answer: errors are listed. */
export async function measureExport({ baseUrl, apiKey, secret }) {
  const errors = [];
  const api = async (method, path, body) => {
    const response = await fetch(`${baseUrl}/v1/api${path}`, {
      method,
      headers: { authorization: `Bearer ${sessionToken(apiKey, secret, EXPORT_SHOP, "1")}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
  const started = performance.now();
  const created = await api("POST", "/exports", { kind: "customers" });
  if (created.status !== 202) return { ms: null, errors: [`POST /v1/api/exports answered ${created.status}: ${JSON.stringify(created.body).slice(0, 200)}`] };
  const id = created.body.export.id;
  let view = created.body.export;
  let polls = 0;
  const progress = new Set();
  while (view.status === "queued" || view.status === "running") {
    if (performance.now() - started > 60_000) return { ms: null, errors: [`export ${id} not done after 60 s: ${JSON.stringify(view)}`] };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const read = await api("GET", `/exports/${id}`);
    polls++;
    if (read.status !== 200) {
      errors.push(`GET /v1/api/exports/${id} answered ${read.status}`);
      continue;
    }
    view = read.body.export;
    progress.add(view.rows_done);
  }
  const ms = performance.now() - started;
  if (view.status !== "done") return { ms: null, errors: [`export ${id} ${view.status}: ${view.error}`] };
  // The file, checked: every row there once, every email opened.
  const file = await fetch(view.download_url, { signal: AbortSignal.timeout(30_000) });
  if (file.status !== 200) return { ms, errors: [...errors, `download answered ${file.status}`] };
  const lines = (await file.text()).split("\r\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines[0] !== "customer_id,email,first_name,last_name,points_balance,total_points_earned,total_points_redeemed,total_points_reversed,created_at") errors.push(`header: ${lines[0]}`);
  if (lines.length - 1 !== EXPORT_CUSTOMERS) errors.push(`${lines.length - 1} rows, not ${EXPORT_CUSTOMERS}`);
  let wrong = 0;
  for (let i = 1; i < lines.length; i++) {
    const [id, email, first] = lines[i].split(",");
    const n = Number(id.slice(1));
    if (email !== seededEmail(n) || (n % 5 === 3 && first !== "'=Linus")) wrong++;
  }
  if (wrong) errors.push(`${wrong} rows with a wrong email or an unguarded formula`);
  return { ms: Math.round(ms), rows: view.rows_total, bytes: view.bytes, polls, progressSteps: progress.size, errors };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { url: { type: "string" } } });
  const { startStack } = await import("./stack.mjs");
  const stack = values.url ? null : await startStack();
  try {
    const baseUrl = values.url ?? stack.url;
    const apiKey = readDevVar(ROOT, "SHOPIFY_API_KEY");
    const secret = readApiSecret(ROOT);
    if (stack) console.error(`seeded: ${JSON.stringify(await seedExportShop({ baseUrl, pgUrl: stack.pgUrl, apiKey, secret, encryptionKey: readDevVar(ROOT, "ENCRYPTION_KEY") }))}`);
    const result = await measureExport({ baseUrl, apiKey, secret });
    console.log(JSON.stringify(result, null, 2));
    process.exitCode = result.errors.length ? 1 : 0;
  } finally {
    await stack?.stop();
  }
}
