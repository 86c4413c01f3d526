// Merchants: every shop by domain (search, pages), and one shop's detail (plan and usage, install,
// staff roles, integrations, loyalty numbers) with the two writes staff make there: adjusting a
// customer's points and changing the plan. Each form shows only for a role that may use it.
import { useRef, useState } from "preact/hooks";
import { ApiFailure } from "../api";
import { formatDate, formatDateTime, formatNumber } from "../format";
import { asFailure, useResource } from "../hooks";
import { useT } from "../i18n";
import { Link, route, setQuery } from "../router";
import { Badge, Banner, Button, Card, DataTable, EmptyState, FormLayout, Layout, Page, Pagination, Select, SkeletonPage, Stack, Text, TextField } from "../ui";
import { adminApi } from "./api";
import { CONSOLE_BASE, Failure, FormFailure, useCan, useDraft } from "./shared";

interface MerchantRow {
  shop: string;
  status: "installed" | "uninstalled";
  plan: string;
  installed_at: string;
  usage: { month: string; orders: number; limit: number | null };
}

const PER_PAGE = 25;

export function Merchants() {
  const t = useT("console");
  const query = route.value.query;
  const search = query.get("search") ?? "";
  const page = Number(query.get("page") ?? 1) || 1;
  const [draft, setDraft] = useState(search);
  const list = useResource(() => adminApi.get<{ merchants: MerchantRow[]; total: number }>("/merchants", { search, page, per_page: PER_PAGE }), [search, page]);
  return (
    <Page title={t("nav_merchants")}>
      <Layout>
        <Card>
          <FormLayout onSubmit={() => setQuery({ search: draft.trim(), page: null })}>
            <TextField type="search" label={t("search")} value={draft} onChange={setDraft} />
            <Button type="submit">{t("search")}</Button>
          </FormLayout>
        </Card>
        {list.error ? (
          <Failure error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <SkeletonPage title={t("nav_merchants")} />
        ) : list.data.merchants.length === 0 ? (
          <EmptyState heading={t("no_merchants")} />
        ) : (
          <Card>
            <DataTable
              headings={[t("shop"), t("status"), t("plan"), t("usage"), t("installed_at")]}
              numeric={[false, false, false, true, false]}
              rows={list.data.merchants.map((m) => [
                <Link to={`${CONSOLE_BASE}/merchants/${encodeURIComponent(m.shop)}`}>{m.shop}</Link>,
                <Badge tone={m.status === "installed" ? "success" : "attention"}>{m.status}</Badge>,
                m.plan,
                `${formatNumber(m.usage.orders)} / ${m.usage.limit === null ? t("unlimited") : formatNumber(m.usage.limit)}`,
                formatDate(m.installed_at),
              ])}
            />
            <Pagination page={page} pages={Math.max(1, Math.ceil(list.data.total / PER_PAGE))} onPage={(p) => setQuery({ page: p })} />
          </Card>
        )}
      </Layout>
    </Page>
  );
}

interface MerchantDetailData {
  merchant: {
    shop: string;
    status: "installed" | "uninstalled";
    installed_at: string;
    uninstalled_at: string | null;
    plan: { plan: { id: string; name: string; monthly_order_limit: number | null }; month: string; usage: number; limit: number | null; state: string };
    staff_roles: Record<string, string>;
    integrations: { provider: string; enabled: boolean; status: string; checked_at: string | null; last_error: { code: string; message: string } | null }[];
    loyalty: { members: number; liability: number; issued_30d: number; redeemed_30d: number } | null;
  };
}

