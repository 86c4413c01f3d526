// Logs: audit entries (who did what, before and after) or API calls, newest first, with the
// filters GET /admin/logs takes, kept in the URL so a filtered view can be shared.
import { useState } from "preact/hooks";
import { formatDateTime } from "../format";
import { useResource } from "../hooks";
import { useT } from "../i18n";
import { route, setQuery } from "../router";
import { Button, Card, DataTable, EmptyState, FormLayout, Layout, Page, Pagination, Select, Stack, TextField, Spinner } from "../ui";
import { adminApi } from "./api";
import { Failure, fieldError } from "./shared";

const PER_PAGE = 50;
const FILTERS = ["type", "shop", "from", "to", "action", "route", "status"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

const brief = (value: unknown): string => (value === null || value === undefined ? "—" : JSON.stringify(value));

export function Logs() {
  const t = useT("console");
  const query = route.value.query;
  const applied = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? (f === "type" ? "audit" : "")])) as Filters;
  const page = Number(query.get("page") ?? 1) || 1;
  const [draft, setDraft] = useState<Filters>(applied);
  const logs = useResource(
    () => {
      const { type, shop, from, to, action, route: r, status } = applied;
      const filters = type === "audit" ? { type, shop, from, to, action } : { type, shop, from, to, route: r, status };
      return adminApi.get<{ entries: Record<string, unknown>[]; total: number }>("/logs", { ...filters, page, per_page: PER_PAGE });
    },
    [query.toString()],
  );
  const set = (field: keyof Filters) => (value: string) => setDraft((d) => ({ ...d, [field]: value }));
  const audit = applied.type === "audit";
  return (
    <Page title={t("logs_title")}>
      <Layout>
        <Card>
          <FormLayout onSubmit={() => setQuery({ ...draft, page: null })}>
            <Stack direction="row" gap="300">
              <Select label={t("log_type")} value={draft.type} onChange={set("type")} options={[{ label: t("log_audit"), value: "audit" }, { label: t("log_api"), value: "api" }]} />
              <TextField label={t("shop")} value={draft.shop} onChange={set("shop")} error={fieldError(logs.error, "shop")} />
              <TextField label={t("from")} type="date" value={draft.from} onChange={set("from")} error={fieldError(logs.error, "from")} />
              <TextField label={t("to")} type="date" value={draft.to} onChange={set("to")} error={fieldError(logs.error, "to")} />
              {draft.type === "audit" ? (
                <TextField label={t("action")} value={draft.action} onChange={set("action")} placeholder="points.adjust" error={fieldError(logs.error, "action")} />
              ) : (
                <>
                  <TextField label={t("route")} value={draft.route} onChange={set("route")} placeholder="/admin/plans" error={fieldError(logs.error, "route")} />
                  <TextField label={t("status")} value={draft.status} onChange={set("status")} placeholder="4xx" error={fieldError(logs.error, "status")} />
                </>
              )}
            </Stack>
            <Button type="submit">{t("apply")}</Button>
          </FormLayout>
        </Card>
        {logs.error && !(logs.error.status === 400 && logs.error.field) ? (
          <Failure error={logs.error} onRetry={logs.reload} />
        ) : !logs.data ? (
          <Spinner />
        ) : logs.data.entries.length === 0 ? (
          <EmptyState heading={t("no_entries")} />
        ) : (
          <Card>
            <DataTable
              headings={audit ? [t("when"), t("shop"), t("action"), t("actor"), t("details")] : [t("when"), t("shop"), t("method"), t("route"), t("status"), t("duration")]}
              rows={logs.data.entries.map((e) =>
                audit
                  ? [formatDateTime(String(e.created_at)), String(e.shop ?? "—"), String(e.action), `${String(e.actor_type)}:${String(e.actor_id)}`, <code>{`${brief(e.before)} → ${brief(e.after)}`}</code>]
                  : [formatDateTime(String(e.created_at)), String(e.shop ?? "—"), String(e.method), String(e.route), String(e.status), String(e.duration_ms)],
              )}
            />
            <Pagination page={page} pages={Math.max(1, Math.ceil(logs.data.total / PER_PAGE))} onPage={(p) => setQuery({ page: p })} />
          </Card>
        )}
      </Layout>
    </Page>
  );
}
