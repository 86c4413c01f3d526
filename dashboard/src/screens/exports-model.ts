// The Exports screen's state: the shop's exports, polled while one is queued or running so its
// progress bar moves, and starting one. Takes its API client as an argument (tests pass a fake).
import { computed, signal } from "@preact/signals";
import { ApiFailure, type api as apiClient } from "../api";

export const EXPORT_KINDS = ["customers", "ledger", "analytics"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportView {
  id: string;
  kind: ExportKind;
  /** expired: the file was deleted after the retention (core/export-lifecycle.ts); no link. */
  status: "queued" | "running" | "done" | "failed" | "expired";
  from: string | null;
  to: string | null;
  rows_done: number;
  rows_total: number | null;
  bytes: number;
  error: string | null;
  created_at: string;
  finished_at: string | null;
  download_url: string | null;
  expires_at: string | null;
  /** When the file goes (a done export) or went (an expired one). */
  file_deleted_at: string | null;
}

export interface ExportRequest {
  kind: ExportKind;
  from: string;
  to: string;
}

type Client = Pick<typeof apiClient, "get" | "send">;

const inFlight = (e: ExportView) => e.status === "queued" || e.status === "running";

export function createExportsModel(client: Client, { pollMs = 700 } = {}) {
  const exports = signal<ExportView[] | null>(null);
  const status = signal<"loading" | "idle" | "starting" | "error">("loading");
  const loadError = signal<ApiFailure | null>(null);
  /** The API's message beside the field it names (kind, from, to). */
  const fieldErrors = signal<Record<string, string>>({});
  const formError = signal<string | null>(null);
  const running = computed(() => exports.value?.some(inFlight) ?? false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  function schedule() {
    clearTimeout(timer);
    if (!disposed && running.value) timer = setTimeout(() => void load(), pollMs);
  }

  async function load(): Promise<void> {
    try {
      const { exports: list } = await client.get<{ exports: ExportView[] }>("/exports");
      exports.value = list;
      loadError.value = null;
      if (status.value === "loading" || status.value === "error") status.value = "idle";
    } catch (error) {
      loadError.value = error instanceof ApiFailure ? error : new ApiFailure(0, "client_error", String(error));
      // A failed poll keeps the list shown and tries again; a failed first load shows the error.
      if (exports.value === null) status.value = "error";
    }
    schedule();
  }

  /** Starts an export; `already` when one of that kind was running and the API answered it. */
  async function start(request: ExportRequest): Promise<{ started: ExportView; already: boolean } | null> {
    status.value = "starting";
    fieldErrors.value = {};
    formError.value = null;
    const body = request.kind === "customers" ? { kind: request.kind } : { kind: request.kind, ...(request.from ? { from: request.from } : {}), ...(request.to ? { to: request.to } : {}) };
    try {
      const { export: started } = await client.send<{ export: ExportView }>("POST", "/exports", body);
      const known = exports.value ?? [];
      const already = known.some((e) => e.id === started.id);
      exports.value = already ? known.map((e) => (e.id === started.id ? started : e)) : [started, ...known];
      schedule();
      return { started, already };
    } catch (error) {
      const failure = error instanceof ApiFailure ? error : new ApiFailure(0, "client_error", String(error));
      const message = failure.field ? failure.message.replace(`${failure.field}: `, "") : failure.message;
      if (failure.field) fieldErrors.value = { [failure.field]: message };
      else formError.value = message;
      return null;
    } finally {
      status.value = "idle";
    }
  }

  function clearFieldError(field: string) {
    if (!(field in fieldErrors.value)) return;
    const { [field]: _, ...rest } = fieldErrors.value;
    fieldErrors.value = rest;
  }

  function dispose() {
    disposed = true;
    clearTimeout(timer);
  }

  return { exports, status, loadError, fieldErrors, formError, running, load, start, clearFieldError, dispose };
}

export type ExportsModel = ReturnType<typeof createExportsModel>;

/** 0–100, or null while the total is not known yet. */
export function percentDone(e: ExportView): number | null {
  if (e.status === "done") return 100;
  if (e.rows_total === null) return null;
  return e.rows_total === 0 ? 100 : (100 * e.rows_done) / e.rows_total;
}
