// The lifecycle of CSV exports under the cron sweeper, inside the runtime with real Postgres
// and R2: files deleted after their retention (the export shown expired, its link answering
// 410), failed exports' uploads aborted, stalled exports revived from their checkpoint (a
// revived run raced against the late original message writes the file once), a run that lost
// its lease sends no more parts, a file a late run wrote into is started again and comes out
// whole, and an export that keeps stalling failed with a reason the merchant reads.
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPORT_MAX_REVIVALS, EXPORT_RETENTION_MS, EXPORT_STALL_MS, exportFileKey } from "../../core/export-lifecycle";
import { signDownloadLink } from "../../core/download-link";
import { connectReporting } from "../../postgres/client";
import { claimExport, createExport, exportById, reviveStalledExports, STALLED_TOO_OFTEN, type ExportKind } from "../../postgres/exports";
import { sweepExports } from "../../queues/export-lifecycle";
import { PART_BYTES, runExport, UPLOAD_GONE } from "../../queues/exports";
import { SEAL_OVERHEAD_BYTES } from "../../core/export-seal";
import { sweep } from "../../queues/sweeper";
import { call, eventually, json, merchantApi } from "../helpers/app";
import { installedShop } from "../helpers/shopify-emulator";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

type ExportView = { id: string; status: string; download_url: string | null; error: string | null; file_deleted_at: string | null };

async function readExport(shop: string, id: string): Promise<ExportView> {
  const response = await merchantApi(shop, "GET", `/exports/${id}`);
  expect(response.status).toBe(200);
  return (await json<{ export: ExportView }>(response)).export;
}

async function newExport(shop: string, kind: ExportKind = "customers"): Promise<string> {
  const id = crypto.randomUUID();
  await createExport(sql, { id, shop, kind, from: null, to: null, requestedBy: "test", r2Key: exportFileKey(shop, id) });
  return id;
}

/** `count` customers with long names (~170 bytes a CSV line), ids 0000000001… */
async function seedCustomers(shop: string, count: number): Promise<void> {
  await sql`
    INSERT INTO customers (shop, customer_id, first_name, last_name, points_balance, total_points_earned, created_at)
    SELECT ${shop}, lpad(i::text, 10, '0'), 'First name of customer number ' || i, 'Last name, family ' || i || ' ' || repeat('x', 60), i % 977, i % 977,
           '2026-11-01T00:00:00Z'::timestamptz + i * interval '1 second'
    FROM generate_series(1, ${count}) AS i`;
}

async function downloadLines(shop: string, id: string): Promise<string[]> {
  const token = await signDownloadLink(env.SHOPIFY_API_SECRET, "export-download", shop, id, Date.now() + 60_000);
  const response = await call(`https://loyalnest.test/v1/exports/${id}/download?token=${token}`);
  expect(response.status).toBe(200);
  const lines = (await response.text()).split("\r\n");
  expect(lines.pop()).toBe("");
  return lines;
}

/** As if nothing had happened to it for `ms`: created, and its lease ended, that long ago. */
async function quietFor(id: string, ms: number): Promise<void> {
  await sql`UPDATE exports SET created_at = now() - ${ms} * interval '1 millisecond',
    lease_until = CASE WHEN status = 'running' THEN now() - ${ms} * interval '1 millisecond' END,
    revived_at = CASE WHEN revived_at IS NOT NULL THEN now() - ${ms} * interval '1 millisecond' END WHERE id = ${id}`;
}