export function MerchantDetail({ shop }: { shop: string }) {
  const t = useT("console");
  const detail = useResource(() => adminApi.get<MerchantDetailData>(`/merchants/${encodeURIComponent(shop)}`), [shop]);
  const mayAdjust = useCan("points.adjust");
  const mayChangePlan = useCan("plans.change");
  if (detail.error) return <Page title={shop}><Failure error={detail.error} onRetry={detail.reload} /></Page>;
  if (!detail.data) return <SkeletonPage title={shop} />;
  const m = detail.data.merchant;
  return (
    <Page title={m.shop}>
      <Layout>
        <Link to={`${CONSOLE_BASE}/merchants`}>{t("back")}</Link>
        <Card title={t("plan")}>
          <dl class="LoyalNest-Numbers">
            <div><dt>{t("plan")}</dt><dd data-field="plan">{m.plan.plan.name} ({m.plan.plan.id})</dd></div>
            <div><dt>{t("usage")}</dt><dd>{formatNumber(m.plan.usage)} / {m.plan.limit === null ? t("unlimited") : formatNumber(m.plan.limit)} ({m.plan.state})</dd></div>
            <div><dt>{t("status")}</dt><dd><Badge tone={m.status === "installed" ? "success" : "attention"}>{m.status}</Badge></dd></div>
            <div><dt>{t("installed_at")}</dt><dd>{formatDateTime(m.installed_at)}</dd></div>
          </dl>
        </Card>
        <Card title={t("loyalty_30d")}>
          {m.loyalty ? (
            <dl class="LoyalNest-Numbers">
              <div><dt>{t("members")}</dt><dd>{formatNumber(m.loyalty.members)}</dd></div>
              <div><dt>{t("points_issued")}</dt><dd>{formatNumber(m.loyalty.issued_30d)}</dd></div>
              <div><dt>{t("points_redeemed")}</dt><dd>{formatNumber(m.loyalty.redeemed_30d)}</dd></div>
              <div><dt>{t("liability")}</dt><dd>{formatNumber(m.loyalty.liability)}</dd></div>
            </dl>
          ) : (
            <Text tone="subdued">{t("reporting_down")}</Text>
          )}
        </Card>
        <Card title={t("integrations")}>
          {m.integrations.length === 0 ? (
            <Text tone="subdued">{t("no_entries")}</Text>
          ) : (
            <DataTable
              headings={[t("provider"), t("status"), t("checked_at"), t("last_error")]}
              rows={m.integrations.map((i) => [i.provider, <Badge tone={i.status === "failing" ? "critical" : undefined}>{i.status}</Badge>, i.checked_at ? formatDateTime(i.checked_at) : t("never"), i.last_error?.message ?? "—"])}
            />
          )}
        </Card>
        <Card title={t("staff_roles")}>
          {Object.keys(m.staff_roles).length === 0 ? (
            <Text tone="subdued">{t("no_entries")}</Text>
          ) : (
            <DataTable headings={["Staff", t("role")]} rows={Object.entries(m.staff_roles).map(([user, role]) => [user, role])} />
          )}
        </Card>
        {mayAdjust && <AdjustPoints shop={m.shop} />}
        {mayChangePlan && <ChangePlan shop={m.shop} current={m.plan.plan.id} onChanged={detail.reload} />}
      </Layout>
    </Page>
  );
}

/** The field a refusal is about: zod's path for a 400, else the code's own field. */
function refusalField(error: ApiFailure | null): string | null {
  if (!error) return null;
  if (error.field) return error.field;
  return ({ customer_not_found: "customer_id", insufficient_points: "points", idempotency_key_reused: "points", unknown_plan: "plan" } as Record<string, string>)[error.code] ?? null;
}

