// CSV exports inside the runtime: POST through the jobs queue to a file in R2 and its signed
// link, checked row for row against the projection; the job's multipart upload resumed from
// its checkpoint; one export per shop and kind; another shop's session and links refused; the
// file sealed at rest part by part (nothing in the clear in R2, a tampered, reordered or cut
// file refused, not served), opened under a rotated key.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportFileKey } from "../../core/export-lifecycle";
import { signDownloadLink } from "../../core/download-link";
import { connectReporting } from "../../postgres/client";
import { claimExport, createExport, exportById } from "../../postgres/exports";
import { keyring } from "../../core/crypto";
import { openSealedParts, SEAL_OVERHEAD_BYTES, SealedExportError } from "../../core/export-seal";
import { PART_BYTES, runExport } from "../../queues/exports";
import { handleJobs, type JobMessage } from "../../queues/jobs";
import { call, eventually, json, merchantApi } from "../helpers/app";
import { earn } from "../helpers/redemption";
import { installedShop } from "../helpers/shopify-emulator";
import { customerBody, webhookRequest } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

let nextId = 8_500_000_000;
const newId = () => String(++nextId);

type ExportView = {
  id: string;
  kind: string;
  status: string;
  rows_done: number;
  rows_total: number | null;
  download_url: string | null;
  expires_at: string | null;
  error: string | null;
};