describe("retention", () => {
  let shop: string;
  beforeAll(async () => {
    shop = await installedShop("export-retention");
    await seedCustomers(shop, 30);
  });

  it("keeps a finished export's file through its retention, then deletes it and shows the export expired, with no link", async () => {
    const id = await newExport(shop);
    expect(await runExport(env, id)).toMatchObject({ kind: "done", rows: 30 });
    const done = await readExport(shop, id);
    expect(done.status).toBe("done");
    const finishedAt = (await exportById(sql, id))!.finished_at!;
    expect(done.file_deleted_at).toBe(new Date(finishedAt.getTime() + EXPORT_RETENTION_MS).toISOString());
    const link = done.download_url!;
    const key = (await exportById(sql, id))!.r2_key;

    // A minute short of the retention: kept.
    await sql`UPDATE exports SET finished_at = now() - ${EXPORT_RETENTION_MS - 60_000} * interval '1 millisecond' WHERE id = ${id}`;
    await sweepExports(env);
    expect((await exportById(sql, id))!.status).toBe("done");
    expect(await env.FILES.head(key)).not.toBeNull();
    expect((await call(link)).status).toBe(200);

    // A minute past it: the whole sweep deletes the file and marks the export.
    await sql`UPDATE exports SET finished_at = now() - ${EXPORT_RETENTION_MS + 60_000} * interval '1 millisecond' WHERE id = ${id}`;
    const result = await sweep(env);
    expect(result.exports?.expired).toBeGreaterThanOrEqual(1);
    expect(await env.FILES.head(key)).toBeNull();
    const row = (await exportById(sql, id))!;
    expect(row.status).toBe("expired");
    expect(row.expired_at).not.toBeNull();
    const view = await readExport(shop, id);
    expect(view).toMatchObject({ status: "expired", download_url: null, file_deleted_at: row.expired_at!.toISOString() });
    const listed = (await json<{ exports: ExportView[] }>(await merchantApi(shop, "GET", "/exports"))).exports.find((e) => e.id === id);
    expect(listed).toMatchObject({ status: "expired", download_url: null });

    // The link handed out before: 410 with a reason, not a 404 that reads like a bug.
    const response = await call(link);
    expect(response.status).toBe(410);
    expect((await json(response)).error).toMatchObject({ code: "export_expired", message: expect.stringMatching(/deleted 7 days after it finished/) });

    // An expired export does not hold its kind: a new one starts.
    expect((await merchantApi(shop, "POST", "/exports", { kind: "customers" })).status).toBe(202);
  });

  it("aborts the multipart upload a failed export left in R2", async () => {
    const id = await newExport(shop, "ledger");
    const key = (await exportById(sql, id))!.r2_key;
    const upload = await env.FILES.createMultipartUpload(key);
    await upload.uploadPart(1, new Uint8Array(1024));
    await sql`UPDATE exports SET status = 'failed', error = 'test', finished_at = now(), upload_id = ${upload.uploadId} WHERE id = ${id}`;
    const result = await sweepExports(env);
    expect(result?.uploadsAborted).toBeGreaterThanOrEqual(1);
    expect((await exportById(sql, id))!.upload_id).toBeNull();
    await expect(env.FILES.resumeMultipartUpload(key, upload.uploadId).uploadPart(2, new Uint8Array(10))).rejects.toThrow();
    // Still failed with its own reason.
    expect((await exportById(sql, id))!).toMatchObject({ status: "failed", error: "test" });
  });
});

describe("stalled exports", () => {
  let shop: string;
  beforeAll(async () => {
    shop = await installedShop("export-stalled");
    await seedCustomers(shop, 40);
  });

  it("revives an export with no sign of life for the stall time, once per stall, and it finishes; a live one and one just let go are left alone", async () => {
    const stalled = await newExport(shop, "customers");
    await quietFor(stalled, EXPORT_STALL_MS + 60_000);
    const live = await newExport(shop, "ledger");
    expect(await claimExport(sql, live, crypto.randomUUID(), 60_000)).not.toBeNull();
    await sql`UPDATE exports SET created_at = now() - interval '10 minutes' WHERE id = ${live}`;
    const justLetGo = await newExport(shop, "analytics");
    expect(await claimExport(sql, justLetGo, crypto.randomUUID(), 60_000)).not.toBeNull();
    await quietFor(justLetGo, EXPORT_STALL_MS - 30_000);
    try {
      // Two sweeps at once (two cron ticks overlapping): one revival, one job.
      await Promise.all([sweepExports(env), sweepExports(env)]);
      expect((await exportById(sql, stalled))!.revivals).toBe(1);
      expect((await exportById(sql, live))!.revivals).toBe(0);
      expect((await exportById(sql, justLetGo))!.revivals).toBe(0);
      // Revived just now: not stalled again until a stall time passes.
      await sweepExports(env);
      expect((await exportById(sql, stalled))!.revivals).toBe(1);

      // The revived job (through the queue) finishes it.
      const done = await eventually(() => exportById(sql, stalled), (row) => row!.status === "done", 25_000);
      expect(done!.status).toBe("done");
      const lines = await downloadLines(shop, stalled);
      expect(lines).toHaveLength(41);
    } finally {
      await sql`UPDATE exports SET status = 'failed' WHERE id IN (${live}, ${justLetGo}) AND status IN ('queued', 'running')`;
    }
  });

  it("fails an export revived the most times allowed once it stalls again, with the reason shown to the merchant, and aborts its upload", async () => {
    const id = await newExport(shop, "customers");
    const key = (await exportById(sql, id))!.r2_key;
    const upload = await env.FILES.createMultipartUpload(key);
    expect(await claimExport(sql, id, crypto.randomUUID(), 60_000)).not.toBeNull();
    await sql`UPDATE exports SET revivals = ${EXPORT_MAX_REVIVALS - 1}, revived_at = now(), upload_id = ${upload.uploadId} WHERE id = ${id}`;
    await quietFor(id, EXPORT_STALL_MS + 60_000);
    // One revival left: revived (by the sweeper's own statement, without the job it would send,
    // so that no run finishes it here), and its run hangs again.
    expect(await reviveStalledExports(sql, new Date(), 100, id)).toEqual([{ id, shop }]);
    expect((await exportById(sql, id))!).toMatchObject({ status: "running", revivals: EXPORT_MAX_REVIVALS });
    expect(await claimExport(sql, id, crypto.randomUUID(), 60_000)).not.toBeNull();
    await quietFor(id, EXPORT_STALL_MS + 60_000);
    const result = await sweepExports(env);
    expect(result?.failed).toBeGreaterThanOrEqual(1);
    const row = (await exportById(sql, id))!;
    expect(row).toMatchObject({ status: "failed", error: STALLED_TOO_OFTEN, upload_id: null, revivals: EXPORT_MAX_REVIVALS });
    expect(await readExport(shop, id)).toMatchObject({ status: "failed", download_url: null, error: expect.stringMatching(/restarted 3 times without finishing; start a new export/) });
    await expect(env.FILES.resumeMultipartUpload(key, upload.uploadId).uploadPart(1, new Uint8Array(10))).rejects.toThrow();
  });
});

