// "Removed" means gone from the stores' files: a known name, email, phone and address go in
// through Shopify's webhooks (customers/create, orders/paid with addresses, a refund parked in
// the inbox, a data request whose bundle lands in R2), the customer is redacted, the stack is
// stopped, and every byte of every file under the persist directory (Durable Object SQLite
// files, D1's SQLite file and WAL, R2 blobs and metadata) and a dump of Postgres are searched
// for those strings. A scan of the same stores before the redaction must find them (the
// control: a scan that cannot see the data would prove nothing), and one that reads no file
// fails.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, startDevStack } from "../../scripts/dev.mjs";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { startPrivateCluster } from "../../scripts/postgres.mjs";
import { refundBody, sessionToken, useCredentials, webhookRequest } from "../helpers/shopify";
import { freePort } from "../../scripts/free-port.mjs";

const DATABASE = "loyalnest_e2e_gdpr";
const persistTo = mkdtempSync(join(tmpdir(), "loyalnest-gdpr-"));
const shop: string = DEMO_SHOP;
let PORT: number;
let cluster: Awaited<ReturnType<typeof startPrivateCluster>>;
let stack: Awaited<ReturnType<typeof startDevStack>> | null = null;
let sql: postgres.Sql;

// Strings no seed or fixture holds: any trace of them is this customer's.
const FIRST = "Zebulonia";
const LAST = "Quixwarthy";
const EMAIL = "zebulonia.quixwarthy@privacy-probe.example";
const PHONE = "+15550134477";
const STREET = "97 Xylophone Crescent";
const SECRETS = [FIRST, LAST, EMAIL, PHONE, STREET];

const unique = BigInt(Date.now()) * 1000n;
const customerId = String(300_000_000_000n + (unique % 100_000_000_000n));
const bystanderId = String(BigInt(customerId) + 1n);
const orderId = String(7_200_000_000_000_000_000n + unique);
const bystanderOrderId = String(BigInt(orderId) + 1n);
const parkedOrderId = String(BigInt(orderId) + 2n);
const refundId = String(BigInt(orderId) + 3n);
const parkedRefundId = String(BigInt(orderId) + 4n);

beforeAll(async () => {
  cluster = await startPrivateCluster("e2e-gdpr");
  PORT = await freePort();
  const vars = readDevVars();
  useCredentials({ apiKey: vars.SHOPIFY_API_KEY, apiSecret: vars.SHOPIFY_API_SECRET, origin: `http://127.0.0.1:${PORT}` });
  stack = await startDevStack({ port: PORT, persistTo, quiet: true, emulatorPort: 0, database: DATABASE, postgres: cluster });
  sql = postgres(cluster.databaseUrl(DATABASE), { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await stack?.stop();
  await cluster?.destroy();
  rmSync(persistTo, { recursive: true, force: true });
});

async function send(topic: string, body: unknown) {
  const response = await fetch(await webhookRequest(topic, shop, typeof body === "string" ? body : JSON.stringify(body)));
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function api(method: string, path: string) {
  const response = await fetch(`http://127.0.0.1:${PORT}/v1/api${path}`, { method, headers: { authorization: `Bearer ${await sessionToken(shop)}` } });
  return (await response.json()) as Record<string, any>;
}

async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined as T);
    if (value !== undefined && check(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 300));
  }
}

function order(id: string, customer: string, first: string, last: string, email: string, phone: string, street: string, subtotal: string) {
  const address = { first_name: first, last_name: last, name: `${first} ${last}`, address1: street, city: "Springfield", zip: "12345", country: "US", phone };
  return `{"id":${id},"admin_graphql_api_id":"gid://shopify/Order/${id}","name":"#${id.slice(-4)}","email":"${email}","phone":"${phone}","contact_email":"${email}",` +
    `"currency":"USD","subtotal_price":"${subtotal}","total_price":"${subtotal}","financial_status":"paid","cancelled_at":null,` +
    `"billing_address":${JSON.stringify(address)},"shipping_address":${JSON.stringify(address)},` +
    `"customer":{"id":${customer},"admin_graphql_api_id":"gid://shopify/Customer/${customer}","email":"${email}","phone":"${phone}","first_name":"${first}","last_name":"${last}","default_address":${JSON.stringify(address)}},` +
    `"line_items":[{"id":1,"title":"Gift for ${first}","quantity":1,"price":"${subtotal}","properties":[{"name":"Engraving","value":"${first} ${last}"}]}]}`;
}

