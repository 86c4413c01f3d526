// Analytics: GET /v1/api/analytics for a period the merchant picks (whole UTC days, at most 366),
// each chart with a table of the same numbers beside it. The period lives in the URL (?from=&to=)
// so a reload or a shared link shows the same figures. A refused period (the API's 400) is shown
// beside the field it is about.
import type { ComponentChildren } from "preact";
import { useMemo, useState } from "preact/hooks";
import { api, ApiFailure } from "../api";
import { Chart, type Series } from "../charts/chart";
import { formatNumber, formatPercent } from "../format";
import { useResource } from "../hooks";
import { useT } from "../i18n";
import { useMoney } from "../shop-currency";
import { route, setQuery } from "../router";
import { Button, Card, DataTable, Layout, LoadError, Page, Section, Select, SkeletonPage, Stack, Text, TextField } from "../ui";
import type { DailyFigures as Daily, ReferralRoi, RepeatGroup } from "../../../core/analytics-wire";
import type { ScreenProps } from "./registry";

export interface Analytics {
  from: string;
  to: string;
  members: { total: number; new: number };
  points: { issued: number; redeemed: number; expired: number; reversed: number };
  daily: Daily[];
  liability: { outstanding_points: number; point_value: { amount: string; points: number } | null; amount: string };
  redemption_rate: number | null;
  referral_roi: ReferralRoi;
  repeat_purchase: { members: RepeatGroup; non_members: RepeatGroup };
  tiers: { tier_id: string | null; name: string | null; customers: number }[];
}

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;
const PRESETS = [7, 30, 90, 365];
const COLORS = { issued: "#008060", redeemed: "#2c6ecb", expired: "#b98900", reversed: "#d72c0d", members: "#5c6ac4", rate: "#008060", tiers: "#5c6ac4" };

const today = () => new Date().toISOString().slice(0, 10);
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
/** A rate as the percentage both the chart and its table show (one decimal). */
const percent = (rate: number | null) => (rate === null ? null : Math.round(rate * 1000) / 10);

/** What is wrong with a period before asking the API, by field; null when nothing. */
function periodProblem(from: string, to: string, t: (key: string) => string): { field: "from" | "to"; message: string } | null {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(from)) return { field: "from", message: t("date_required") };
  if (!day.test(to)) return { field: "to", message: t("date_required") };
  return null;
}

export default function AnalyticsScreen(_props: ScreenProps) {
  const t = useT("analytics");
  const query = route.value.query;
  const from = query.get("from") ?? "";
  const to = query.get("to") ?? "";
  const result = useResource(() => api.get<{ analytics: Analytics }>("/analytics", from || to ? { from, to } : {}), [from, to]);
  const analytics = result.data?.analytics ?? null;

  // The fields: what the URL asked for, or the period the API answered (its default).
  const [draft, setDraft] = useState<{ from: string; to: string } | null>(null);
  const shown = draft ?? { from: from || analytics?.from || "", to: to || analytics?.to || "" };
  const [localError, setLocalError] = useState<{ field: "from" | "to"; message: string } | null>(null);
  const apiError = result.error;
  const fieldError = localError ?? periodError(apiError);

  const apply = (period: { from: string; to: string }) => {
    const problem = periodProblem(period.from, period.to, t);
    setLocalError(problem);
    if (problem) return;
    setDraft(null);
    setQuery({ from: period.from, to: period.to });
  };
  const preset = PRESETS.find((n) => shown.to === today() && shown.from === addDays(today(), -(n - 1)));

  if (result.loading && !analytics && !apiError) return <SkeletonPage title={t("title")} />;
  return (
    <Page title={t("title")}>
      <Layout>
        <Section>
          <Card>
            <form
              onSubmit={(event) => {
                event.preventDefault();
                apply(shown);
              }}
            >
              <Stack direction="row" gap="400" align="end">
                <Select
                  label={t("range")}
                  value={preset ? String(preset) : "custom"}
                  options={[...PRESETS.map((n) => ({ value: String(n), label: t(`last_${n}`) })), { value: "custom", label: t("custom") }]}
                  onChange={(value) => {
                    if (value === "custom") return;
                    const n = Number(value);
                    apply({ from: addDays(today(), -(n - 1)), to: today() });
                  }}
                />
                <TextField label={t("from")} type="date" value={shown.from} max={today()} error={fieldError?.field === "from" ? fieldError.message : undefined} onChange={(value) => setDraft({ ...shown, from: value })} />
                <TextField label={t("to")} type="date" value={shown.to} error={fieldError?.field === "to" ? fieldError.message : undefined} onChange={(value) => setDraft({ ...shown, to: value })} />
                <Button type="submit" variant="primary" loading={result.loading}>
                  {t("apply")}
                </Button>
              </Stack>
            </form>
          </Card>
        </Section>
        {apiError && !periodError(apiError) && (
          <Section>
            <LoadError error={apiError} onRetry={() => void result.reload()} />
          </Section>
        )}
        {analytics && <Figures analytics={analytics} />}
      </Layout>
    </Page>
  );
}

/** The API's refusal of a period, beside the field it is about (the range's problems beside "To"). */
function periodError(error: ApiFailure | null): { field: "from" | "to"; message: string } | null {
  if (!error || error.status !== 400) return null;
  if (error.code === "invalid_from") return { field: "from", message: error.message };
  if (error.code === "invalid_to" || error.code === "invalid_range" || error.code === "range_too_long") return { field: "to", message: error.message };
  return null;
}