describe("an export whose upload is gone", () => {
  it("fails at once with a reason, rather than retrying until its revivals run out", async () => {
    const shop = await installedShop("export-upload-gone");
    await seedCustomers(shop, 5);
    const id = await newExport(shop, "customers");
    const key = (await exportById(sql, id))!.r2_key;
    const upload = await env.FILES.createMultipartUpload(key);
    await upload.abort();
    // Started, then its upload aborted under it (R2 removes uploads left incomplete).
    await sql`UPDATE exports SET status = 'running', upload_id = ${upload.uploadId}, lease_until = now() - interval '1 second' WHERE id = ${id}`;
    expect(await runExport(env, id)).toEqual({ kind: "ended", reason: UPLOAD_GONE });
    expect((await exportById(sql, id))!).toMatchObject({ status: "failed", error: UPLOAD_GONE });
    expect(await readExport(shop, id)).toMatchObject({ status: "failed", download_url: null, error: expect.stringMatching(/start a new export/) });
  });
});

describe("a revived export raced against the late original message", () => {
  const shop = `export-race-${crypto.randomUUID().slice(0, 8)}.myshopify.com`;
  // Over one 5 MiB part: the race starts from a checkpoint after the first.
  const COUNT = 34_000;
  let id: string;

  beforeAll(async () => {
    await seedCustomers(shop, COUNT);
    id = await newExport(shop, "customers");
  }, 60_000);

  it("writes the file once: one run finishes from the checkpoint, the other waits or finds it done, and a later one changes nothing", async () => {
    // The first run writes a part and stops, then dies: its continuation is lost.
    expect(await runExport(env, id, { budgetMs: 0 })).toEqual({ kind: "continue" });
    const checkpoint = (await exportById(sql, id))!;
    expect(checkpoint.parts).toHaveLength(1);
    await quietFor(id, EXPORT_STALL_MS + 60_000);

    // The sweeper revives it: its job goes through the queue and runs at once, while the
    // original message, late, and a second delivery of the revived one arrive together.
    const sweepResult = await sweepExports(env);
    expect(sweepResult?.revived).toBeGreaterThanOrEqual(1);
    expect((await exportById(sql, id))!.revivals).toBe(1);
    const [a, b] = await Promise.all([runExport(env, id), runExport(env, id)]);
    const outcomes = [a, b].map((o) => o.kind);
    expect(outcomes.filter((k) => k === "done").length).toBeLessThanOrEqual(1);
    for (const o of [a, b]) expect(["done", "busy", "ended"]).toContain(o.kind);

    const done = (await eventually(() => exportById(sql, id), (row) => row!.status === "done", 40_000))!;
    expect(done.status).toBe("done");
    expect(done.parts).toHaveLength(2);
    // The first part is the one the checkpoint recorded: nobody wrote it again.
    expect(done.parts[0]).toEqual(checkpoint.parts[0]);
    expect(Number(done.rows_done)).toBe(COUNT);
    expect(Number(done.bytes_done)).toBeGreaterThan(PART_BYTES);

    const lines = await downloadLines(shop, id);
    expect(lines[0]!.startsWith("customer_id,email,")).toBe(true);
    const ids = lines.slice(1).map((line) => line.slice(0, line.indexOf(",")));
    expect(ids).toHaveLength(COUNT);
    expect(new Set(ids).size).toBe(COUNT);
    expect(ids).toEqual(Array.from({ length: COUNT }, (_, i) => String(i + 1).padStart(10, "0")));

    // Any message still to come finds it done and leaves the file as it is.
    const before = (await env.FILES.head(done.r2_key))!;
    expect(await runExport(env, id)).toEqual({ kind: "ended", reason: "already done" });
    const after = (await env.FILES.head(done.r2_key))!;
    expect(after.etag).toBe(before.etag);
    expect(after.uploaded.getTime()).toBe(before.uploaded.getTime());
  }, 90_000);
});