async function shopTotals() {
  const [row] = await sql`
    SELECT coalesce(sum(total_points_earned), 0)::bigint AS earned, coalesce(sum(total_points_redeemed), 0)::bigint AS redeemed,
           coalesce(sum(points_balance), 0)::bigint AS liability FROM customers WHERE shop = ${shop}`;
  const [ledger] = await sql`SELECT coalesce(sum(points), 0)::bigint AS points FROM points_transactions WHERE shop = ${shop}`;
  return { earned: Number(row!.earned), redeemed: Number(row!.redeemed), liability: Number(row!.liability), ledgerSum: Number(ledger!.points) };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Every file under the persist directory, searched byte for byte (UTF-8 and UTF-16LE). */
function scanPersistDir(secrets: readonly string[] = SECRETS): { files: number; bytes: number; stores: Record<string, number>; hits: { file: string; secret: string }[] } {
  const files = filesUnder(persistTo);
  if (files.length === 0) throw new Error(`the byte scan read no file under ${persistTo}: it proves nothing`);
  const hits: { file: string; secret: string }[] = [];
  const stores: Record<string, number> = {};
  let bytes = 0;
  for (const file of files) {
    const data = readFileSync(file);
    bytes += data.length;
    const store = relative(persistTo, file).split("/").slice(0, 2).join("/");
    stores[store] = (stores[store] ?? 0) + 1;
    for (const secret of secrets) {
      if (data.includes(Buffer.from(secret, "utf8")) || data.includes(Buffer.from(secret, "utf16le")) || data.includes(Buffer.from(secret.toLowerCase(), "utf8"))) {
        hits.push({ file: relative(persistTo, file), secret });
      }
    }
  }
  return { files: files.length, bytes, stores, hits };
}

/** Every row of every table of the database, as JSON, and pg_dump's output when pg_dump runs. */
async function postgresText(): Promise<{ tables: number; text: string }> {
  const tables = await sql<{ schemaname: string; tablename: string }[]>`SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`;
  if (tables.length === 0) throw new Error("Postgres has no table to scan");
  let text = "";
  for (const t of tables) {
    const rows = await sql`SELECT row_to_json(x)::text AS j FROM ${sql(t.schemaname)}.${sql(t.tablename)} x`;
    text += rows.map((r) => r.j).join("\n");
  }
  const pgDump = ["/usr/bin/pg_dump", ...(existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin/pg_dump`) : [])].filter(existsSync).reverse();
  for (const bin of pgDump) {
    try {
      text += execFileSync(bin, ["--no-owner", "-d", cluster.databaseUrl(DATABASE)], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] });
      break;
    } catch {
      // a pg_dump older than the server refuses it: the next one, or the SELECTs alone
    }
  }
  return { tables: tables.length, text };
}

describe("customers/redact, proven on the files", () => {
  let before: Awaited<ReturnType<typeof shopTotals>>;
  let beforeScan: ReturnType<typeof scanPersistDir>;

  it("takes the customer's data in through webhooks, and a data bundle holds it", async () => {
    expect((await send("customers/create", { id: Number(customerId), admin_graphql_api_id: `gid://shopify/Customer/${customerId}`, email: EMAIL, phone: PHONE, first_name: FIRST, last_name: LAST, created_at: "2026-11-20T10:00:00Z" })).body).toMatchObject({ outcome: "applied" });
    expect((await send("customers/create", { id: Number(bystanderId), admin_graphql_api_id: `gid://shopify/Customer/${bystanderId}`, email: "bystander@example.com", first_name: "Bystander", last_name: "Kept", created_at: "2026-11-20T10:00:00Z" })).body).toMatchObject({ outcome: "applied" });
    expect((await send("orders/paid", order(orderId, customerId, FIRST, LAST, EMAIL, PHONE, STREET, "40.00"))).body).toMatchObject({ outcome: "applied", points: 400 });
    expect((await send("orders/paid", order(bystanderOrderId, bystanderId, "Bystander", "Kept", "bystander@example.com", "+15550000000", "1 Main St", "25.00"))).body).toMatchObject({ points: 250 });
    // A refund of the known order once it is indexed, and one of an order never seen: parked in the inbox.
    await eventually(() => send("refunds/create", refundBody({ id: refundId, orderId, lineSubtotals: ["10.00"] })), (r) => r.body.outcome === "applied");
    // Raw text: ids above 2^53 must not pass through JSON.parse.
    const parked = refundBody({ id: parkedRefundId, orderId: parkedOrderId, lineSubtotals: ["5.00"] }).replace(/^\{/, `{"note":"${FIRST} ${LAST} called, ${PHONE}",`);
    expect((await send("refunds/create", parked)).body).toMatchObject({ outcome: "queued" });

    await eventually(async () => (await sql`SELECT first_name FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}`)[0]?.first_name, (n) => n === FIRST);
    await eventually(async () => (await sql`SELECT count(*)::int AS n FROM points_transactions WHERE shop = ${shop} AND customer_id IN (${customerId}, ${bystanderId})`)[0]!.n, (n) => n === 5);

    expect((await send("customers/data_request", { shop_id: 1, shop_domain: shop, orders_requested: [Number(orderId)], customer: { id: Number(customerId), email: EMAIL, phone: PHONE }, data_request: { id: 77 } })).body).toMatchObject({ outcome: "recorded" });
    const request = await eventually(async () => (await api("GET", "/gdpr/requests")).requests.find((r: any) => r.type === "data_request"), (r) => r?.status === "done");
    expect(request).toMatchObject({ status: "done", requested_by: "shopify" });
    const bundle = (await (await fetch(request.download_url)).json()) as Record<string, any>;
    expect(bundle.sections.profile).toMatchObject({ email: EMAIL, first_name: FIRST, last_name: LAST });
    expect(bundle.sections.ledger.map((e: any) => [e.kind, e.points])).toEqual([["signup", 200], ["earn", 400], ["reversal", -100]]);

    before = await shopTotals();
    // The control: before the redaction, the scans see the customer.
    beforeScan = scanPersistDir();
    const pg = await postgresText();
    expect(pg.text).toContain(FIRST);
    console.log(`[gdpr e2e] before redaction: ${beforeScan.files} files, ${beforeScan.bytes} bytes; found in ${JSON.stringify(beforeScan.hits)}`);
    expect(beforeScan.hits.map((h) => h.secret)).toContain(FIRST);
  });

  it("after customers/redact, no file of any store and no row of Postgres holds the name, email, phone or address, and the totals stand", async () => {
    expect((await send("customers/redact", { shop_id: 1, shop_domain: shop, customer: { id: Number(customerId), email: EMAIL, phone: PHONE }, orders_to_redact: [Number(orderId), Number(parkedOrderId)] })).body).toMatchObject({ outcome: "recorded" });
    const request = await eventually(async () => (await api("GET", "/gdpr/requests")).requests.find((r: any) => r.type === "redact"), (r) => r?.status === "done");
    expect(request).toMatchObject({ status: "done", reason: "balance of 500 points forfeited" });

    // A webhook sent before the redaction, retried now, brings nothing back.
    expect((await send("orders/paid", order(String(BigInt(orderId) + 9n), customerId, FIRST, LAST, EMAIL, PHONE, STREET, "10.00"))).body).toMatchObject({ outcome: "ignored", reason: "customer_redacted" });

    const after = await eventually(() => shopTotals(), (t) => t.liability === before.liability - 500);
    expect(after).toEqual({ earned: before.earned, redeemed: before.redeemed, liability: before.liability - 500, ledgerSum: before.ledgerSum - 500 });
    expect(after.ledgerSum).toBe(after.liability);

    const pg = await postgresText();
    expect(pg.tables).toBeGreaterThan(5);
    for (const secret of SECRETS) expect(pg.text.includes(secret) || pg.text.toLowerCase().includes(secret.toLowerCase()), `Postgres still holds ${secret}`).toBe(false);
    expect(pg.text).toContain("Bystander");

    // Stopped, so every file is closed as it would be at rest.
    await stack!.stop();
    stack = null;
    const scan = scanPersistDir();
    console.log(`[gdpr e2e] after redaction: ${scan.files} files, ${scan.bytes} bytes scanned (${JSON.stringify(scan.stores)}); hits ${JSON.stringify(scan.hits)}`);
    expect(scan.files).toBeGreaterThan(3);
    // Every store's files were read: the objects', D1's and R2's.
    expect(Object.keys(scan.stores)).toEqual(expect.arrayContaining(["v3/do", "v3/d1", "v3/r2"]));
    // The contrast: the bystander's profile event left their object's outbox long ago (a row
    // deleted, as the customer's was before the redaction), yet SQLite may keep its bytes.
    const bystander = scanPersistDir(["Bystander"]);
    console.log(`[gdpr e2e] a deleted row's bytes (the bystander's projected profile event) after the stop: ${JSON.stringify(bystander.hits)}`);
    // What became of the files that held the name (the customer object's database and WAL).
    const objectFiles = [...new Set(beforeScan.hits.map((h) => h.file.replace(/-(wal|shm)$/, "")))];
    for (const base of objectFiles) {
      const sizes = ["", "-wal", "-shm"].map((suffix) => {
        const path = join(persistTo, base + suffix);
        return `${base.split("/").pop()}${suffix}: ${existsSync(path) ? `${statSync(path).size} bytes` : "absent"}`;
      });
      console.log(`[gdpr e2e] after redaction: ${sizes.join(", ")}`);
    }
    expect(scan.hits).toEqual([]);
  });
});
