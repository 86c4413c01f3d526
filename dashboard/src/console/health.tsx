// Integration health across shops (failing first), with a manual re-check for roles that may.
import { useState } from "preact/hooks";
import type { ApiFailure } from "../api";
import { formatDateTime } from "../format";
import { asFailure, useResource } from "../hooks";
import { useT } from "../i18n";
import { route, setQuery } from "../router";
import { Badge, Banner, Button, Card, DataTable, EmptyState, Layout, Page, Pagination, Select, SkeletonPage } from "../ui";
import { adminApi } from "./api";
import { Failure, useCan } from "./shared";

interface HealthRow {
  shop: string;
  provider: string;
  enabled: boolean;
  status: string;
  checked_at: string | null;
  last_error: { code: string; message: string } | null;
}

const STATUSES = ["ok", "failing", "unchecked"];

export function Health() {
  const t = useT("console");
  const mayRecheck = useCan("integrations.recheck");
  const query = route.value.query;
  const status = query.get("status") ?? "";
  const page = Number(query.get("page") ?? 1) || 1;
  const health = useResource(() => adminApi.get<{ integrations: HealthRow[]; total: number; per_page: number }>("/integrations/health", { status, page }), [status, page]);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [checking, setChecking] = useState<string | null>(null);

  async function recheck(row: HealthRow) {
    setChecking(`${row.shop}/${row.provider}`);
    setNotice(null);
    setError(null);
    try {
      const result = await adminApi.send<{ outcome: string }>("POST", `/integrations/${encodeURIComponent(row.shop)}/${row.provider}/check`);
      setNotice(t("rechecked", { outcome: result.outcome }));
      await health.reload();
    } catch (e) {
      setError(asFailure(e));
    } finally {
      setChecking(null);
    }
  }

  if (health.error) return <Page title={t("health_title")}><Failure error={health.error} onRetry={health.reload} /></Page>;
  if (!health.data) return <SkeletonPage title={t("health_title")} />;
  return (
    <Page title={t("health_title")}>
      <Layout>
        {notice && <Banner tone="success">{notice}</Banner>}
        {error && <Banner tone="critical" title={error.code}>{error.message}</Banner>}
        <Card>
          <Select label={t("status")} value={status} onChange={(s) => setQuery({ status: s, page: null })} options={[{ label: t("all_statuses"), value: "" }, ...STATUSES.map((s) => ({ label: s, value: s }))]} />
        </Card>
        {health.data.integrations.length === 0 ? (
          <EmptyState heading={t("no_entries")} />
        ) : (
          <Card>
            <DataTable
              headings={[t("shop"), t("provider"), t("status"), t("checked_at"), t("last_error"), ""]}
              rows={health.data.integrations.map((row) => [
                row.shop,
                row.provider,
                <Badge tone={row.status === "failing" ? "critical" : row.status === "ok" ? "success" : undefined}>{row.status}</Badge>,
                row.checked_at ? formatDateTime(row.checked_at) : t("never"),
                row.last_error ? `${row.last_error.code}: ${row.last_error.message}` : "—",
                mayRecheck && (
                  <Button onClick={() => recheck(row)} loading={checking === `${row.shop}/${row.provider}`} ariaLabel={`${t("recheck")} ${row.shop} ${row.provider}`}>
                    {t("recheck")}
                  </Button>
                ),
              ])}
            />
            <Pagination page={page} pages={Math.max(1, Math.ceil(health.data.total / health.data.per_page))} onPage={(p) => setQuery({ page: p })} />
          </Card>
        )}
      </Layout>
    </Page>
  );
}