function Figures({ analytics: a }: { analytics: Analytics }) {
  const t = useT("analytics");
  const dates = useMemo(() => a.daily.map((d) => d.date), [a]);
  const pointSeries = useMemo<Series[]>(
    () => (["issued", "redeemed", "expired", "reversed"] as const).map((key) => ({ label: t(key), data: a.daily.map((d) => d[key]), color: COLORS[key] })),
    [a, t],
  );
  const memberSeries = useMemo<Series[]>(() => [{ label: t("members_new"), data: a.daily.map((d) => d.new_members), color: COLORS.members }], [a, t]);
  const groups = [
    { label: t("members"), ...a.repeat_purchase.members },
    { label: t("non_members"), ...a.repeat_purchase.non_members },
  ];
  const repeatLabels = useMemo(() => groups.map((g) => g.label), [a, t]);
  const repeatSeries = useMemo<Series[]>(() => [{ label: t("rate"), data: groups.map((g) => percent(g.rate) ?? 0), color: COLORS.rate }], [a, t]);
  const tiers = a.tiers.map((tier) => ({ label: tier.tier_id === null ? t("no_tier") : (tier.name ?? tier.tier_id), customers: tier.customers }));
  const tierLabels = useMemo(() => tiers.map((tier) => tier.label), [a, t]);
  const tierSeries = useMemo<Series[]>(() => [{ label: t("customers"), data: tiers.map((tier) => tier.customers), color: COLORS.tiers }], [a, t]);
  const value = a.liability.point_value;
  const money = useMoney();
  const rate = (r: number | null) => (r === null ? t("none") : formatPercent(percent(r)! / 100));

  return (
    <>
      <Section>
        <Stack direction="row" gap="400">
          <Card title={t("summary")}>
            <DataTable
              caption={t("summary")}
              headings={[t("figure"), t("value")]}
              numeric={[false, true]}
              rows={[
                [t("members_total"), formatNumber(a.members.total)],
                [t("members_new"), formatNumber(a.members.new)],
                [t("issued"), formatNumber(a.points.issued)],
                [t("redeemed"), formatNumber(a.points.redeemed)],
                [t("expired"), formatNumber(a.points.expired)],
                [t("reversed"), formatNumber(a.points.reversed)],
                [t("redemption_rate"), rate(a.redemption_rate)],
              ]}
            />
          </Card>
          <Card title={t("liability")}>
            <DataTable
              caption={t("liability")}
              headings={[t("figure"), t("value")]}
              numeric={[false, true]}
              rows={[
                [t("outstanding"), formatNumber(a.liability.outstanding_points)],
                [t("liability"), money(a.liability.amount)],
              ]}
            />
            <Text tone="subdued">{value ? t("liability_help", { amount: money(value.amount), points: formatNumber(value.points) }) : t("liability_none")}</Text>
          </Card>
          <Card title={t("referral_roi")}>
            <DataTable
              caption={t("referral_roi")}
              headings={[t("figure"), t("value")]}
              numeric={[false, true]}
              rows={[
                [t("referrals_completed"), formatNumber(a.referral_roi.referrals_completed)],
                [t("revenue"), money(a.referral_roi.revenue)],
                [t("reward_cost"), money(a.referral_roi.reward_cost)],
                [t("roi_ratio"), a.referral_roi.ratio === null ? t("none") : formatNumber(a.referral_roi.ratio)],
              ]}
            />
          </Card>
        </Stack>
      </Section>
      <ChartCard title={t("points_chart")}>
        <Chart type="line" label={t("points_chart")} labels={dates} series={pointSeries} />
        <DataTable
          caption={t("table_of", { chart: t("points_chart") })}
          headings={[t("date"), t("issued"), t("redeemed"), t("expired"), t("reversed")]}
          numeric={[false, true, true, true, true]}
          rows={a.daily.map((d) => [d.date, formatNumber(d.issued), formatNumber(d.redeemed), formatNumber(d.expired), formatNumber(d.reversed)])}
        />
      </ChartCard>
      <ChartCard title={t("members_chart")}>
        <Chart type="bar" label={t("members_chart")} labels={dates} series={memberSeries} />
        <DataTable caption={t("table_of", { chart: t("members_chart") })} headings={[t("date"), t("members_new")]} numeric={[false, true]} rows={a.daily.map((d) => [d.date, formatNumber(d.new_members)])} />
      </ChartCard>
      <ChartCard title={t("repeat_chart")} help={t("repeat_help")}>
        <Chart type="bar" label={t("repeat_chart")} labels={repeatLabels} series={repeatSeries} />
        <DataTable
          caption={t("table_of", { chart: t("repeat_chart") })}
          headings={[t("group"), t("customers"), t("repeat_customers"), t("rate")]}
          numeric={[false, true, true, true]}
          rows={groups.map((g) => [g.label, formatNumber(g.customers), formatNumber(g.repeat_customers), rate(g.rate)])}
        />
      </ChartCard>
      <ChartCard title={t("tiers_chart")}>
        <Chart type="bar" label={t("tiers_chart")} labels={tierLabels} series={tierSeries} />
        <DataTable caption={t("table_of", { chart: t("tiers_chart") })} headings={[t("tier"), t("customers")]} numeric={[false, true]} rows={tiers.map((tier) => [tier.label, formatNumber(tier.customers)])} />
      </ChartCard>
    </>
  );
}

/** A chart and its table side by side (the table scrolls when the period is long). */
function ChartCard({ title, help, children }: { title: string; help?: string; children: [ComponentChildren, ComponentChildren] }) {
  return (
    <Section>
      <Card title={title}>
        {help && <Text tone="subdued">{help}</Text>}
        <div class="LoyalNest-ChartWithTable" style={{ display: "grid", gridTemplateColumns: "minmax(0, 3fr) minmax(0, 2fr)", gap: "16px", alignItems: "start" }}>
          <div>{children[0]}</div>
          <div style={{ maxHeight: "320px", overflowY: "auto" }}>{children[1]}</div>
        </div>
      </Card>
    </Section>
  );
}