/** RFC 4180: quoted cells with doubled quotes, CRLF lines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    } else cell += ch;
  }
  if (cell !== "" || row.length) throw new Error(`CSV ends without CRLF: ${JSON.stringify(row)} ${cell}`);
  return rows;
}

async function startExport(shop: string, body: unknown): Promise<{ status: number; view: ExportView }> {
  const response = await merchantApi(shop, "POST", "/exports", body);
  return { status: response.status, view: (await json<{ export: ExportView }>(response)).export };
}

async function readExport(shop: string, id: string): Promise<ExportView> {
  const response = await merchantApi(shop, "GET", `/exports/${id}`);
  expect(response.status).toBe(200);
  return (await json<{ export: ExportView }>(response)).export;
}

async function finished(shop: string, id: string): Promise<ExportView> {
  const view = await eventually(() => readExport(shop, id), (v) => v.status === "done" || v.status === "failed", 25_000);
  expect(view.status, JSON.stringify(view)).toBe("done");
  return view;
}

async function projectedCustomers(shop: string) {
  return sql<{ customer_id: string; first_name: string | null; last_name: string | null; points_balance: string; total_points_earned: string; total_points_redeemed: string; total_points_reversed: string; created_at: Date }[]>`
    SELECT customer_id, first_name, last_name, points_balance::text, total_points_earned::text, total_points_redeemed::text, total_points_reversed::text, created_at
    FROM customers WHERE shop = ${shop} AND customer_id NOT LIKE 'redacted-%' ORDER BY customer_id`;
}

function concat(...chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, at), (at += c.length);
  return out;
}

async function linkFor(shop: string, id: string): Promise<string> {
  return `https://loyalnest.test/v1/exports/${id}/download?token=${await signDownloadLink(env.SHOPIFY_API_SECRET, "export-download", shop, id, Date.now() + 60_000)}`;
}

const neutral = (text: string | null) => (text === null ? "" : /^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

describe("a customers export through the queue", () => {
  let shop: string;
  let other: string;
  const customers = [
    { id: newId(), first: "Ada", last: "Lovelace", email: "ada.export@example.com" },
    { id: newId(), first: "=HYPERLINK(\"http://evil\")", last: "+44 20", email: "formula.export@example.com" },
    { id: newId(), first: "-2+3", last: "@SUM(A1)", email: "minus.export@example.com" },
    { id: newId(), first: "Line\nBreak", last: "Comma, \"Quoted\"", email: "quote.export@example.com" },
  ];
  let view: ExportView;

  beforeAll(async () => {
    shop = await installedShop("export-customers");
    other = await installedShop("export-other");
    for (const c of customers) {
      const response = await call(await webhookRequest("customers/create", shop, customerBody({ id: c.id, email: c.email, firstName: c.first, lastName: c.last })));
      expect(response.status).toBe(200);
    }
    await earn(shop, customers[0]!.id, 700);
    await eventually(
      async () => (await sql`SELECT count(*)::int AS n FROM customers WHERE shop = ${shop} AND first_name IS NOT NULL AND (customer_id <> ${customers[0]!.id} OR points_balance > 200)`)[0]!.n as number,
      (n) => n === customers.length,
    );
    const started = await startExport(shop, { kind: "customers" });
    expect(started.status).toBe(202);
    expect(started.view).toMatchObject({ kind: "customers", status: "queued", download_url: null });
    view = await finished(shop, started.view.id);
  });

  it("matches the projection row for row, emails opened, formulas neutralised", async () => {
    expect(view.rows_done).toBe(customers.length);
    expect(view.rows_total).toBe(customers.length);
    const response = await call(view.download_url!);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="loyalnest-customers-/);
    const [header, ...rows] = parseCsv(await response.text());
    expect(header).toEqual(["customer_id", "email", "first_name", "last_name", "points_balance", "total_points_earned", "total_points_redeemed", "total_points_reversed", "created_at"]);
    const projection = await projectedCustomers(shop);
    expect(rows).toEqual(
      projection.map((p) => [
        p.customer_id,
        customers.find((c) => c.id === p.customer_id)!.email,
        neutral(p.first_name),
        neutral(p.last_name),
        p.points_balance,
        p.total_points_earned,
        p.total_points_redeemed,
        p.total_points_reversed,
        p.created_at.toISOString(),
      ]),
    );
    // Not vacuous: the formulas are there, prefixed, and the balance is the earned one.
    expect(rows.flat()).toContain(`'=HYPERLINK("http://evil")`);
    expect(rows.flat()).toContain("'-2+3");
    expect(rows.flat()).toContain("'@SUM(A1)");
    expect(rows.flat()).toContain("'+44 20");
    expect(rows.find((r) => r[0] === customers[0]!.id)![4]).toBe("900");
  });

  it("keeps no email and no CSV in the clear in R2: the object is the sealed file", async () => {
    const row = (await exportById(sql, view.id))!;
    expect(row.sealed).toBe(true);
    expect(row.r2_key).toBe(`exports/${shop}/${view.id}.csv`);
    const object = (await env.FILES.get(row.r2_key))!;
    const raw = new Uint8Array(await object.arrayBuffer());
    const text = new TextDecoder("latin1").decode(raw);
    for (const c of customers) expect(text).not.toContain(c.email);
    expect(text).not.toContain("customer_id");
    expect(text).not.toContain("Lovelace");
    expect(text.startsWith("LNX1")).toBe(true);
    // One final part: the CSV's length plus the seal's.
    expect(raw.length).toBe(Number(row.bytes_done) + SEAL_OVERHEAD_BYTES);
    expect(object.httpMetadata?.contentType).toBe("application/octet-stream");
  });

  it("lists the shop's exports newest first, and none of them to another shop", async () => {
    const second = await startExport(shop, { kind: "analytics" });
    expect(second.status).toBe(202);
    await finished(shop, second.view.id);
    const mine = (await json<{ exports: ExportView[] }>(await merchantApi(shop, "GET", "/exports"))).exports;
    expect(mine.map((e) => e.id)).toEqual([second.view.id, view.id]);
    const theirs = (await json<{ exports: ExportView[] }>(await merchantApi(other, "GET", "/exports"))).exports;
    expect(theirs).toEqual([]);
  });

  it("answers another shop's session 404 for this export", async () => {
    const response = await merchantApi(other, "GET", `/exports/${view.id}`);
    expect(response.status).toBe(404);
    expect((await json(response)).error.code).toBe("export_not_found");
  });

  it("refuses a link signed for another shop, an altered token and an expired one with 403", async () => {
    const url = new URL(view.download_url!);
    const base = `https://loyalnest.test/v1/exports/${view.id}/download?token=`;
    const forOther = await signDownloadLink(env.SHOPIFY_API_SECRET, "export-download", other, view.id, Date.now() + 60_000);
    const asGdpr = await signDownloadLink(env.SHOPIFY_API_SECRET, "gdpr-download", shop, view.id, Date.now() + 60_000);
    const expired = await signDownloadLink(env.SHOPIFY_API_SECRET, "export-download", shop, view.id, Date.now() - 1_000);
    const token = url.searchParams.get("token")!;
    const altered = token.slice(0, -2) + (token.endsWith("A") ? "B" : "A") + token.slice(-1);
    for (const [bad, code] of [
      [forOther, "invalid_link"],
      [asGdpr, "invalid_link"],
      [altered, "invalid_link"],
      ["garbage!", "invalid_link"],
      [expired, "link_expired"],
    ] as const) {
      const response = await call(base + encodeURIComponent(bad));
      expect(response.status, bad).toBe(403);
      expect((await json(response)).error.code).toBe(code);
    }
    // The fresh one still works: the refusals above are about the token, not the export.
    expect((await call(view.download_url!)).status).toBe(200);
  });

  it("does not let another shop's link open this shop's export, even for its own id", async () => {
    const theirs = await startExport(other, { kind: "customers" });
    const done = await finished(other, theirs.view.id);
    const theirToken = new URL(done.download_url!).searchParams.get("token")!;
    const response = await call(`https://loyalnest.test/v1/exports/${view.id}/download?token=${theirToken}`);
    expect(response.status).toBe(403);
    const [header, ...rows] = parseCsv(await (await call(done.download_url!)).text());
    expect(header![0]).toBe("customer_id");
    expect(rows).toEqual([]);
  });

  it("answers the export in flight to a second request of the same kind", async () => {
    const { row } = await createExport(sql, { id: crypto.randomUUID(), shop, kind: "ledger", from: null, to: null, requestedBy: "test", r2Key: exportFileKey(shop, "held") });
    try {
      const again = await startExport(shop, { kind: "ledger", from: "2026-01-01" });
      expect(again.status).toBe(200);
      expect(again.view.id).toBe(row.id);
      // Another kind is not held up by it.
      const customersAgain = await startExport(shop, { kind: "customers" });
      expect(customersAgain.status).toBe(202);
      await finished(shop, customersAgain.view.id);
    } finally {
      await sql`UPDATE exports SET status = 'failed' WHERE id = ${row.id}`;
    }
  });

  it("revives a stalled export of the kind when asked again, and it finishes from where it was", async () => {
    const id = crypto.randomUUID();
    // Queued three minutes ago, its message lost: nothing would ever run it.
    await createExport(sql, { id, shop, kind: "ledger", from: null, to: null, requestedBy: "test", r2Key: exportFileKey(shop, id) });
    await sql`UPDATE exports SET created_at = now() - interval '3 minutes' WHERE id = ${id}`;
    const again = await startExport(shop, { kind: "ledger" });
    expect(again.status).toBe(200);
    expect(again.view.id).toBe(id);
    // Counted like the sweeper's revivals (their cap applies to both).
    expect((await exportById(sql, id))!.revivals).toBe(1);
    const done = await finished(shop, id);
    const n = (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM points_transactions WHERE shop = ${shop}`)[0]!.n;
    expect(n).toBeGreaterThan(0);
    expect(done.rows_total).toBe(n);
  });
});

describe("ledger and analytics exports", () => {
  let shop: string;
  const customerId = newId();

  beforeAll(async () => {
    shop = await installedShop("export-ledger");
    expect((await call(await webhookRequest("customers/create", shop, customerBody({ id: customerId, email: "ledger.export@example.com", firstName: "Led", lastName: "Ger" })))).status).toBe(200);
    await earn(shop, customerId, 300);
    await earn(shop, customerId, 450);
    await eventually(async () => (await sql`SELECT count(*)::int AS n FROM points_transactions WHERE shop = ${shop}`)[0]!.n as number, (n) => n === 3);
  });

  it("writes every ledger entry of the range, and the daily series sums to the ledger", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const ledger = await finished(shop, (await startExport(shop, { kind: "ledger", from: today, to: today })).view.id);
    const [header, ...rows] = parseCsv(await (await call(ledger.download_url!)).text());
    expect(header).toEqual(["customer_id", "entry_id", "seq", "kind", "points", "balance_after", "source_type", "source_id", "note", "created_at"]);
    const entries = await sql`SELECT entry_id::text, seq::text, kind, points::text FROM points_transactions WHERE shop = ${shop} ORDER BY customer_id, seq DESC`;
    expect(rows.map((r) => [r[1], r[2], r[3], r[4]])).toEqual(entries.map((e) => [e.entry_id, e.seq, e.kind, e.points]));
    expect(rows.map((r) => r[3]).sort()).toEqual(["earn", "earn", "signup"]);

    const analytics = await finished(shop, (await startExport(shop, { kind: "analytics" })).view.id);
    const [aHeader, ...days] = parseCsv(await (await call(analytics.download_url!)).text());
    expect(aHeader).toEqual(["date", "ledger_entries", "points_issued", "points_redeemed", "points_expired", "points_reversed", "points_adjusted_off", "net_points"]);
    expect(days).toEqual([[today, "3", "950", "0", "0", "0", "0", "950"]]);

    // A range with no entries: the header alone, 0 rows.
    const empty = await finished(shop, (await startExport(shop, { kind: "ledger", from: "2020-01-01", to: "2020-12-31" })).view.id);
    expect(empty.rows_total).toBe(0);
    expect(parseCsv(await (await call(empty.download_url!)).text())).toEqual([header]);
  });

  it.each([
    [{ kind: "orders" }, "kind"],
    [{}, "kind"],
    [{ kind: "ledger", from: "2026-13-01" }, "from"],
    [{ kind: "ledger", from: "2026-02-30" }, "from"],
    [{ kind: "ledger", to: "yesterday" }, "to"],
    [{ kind: "ledger", from: "2026-05-02", to: "2026-05-01" }, "to"],
    [{ kind: "customers", from: "2026-05-01" }, "from"],
    [{ kind: "customers", extra: 1 }, ""],
  ])("refuses %j with 400 naming %s, and records nothing", async (body, field) => {
    const before = (await sql`SELECT count(*)::int AS n FROM exports WHERE shop = ${shop}`)[0]!.n;
    const response = await merchantApi(shop, "POST", "/exports", body);
    expect(response.status).toBe(400);
    const error = (await json(response)).error;
    expect(error.code).toBe("invalid_request");
    if (field) expect(error.message.startsWith(`${field}: `), error.message).toBe(true);
    expect((await sql`SELECT count(*)::int AS n FROM exports WHERE shop = ${shop}`)[0]!.n).toBe(before);
  });

  it("answers 400 for an id that is not a UUID", async () => {
    expect((await merchantApi(shop, "GET", "/exports/42")).status).toBe(400);
    expect((await call("https://loyalnest.test/v1/exports/42/download?token=x")).status).toBe(400);
    expect((await call(`https://loyalnest.test/v1/exports/${crypto.randomUUID()}/download`)).status).toBe(400);
  });
});

describe("the export job: parts, progress and resumption", () => {
  const shop = `export-big-${crypto.randomUUID().slice(0, 8)}.myshopify.com`;
  // Long names so the file passes one 5 MiB part: ~170 bytes a row, 6.8 MB.
  const COUNT = 40_000;
  let id: string;

  beforeAll(async () => {
    await sql`
      INSERT INTO customers (shop, customer_id, first_name, last_name, points_balance, total_points_earned, created_at)
      SELECT ${shop}, lpad(i::text, 10, '0'), 'First name of customer number ' || i, 'Last name, family ' || i || ' ' || repeat('x', 60), i % 977, i % 977,
             '2026-11-01T00:00:00Z'::timestamptz + i * interval '1 second'
      FROM generate_series(1, ${COUNT}) AS i`;
    id = crypto.randomUUID();
    await createExport(sql, { id, shop, kind: "customers", from: null, to: null, requestedBy: "test", r2Key: exportFileKey(shop, id) });
  }, 60_000);

  it("stops after a part when its budget is spent, with progress recorded and the part durable", async () => {
    const first = await runExport(env, id, { budgetMs: 0 });
    expect(first).toEqual({ kind: "continue" });
    const row = (await exportById(sql, id))!;
    expect(row.status).toBe("running");
    expect(row.parts).toHaveLength(1);
    expect(Number(row.bytes_done)).toBe(PART_BYTES);
    expect(Number(row.rows_total)).toBe(COUNT);
    expect(Number(row.rows_done)).toBeGreaterThan(0);
    expect(Number(row.rows_done)).toBeLessThan(COUNT);
    expect(row.carry.length).toBeGreaterThan(0); // the row the cut fell in
    expect(await env.FILES.head(row.r2_key)).toBeNull(); // not complete yet
  });

  it("waits while another run holds the lease", async () => {
    const holder = crypto.randomUUID();
    expect(await claimExport(sql, id, holder, 60_000)).not.toBeNull();
    const outcome = await runExport(env, id);
    expect(outcome.kind).toBe("busy");
    // The holder dies: its lease runs out and the next delivery takes over.
    await sql`UPDATE exports SET lease_until = now() - interval '1 second' WHERE id = ${id}`;
  });

  it("resumes from the checkpoint and finishes: every row once, in order, parts of equal size", async () => {
    const outcome = await runExport(env, id);
    expect(outcome).toMatchObject({ kind: "done", rows: COUNT });
    const row = (await exportById(sql, id))!;
    expect(row.status).toBe("done");
    expect(Number(row.rows_done)).toBe(COUNT);
    expect(row.parts).toHaveLength(2);
    const object = (await env.FILES.head(row.r2_key))!;
    // Two sealed parts: R2 kept the first at PART_BYTES of CSV and the seal, the last shorter.
    expect(object.size).toBe(Number(row.bytes_done) + 2 * SEAL_OVERHEAD_BYTES);
    expect(Number(row.bytes_done)).toBeGreaterThan(PART_BYTES);
    const response = await call(await linkFor(row.shop, row.id));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(row.bytes_done);
    const csv = await response.text();
    expect(new TextEncoder().encode(csv).length).toBe(Number(row.bytes_done));
    const [header, ...rows] = parseCsv(csv);
    expect(header![0]).toBe("customer_id");
    expect(rows).toHaveLength(COUNT);
    const projection = await projectedCustomers(shop);
    expect(rows.map((r) => r[0])).toEqual(projection.map((p) => p.customer_id));
    expect(rows.map((r) => `${r[2]}|${r[3]}|${r[4]}`)).toEqual(projection.map((p) => `${p.first_name}|${p.last_name}|${p.points_balance}`));
  }, 60_000);

  it("refuses a file whose parts were swapped, altered or cut, rather than serving garbage", async () => {
    const row = (await exportById(sql, id))!;
    const original: Uint8Array<ArrayBuffer> = new Uint8Array(await (await env.FILES.get(row.r2_key))!.arrayBuffer());
    const first = original.subarray(0, PART_BYTES + SEAL_OVERHEAD_BYTES);
    const last = original.subarray(PART_BYTES + SEAL_OVERHEAD_BYTES);
    const link = await linkFor(row.shop, row.id);
    try {
      // Reordered: the final part first. Refused before anything is sent.
      await env.FILES.put(row.r2_key, concat(last, first));
      let response = await call(link);
      expect(response.status).toBe(500);
      const error = (await json(response)).error;
      expect(error.code).toBe("export_unreadable");
      expect(error.message).toMatch(/part 1 of the export's file does not open in its place/);

      // One bit of the second part flipped: the first part is sent, then the transfer fails.
      const altered = original.slice();
      altered[PART_BYTES + SEAL_OVERHEAD_BYTES + 100]! ^= 1;
      await env.FILES.put(row.r2_key, altered);
      response = await call(link);
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow();

      // Cut after the first part (a whole part, sealed as not the last): fails, never a short CSV.
      await env.FILES.put(row.r2_key, first.slice());
      response = await call(link);
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow();

      // The part opener names each problem.
      const ring = await keyring(env);
      const problem = async (bytes: Uint8Array<ArrayBuffer>, exportId = row.id) => {
        try {
          for await (const _ of openSealedParts(ring, row.shop, exportId, new Blob([bytes]).stream())) void _;
          return "opened";
        } catch (error) {
          return error instanceof SealedExportError ? error.problem : String(error);
        }
      };
      expect(await problem(original)).toBe("opened");
      expect(await problem(concat(first, first))).toBe("tampered"); // part 1 again as part 2
      expect(await problem(concat(original, last))).toBe("tampered"); // after the final part
      expect(await problem(first)).toBe("truncated");
      expect(await problem(original.subarray(0, original.length - 10))).toBe("truncated");
      expect(await problem(original, crypto.randomUUID())).toBe("tampered"); // another export's file
    } finally {
      await env.FILES.put(row.r2_key, original);
    }
    expect((await call(link)).status).toBe(200);
  }, 60_000);

  it("opens a file sealed under a key rotated into ENCRYPTION_KEYS_PREVIOUS, and names the key once it is dropped", async () => {
    const row = (await exportById(sql, id))!;
    const newKey = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const rotated = await keyring({ ENCRYPTION_KEY: newKey, ENCRYPTION_KEYS_PREVIOUS: env.ENCRYPTION_KEY });
    let bytes = 0;
    for await (const part of openSealedParts(rotated, row.shop, row.id, (await env.FILES.get(row.r2_key))!.body)) bytes += part.length;
    expect(bytes).toBe(Number(row.bytes_done));
    const dropped = await keyring({ ENCRYPTION_KEY: newKey });
    const parts = openSealedParts(dropped, row.shop, row.id, (await env.FILES.get(row.r2_key))!.body);
    await expect(parts.next()).rejects.toThrow(/sealed under key [0-9a-f]{8}, which this deployment no longer holds/);
  }, 60_000);

  it("finishes a redelivered message idempotently: nothing rewritten", async () => {
    const before = (await env.FILES.head((await exportById(sql, id))!.r2_key))!;
    expect(await runExport(env, id)).toEqual({ kind: "ended", reason: "already done" });
    const after = (await env.FILES.head((await exportById(sql, id))!.r2_key))!;
    expect(after.etag).toBe(before.etag);
    expect(after.uploaded.getTime()).toBe(before.uploaded.getTime());
  });

  it("acks a redelivered queue message of the finished export, and retries one held by a live run until its lease ends", async () => {
    const doneBatch = createMessageBatch<JobMessage>("jobs", [{ id: "done-1", timestamp: new Date(), attempts: 3, body: { type: "export", shop, exportId: id } }]);
    await handleJobs(doneBatch, env);
    expect((await getQueueResult(doneBatch, createExecutionContext())).explicitAcks).toEqual(["done-1"]);

    const heldId = crypto.randomUUID();
    await createExport(sql, { id: heldId, shop, kind: "ledger", from: null, to: null, requestedBy: "test", r2Key: exportFileKey(shop, heldId) });
    expect(await claimExport(sql, heldId, crypto.randomUUID(), 45_000)).not.toBeNull();
    try {
      // By hand: the plugin's batches do not keep a retry's delay.
      const calls: string[] = [];
      const message = {
        id: "held-1",
        timestamp: new Date(),
        attempts: 1,
        body: { type: "export", shop, exportId: heldId } as JobMessage,
        ack: () => calls.push("ack"),
        retry: (options?: { delaySeconds?: number }) => calls.push(`retry ${options?.delaySeconds}`),
      };
      await handleJobs({ queue: "jobs", messages: [message], ackAll() {}, retryAll() {} } as unknown as MessageBatch<JobMessage>, env);
      expect(calls).toHaveLength(1);
      const delay = Number(calls[0]!.split(" ")[1]);
      expect(calls[0]!.startsWith("retry ")).toBe(true);
      expect(delay).toBeGreaterThan(30);
      expect(delay).toBeLessThanOrEqual(45);
    } finally {
      await sql`UPDATE exports SET status = 'failed' WHERE id = ${heldId}`;
    }
  });
});
