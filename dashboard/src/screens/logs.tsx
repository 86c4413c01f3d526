// Activity log: who changed what in this shop (audit_logs), newest first, filtered by customer,
// dates and action, 50 a page. The filters live in the URL (a profile links here with its
// customer), and apply when the merchant presses Filter, not on every keystroke.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { formatDateTime, formatNumber } from "../format";
import { useResource } from "../hooks";
import { useT } from "../i18n";
import { Link, setQuery } from "../router";
import { Banner, Button, Card, DataTable, EmptyState, FormLayout, LoadError, Page, Pagination, Select, Spinner, Stack, Text, TextField } from "../ui";
import type { AuditEntry } from "../../../core/merchant-wire";
import type { ScreenProps } from "./registry";
import { fieldError } from "./customer-view";

export const LOGS_PER_PAGE = 50;

/** The actions the app records (workers/merchant/*, durable-objects/customer-account.ts). */
export const AUDIT_ACTIONS = [
  "points.adjust",
  "program.update",
  "program.expiry_update",
  "reward.create",
  "reward.update",
  "reward.disable",
  "vip_tier.create",
  "vip_tier.update",
  "vip_tier.disable",
  "campaign.create",
  "campaign.update",
  "campaign.end",
  "referral.approve",
  "referral.reject",
  "referral_config.update",
  "gdpr.data_request",
  "gdpr.redact",
  "settings.update",
  "notification_templates.update",
  "integration.update",
  "integration.delete",
  "plan.change",
  "plan.subscription_requested",
  "notice.read",
] as const;

interface AuditPage {
  entries: AuditEntry[];
  total: number;
}

interface Filters {
  customer: string;
  from: string;
  to: string;
  action: string;
}

const DAY_MS = 86_400_000;