describe("a run that lost its lease, and a part a late run replaced", () => {
  const shop = `export-fence-${crypto.randomUUID().slice(0, 8)}.myshopify.com`;
  const COUNT = 34_000; // two parts
  const expectedIds = Array.from({ length: COUNT }, (_, i) => String(i + 1).padStart(10, "0"));
  const idsOf = (lines: string[]) => lines.slice(1).map((line) => line.slice(0, line.indexOf(",")));

  beforeAll(async () => {
    await seedCustomers(shop, COUNT);
  }, 60_000);

  it("stops before its next part once another run holds the export; the holder finishes the file alone", async () => {
    const id = await newExport(shop, "customers");
    // Just before the second part, the run stalls past its lease and another run claims it.
    const thief = crypto.randomUUID();
    const outcome = await runExport(env, id, {
      beforePart: async ({ partNumber }) => {
        if (partNumber === 2) await sql`UPDATE exports SET run_id = ${thief}, lease_until = now() + interval '1 minute' WHERE id = ${id}`;
      },
    });
    expect(outcome).toEqual({ kind: "ended", reason: "another run holds this export now" });
    const row = (await exportById(sql, id))!;
    expect([row.status, row.run_id, row.parts.length]).toEqual(["running", thief, 1]);

    // The holder (here: its lease run out, as if it died too) resumes from the checkpoint.
    await sql`UPDATE exports SET lease_until = now() - interval '1 second' WHERE id = ${id}`;
    expect(await runExport(env, id)).toMatchObject({ kind: "done", rows: COUNT });
    const done = (await exportById(sql, id))!;
    expect(done.parts).toHaveLength(2);
    expect(done.parts[0]).toEqual(row.parts[0]);
    expect(idsOf(await downloadLines(shop, id))).toEqual(expectedIds);
  }, 90_000);

  it("starts the file again when R2 holds a part a late run sent, and the file comes out whole", async () => {
    const id = await newExport(shop, "customers");
    const key = (await exportById(sql, id))!.r2_key;
    // A late run, past its lease check before it stalled, replaces part 1 while this run sends part 2.
    let replaced = false;
    const first = await runExport(env, id, {
      beforePart: async ({ partNumber, uploadId }) => {
        if (partNumber !== 2) return;
        const junk = new Uint8Array(PART_BYTES + SEAL_OVERHEAD_BYTES).fill(0x5a);
        await env.FILES.resumeMultipartUpload(key, uploadId).uploadPart(1, junk);
        replaced = true;
      },
    });
    expect(replaced).toBe(true);
    expect(first).toEqual({ kind: "continue" });
    const restarted = (await exportById(sql, id))!;
    expect([restarted.status, restarted.upload_id, restarted.parts, restarted.cursor, Number(restarted.rows_done)]).toEqual(["running", null, [], null, 0]);
    expect(await env.FILES.head(key)).toBeNull();

    // The continuation writes it from the first row, in a new upload.
    expect(await runExport(env, id)).toMatchObject({ kind: "done", rows: COUNT });
    const lines = await downloadLines(shop, id);
    expect(lines[0]!.startsWith("customer_id,email,")).toBe(true);
    expect(idsOf(lines)).toEqual(expectedIds);
  }, 90_000);
});
