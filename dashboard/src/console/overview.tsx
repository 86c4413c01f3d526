// Overview: the platform's numbers over a period and points issued/redeemed per day (a chart and
// the same numbers as a table).
import { useState } from "preact/hooks";
import { Chart } from "../charts/chart";
import { formatNumber } from "../format";
import { useResource } from "../hooks";
import { useT } from "../i18n";
import { Card, DataTable, Layout, Page, Select, SkeletonPage, Stack, Text } from "../ui";
import { adminApi } from "./api";
import { Failure } from "./shared";

interface OverviewData {
  merchants: { installed: number; uninstalled: number };
  members: number;
  points: { issued: number; redeemed: number; liability: number };
  referrals: { completed: number; referred_revenue: number; points_given: number; revenue_per_point: number | null };
  trend: { day: string; issued: number; redeemed: number }[];
}

export function Overview() {
  const t = useT("console");
  const [period, setPeriod] = useState("30d");
  const data = useResource(() => adminApi.get<OverviewData>("/overview", { period }), [period]);
  if (data.error) return <Page title={t("nav_overview")}><Failure error={data.error} onRetry={data.reload} /></Page>;
  if (!data.data) return <SkeletonPage title={t("nav_overview")} />;
  const d = data.data;
  const numbers: [string, string][] = [
    ["merchants_installed", formatNumber(d.merchants.installed)],
    ["merchants_uninstalled", formatNumber(d.merchants.uninstalled)],
    ["members", formatNumber(d.members)],
    ["points_issued", formatNumber(d.points.issued)],
    ["points_redeemed", formatNumber(d.points.redeemed)],
    ["liability", formatNumber(d.points.liability)],
    ["referral_roi", d.referrals.revenue_per_point === null ? "—" : d.referrals.revenue_per_point.toFixed(2)],
  ];
  return (
    <Page title={t("nav_overview")}>
      <Layout>
        <Card>
          <Select label={t("period")} value={period} onChange={setPeriod} options={["7d", "30d", "90d", "365d"].map((p) => ({ label: p, value: p }))} />
        </Card>
        <Card>
          <dl class="LoyalNest-Numbers" aria-label={t("nav_overview")}>
            {numbers.map(([key, value]) => (
              <div>
                <dt>{t(key)}</dt>
                <dd data-number={key}>{value}</dd>
              </div>
            ))}
          </dl>
        </Card>
        <Card title={t("trend")}>
          <Stack>
            <Chart
              type="line"
              label={t("trend")}
              labels={d.trend.map((p) => p.day)}
              series={[
                { label: t("points_issued"), data: d.trend.map((p) => p.issued), color: "#008060" },
                { label: t("points_redeemed"), data: d.trend.map((p) => p.redeemed), color: "#b98900" },
              ]}
            />
            {d.trend.length === 0 ? (
              <Text tone="subdued">{t("no_entries")}</Text>
            ) : (
              <DataTable caption={t("trend")} headings={[t("day"), t("points_issued"), t("points_redeemed")]} numeric={[false, true, true]} rows={d.trend.map((p) => [p.day, formatNumber(p.issued), formatNumber(p.redeemed)])} />
            )}
          </Stack>
        </Card>
      </Layout>
    </Page>
  );
}