/** The API's `to` is excluded; the merchant's "to" date is the last day shown: its next day. */
export function exclusiveEnd(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

export default function LogsScreen({ query }: ScreenProps) {
  const t = useT("logs");
  const applied: Filters = { customer: query.get("customer") ?? "", from: query.get("from") ?? "", to: query.get("to") ?? "", action: query.get("action") ?? "" };
  const page = Math.max(1, Number(query.get("page")) || 1);
  const [draft, setDraft] = useState<Filters>(applied);
  // Back and forward (or a profile's link) change the URL's filters: the fields follow.
  useEffect(() => setDraft(applied), [applied.customer, applied.from, applied.to, applied.action]);
  const [invalid, setInvalid] = useState<Partial<Record<keyof Filters, string>>>({});
  const key = JSON.stringify([applied, page]);
  const log = useResource(
    () =>
      api.get<AuditPage>("/logs/audit", {
        subject_type: applied.customer ? "customer" : undefined,
        subject_id: applied.customer || undefined,
        from: applied.from || undefined,
        to: applied.to ? exclusiveEnd(applied.to) : undefined,
        action: applied.action || undefined,
        page,
        per_page: LOGS_PER_PAGE,
      }),
    [key],
  );
  const pages = log.data ? Math.ceil(log.data.total / LOGS_PER_PAGE) : 1;
  // A 400 from the API names its parameter; shown beside the filter that sent it.
  const apiField = log.error?.status === 400 ? fieldError(log.error, ["from", "to", "action", "subject_id"]) : null;
  const rangeError = log.error?.code === "invalid_range" ? log.error.message : null;
  const errorOf = (field: keyof Filters) =>
    invalid[field] ?? (field === "to" && rangeError ? t("range_invalid") : apiField && (apiField.field === field || (field === "customer" && apiField.field === "subject_id")) ? apiField.message : undefined);

  const apply = () => {
    const problems: typeof invalid = {};
    if (draft.customer.trim() && !/^\d{1,20}$/.test(draft.customer.trim())) problems.customer = t("customer_invalid");
    if (draft.from && draft.to && draft.from > draft.to) problems.to = t("range_invalid");
    setInvalid(problems);
    if (Object.keys(problems).length) return;
    setQuery({ customer: draft.customer.trim(), from: draft.from, to: draft.to, action: draft.action, page: null });
  };
  const edit = (field: keyof Filters, value: string) => {
    setDraft((d) => ({ ...d, [field]: value }));
    setInvalid((e) => ({ ...e, [field]: undefined }));
  };
  const filtered = Object.values(applied).some(Boolean);

  return (
    <Page title={t("title")}>
      <Stack gap="400">
        <Card title={t("filters")}>
          <FormLayout onSubmit={apply}>
            <Stack direction="row" gap="300" align="end">
              <TextField label={t("customer_label")} name="customer" value={draft.customer} onChange={(v) => edit("customer", v)} helpText={t("customer_help")} error={errorOf("customer")} />
              <TextField label={t("from_label")} type="date" name="from" value={draft.from} onChange={(v) => edit("from", v)} error={errorOf("from")} />
              <TextField label={t("to_label")} type="date" name="to" value={draft.to} onChange={(v) => edit("to", v)} error={errorOf("to")} />
              <Select
                label={t("action_label")}
                name="action"
                value={draft.action}
                onChange={(v) => edit("action", v)}
                options={[{ label: t("all_actions"), value: "" }, ...AUDIT_ACTIONS.map((a) => ({ label: a, value: a }))]}
                error={errorOf("action")}
              />
              <Button type="submit" variant="primary">
                {t("apply")}
              </Button>
              {filtered && (
                <Button
                  onClick={() => {
                    setDraft({ customer: "", from: "", to: "", action: "" });
                    setInvalid({});
                    setQuery({ customer: null, from: null, to: null, action: null, page: null });
                  }}
                >
                  {t("clear")}
                </Button>
              )}
            </Stack>
          </FormLayout>
        </Card>
        <Card>
          {log.error && !apiField && !rangeError && <LoadError error={log.error} onRetry={() => void log.reload()} />}
          {(apiField || rangeError) && <Banner tone="critical">{t("filters_invalid")}</Banner>}
          {log.loading && !log.data && <Spinner />}
          {log.data && !log.error && (
            <Stack gap="300">
              <Stack direction="row" align="space-between">
                <Text tone="subdued">{t("count", { formatted: formatNumber(log.data.total) })}</Text>
                {log.loading && <Spinner />}
              </Stack>
              {log.data.entries.length === 0 ? (
                <EmptyState heading={filtered ? t("no_matches") : t("empty")} />
              ) : (
                <DataTable
                  caption={t("table_caption")}
                  headings={[t("col_when"), t("col_who"), t("col_action"), t("col_subject"), t("col_details")]}
                  rows={log.data.entries.map((e) => [formatDateTime(e.created_at), actor(t, e), <code>{e.action}</code>, subject(t, e), <Details value={e.after} />])}
                />
              )}
              {pages > 1 && <Pagination page={page} pages={pages} onPage={(next) => setQuery({ page: next === 1 ? null : next })} />}
            </Stack>
          )}
        </Card>
      </Stack>
    </Page>
  );
}

function actor(t: (key: string, o?: Record<string, unknown>) => string, e: AuditEntry): string {
  if (e.actor_type === "merchant") return t("actor_merchant", { id: e.actor_id });
  if (e.actor_type === "admin") return t("actor_admin", { id: e.actor_id });
  return t("actor_system");
}

function subject(t: (key: string, o?: Record<string, unknown>) => string, e: AuditEntry) {
  if (e.subject_type === "customer" && e.subject_id) return <Link to={`/customers/${encodeURIComponent(e.subject_id)}`}>{t("subject_customer", { id: e.subject_id })}</Link>;
  if (!e.subject_type) return "—";
  return e.subject_id ? `${e.subject_type} ${e.subject_id}` : e.subject_type;
}

/** The change's "after" as short key: value pairs (the full value on hover). */
function Details({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <>—</>;
  const text = typeof value === "object" ? Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(", ") : String(value);
  const full = JSON.stringify(value);
  return <span title={full}>{text.length > 140 ? `${text.slice(0, 139)}…` : text}</span>;
}