function AdjustPoints({ shop }: { shop: string }) {
  const t = useT("console");
  const [values, setValues, clearValues] = useDraft(`adjust:${shop}`, { customer_id: "", points: "", reason: "" });
  const [error, setError] = useState<ApiFailure | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // One key per intended adjustment: a double click or a retry of the same values applies once;
  // changing a value (or a success) starts a new one.
  const key = useRef(crypto.randomUUID());
  const set = (field: keyof typeof values) => (value: string) => {
    key.current = crypto.randomUUID();
    setValues((v) => ({ ...v, [field]: value }));
  };
  // The choice is the server's catalogue (GET /admin/plans); it refuses any other with 400 unknown_plan.
  const plans = useResource(() => adminApi.get<{ plans: PlanOption[] }>("/plans"));
  const fieldErr = (field: string) => (refusalField(error) === field ? error!.message : null);
  async function submit() {
    setSaving(true);
    setError(null);
    setDone(null);
    try {
      const points = values.points.trim() === "" ? Number.NaN : Number(values.points);
      const body = { shop, customer_id: values.customer_id.trim(), points: Number.isFinite(points) ? points : values.points, reason: values.reason };
      const result = await adminApi.send<{ points: number; points_balance: number }>("POST", "/points/adjust", body, { idempotencyKey: key.current });
      setDone(t("adjusted", { points: formatNumber(result.points), balance: formatNumber(result.points_balance) }));
      key.current = crypto.randomUUID();
      clearValues();
    } catch (e) {
      setError(asFailure(e));
    } finally {
      setSaving(false);
    }
  }
  return (
    <Card title={t("adjust_title")}>
      <Stack>
        {done && <Banner tone="success">{done}</Banner>}
        {error && !refusalField(error) && <FormFailure error={error} fields={[]} />}
        <FormLayout onSubmit={submit}>
          <TextField label={t("customer_id")} value={values.customer_id} onChange={set("customer_id")} error={fieldErr("customer_id")} />
          <TextField label={t("points")} type="number" value={values.points} onChange={set("points")} error={fieldErr("points")} />
          <TextField label={t("reason")} value={values.reason} onChange={set("reason")} error={fieldErr("reason")} />
          <Button type="submit" variant="primary" loading={saving}>
            {t("adjust")}
          </Button>
        </FormLayout>
      </Stack>
    </Card>
  );
}

interface PlanOption {
  id: string;
  name: string;
  price: string;
  monthly_order_limit: number | null;
}

function ChangePlan({ shop, current, onChanged }: { shop: string; current: string; onChanged: () => Promise<void> }) {
  const t = useT("console");
  const [draft, setDraft, clearDraft] = useDraft(`plan:${shop}`, { plan: current, reason: "" });
  const { plan, reason } = draft;
  const setPlan = (value: string) => setDraft((d) => ({ ...d, plan: value }));
  const setReason = (value: string) => setDraft((d) => ({ ...d, reason: value }));
  const [error, setError] = useState<ApiFailure | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // The choice is the server's catalogue (GET /admin/plans); it refuses any other with 400 unknown_plan.
  const plans = useResource(() => adminApi.get<{ plans: PlanOption[] }>("/plans"));
  const fieldErr = (field: string) => (refusalField(error) === field ? error!.message : null);
  async function submit() {
    setSaving(true);
    setError(null);
    setDone(null);
    try {
      const result = await adminApi.send<{ plan: string; previous_plan: string; changed: boolean }>("PUT", "/plans", { shop, plan, reason });
      setDone(result.changed ? t("plan_changed", { from: result.previous_plan, to: result.plan }) : t("plan_unchanged", { plan: result.plan }));
      clearDraft({ plan: result.plan, reason: "" });
      await onChanged();
    } catch (e) {
      setError(asFailure(e));
    } finally {
      setSaving(false);
    }
  }
  return (
    <Card title={t("change_plan_title")}>
      <Stack>
        {done && <Banner tone="success">{done}</Banner>}
        {error && !refusalField(error) && <FormFailure error={error} fields={[]} />}
        <FormLayout onSubmit={submit}>
          {plans.error ? (
            <Failure error={plans.error} onRetry={plans.reload} />
          ) : (
            <Select
              label={t("plan")}
              value={plan}
              onChange={setPlan}
              disabled={!plans.data}
              options={(plans.data?.plans ?? []).map((p) => ({
                value: p.id,
                label: p.monthly_order_limit === null ? t("plan_option_unlimited", { name: p.name, id: p.id, price: p.price }) : t("plan_option", { name: p.name, id: p.id, price: p.price, limit: formatNumber(p.monthly_order_limit) }),
              }))}
              error={fieldErr("plan")}
            />
          )}
          <TextField label={t("reason")} value={reason} onChange={setReason} error={fieldErr("reason")} name="plan_reason" />
          <Button type="submit" variant="primary" loading={saving} disabled={!plans.data}>
            {t("change_plan")}
          </Button>
        </FormLayout>
      </Stack>
    </Card>
  );
}
