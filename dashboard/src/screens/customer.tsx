// One customer: balance, tier and ledger history (newest first), and the merchant's adjustment
// of their points with a reason. An adjustment carries an Idempotency-Key made when the dialog
// opens and kept until it succeeds, so a double click or a retry after a lost answer adjusts once.
import { useState } from "preact/hooks";
import { api } from "../api";
import { toast } from "../app-bridge";
import { formatDateTime, formatNumber } from "../format";
import { asFailure, useResource } from "../hooks";
import { useT } from "../i18n";
import { Link } from "../router";
import { Badge, Banner, Button, Card, DataTable, EmptyState, FormLayout, Layout, LoadError, Modal, Page, Section, SkeletonPage, Stack, Text, TextField } from "../ui";
import type { ScreenProps } from "./registry";
import { customerName, fieldError, type CustomerListItem } from "./customer-view";

/** How many ledger entries the profile shows at first, and at most (the API's limit). */
const LEDGER_FIRST = 50;
const LEDGER_MOST = 500;

interface Transaction {
  id: string;
  kind: string;
  points: number;
  balance_after: number;
  source_type: string;
  source_id: string;
  note: string | null;
  created_at: string;
}

interface CustomerDetail {
  customer: CustomerListItem & { total_points_reversed: number };
  transactions: Transaction[];
}

interface Standing {
  standing: { basis: "points" | "spend"; tier: { id: string; name: string; earn_multiplier: number } | null; value: number | string; keeps_until: string | null };
}

interface Adjusted {
  entry_id: string;
  points: number;
  points_balance: number;
  duplicate: boolean;
}

export default function CustomerScreen({ params }: ScreenProps) {
  const t = useT("customers");
  const id = params.id ?? "";
  const [limit, setLimit] = useState(LEDGER_FIRST);
  const [adjusting, setAdjusting] = useState(false);
  const detail = useResource(() => api.get<CustomerDetail>(`/customers/${encodeURIComponent(id)}`, { limit }), [id, limit]);
  const tier = useResource(() => api.get<Standing>(`/customers/${encodeURIComponent(id)}/tier`), [id]);

  if (detail.loading && !detail.data) return <SkeletonPage title={t("profile_title")} />;
  if (!detail.data) {
    return (
      <Page title={t("profile_title")}>
        {detail.error?.status === 404 ? (
          <EmptyState heading={t("not_found_heading")}>
            <Link to="/customers">{t("back_to_list")}</Link>
          </EmptyState>
        ) : (
          detail.error && <LoadError error={detail.error} onRetry={() => void detail.reload()} />
        )}
      </Page>
    );
  }

  const { customer, transactions } = detail.data;
  const name = customerName(customer, t("unnamed", { id: customer.id }));
  const reloadAll = () => Promise.all([detail.reload(), tier.reload()]);

  return (
    <Page title={name} subtitle={customer.email ?? undefined} primaryAction={{ content: t("adjust_button"), onAction: () => setAdjusting(true) }}>
      <Stack gap="400">
        <Link to="/customers">{t("back_to_list")}</Link>
        {detail.error && <LoadError error={detail.error} onRetry={() => void detail.reload()} />}
        <Layout>
          <Section>
            <Card title={t("points_card")}>
              <dl class="ln-facts" style={FACTS}>
                <dt>{t("balance")}</dt>
                <dd data-fact="balance" style={{ margin: 0, fontWeight: 600 }}>{formatNumber(customer.points_balance)}</dd>
                <dt>{t("earned")}</dt>
                <dd style={{ margin: 0 }}>{formatNumber(customer.total_points_earned)}</dd>
                <dt>{t("redeemed")}</dt>
                <dd style={{ margin: 0 }}>{formatNumber(customer.total_points_redeemed)}</dd>
                <dt>{t("reversed")}</dt>
                <dd style={{ margin: 0 }}>{formatNumber(customer.total_points_reversed)}</dd>
                <dt>{t("tier")}</dt>
                <dd style={{ margin: 0 }}>
                  {tier.error ? (
                    <Text tone="critical" as="span">
                      {t("tier_unavailable")}
                    </Text>
                  ) : tier.data ? (
                    tier.data.standing.tier ? (
                      <Badge tone="info">{tier.data.standing.tier.name}</Badge>
                    ) : (
                      t("no_tier")
                    )
                  ) : (
                    t("common:loading")
                  )}
                </dd>
              </dl>
              <Link to={`/logs?customer=${encodeURIComponent(customer.id)}`}>{t("activity_link")}</Link>
            </Card>
          </Section>
          <Section>
            <Card title={t("ledger_card")}>
              {transactions.length === 0 ? (
                <EmptyState heading={t("ledger_empty")} />
              ) : (
                <>
                  <DataTable
                    caption={t("ledger_caption")}
                    headings={[t("col_date"), t("col_kind"), t("col_points"), t("col_balance_after"), t("col_note")]}
                    numeric={[false, false, true, true, false]}
                    rows={transactions.map((tx) => [formatDateTime(tx.created_at), kindLabel(t, tx.kind), signed(tx.points), formatNumber(tx.balance_after), tx.note ?? "—"])}
                  />
                  {transactions.length >= limit && limit < LEDGER_MOST && (
                    <Button onClick={() => setLimit(Math.min(LEDGER_MOST, limit * 4))} loading={detail.loading}>
                      {t("ledger_more")}
                    </Button>
                  )}
                </>
              )}
            </Card>
          </Section>
        </Layout>
      </Stack>
      {adjusting && (
        <AdjustPoints
          customerId={customer.id}
          balance={customer.points_balance}
          onClose={() => setAdjusting(false)}
          onAdjusted={async (result) => {
            setAdjusting(false);
            toast(t("adjusted_toast", { balance: formatNumber(result.points_balance) }));
            await reloadAll();
          }}
        />
      )}
    </Page>
  );
}

/** Label and value side by side, as Polaris's description lists. */
const FACTS = { display: "grid", gridTemplateColumns: "max-content 1fr", gap: "8px 24px", margin: "0 0 16px" };

const KINDS = ["earn", "reversal", "signup", "newsletter", "review", "birthday", "social_follow", "goal_spend", "redemption", "release", "expiry", "adjustment", "campaign", "referral"];

function kindLabel(t: (key: string) => string, kind: string): string {
  return KINDS.includes(kind) ? t(`kind_${kind}`) : kind;
}

const signed = (points: number) => (points > 0 ? `+${formatNumber(points)}` : formatNumber(points));

/** The adjustment dialog: points (+ adds, − removes) and a reason, each error beside its field. */
function AdjustPoints({ customerId, balance, onClose, onAdjusted }: { customerId: string; balance: number; onClose: () => void; onAdjusted: (result: Adjusted) => void | Promise<void> }) {
  const t = useT("customers");
  const [points, setPoints] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<{ points?: string; reason?: string; form?: string }>({});
  const [saving, setSaving] = useState(false);
  // One key per intended adjustment: a second click, or a retry after a failed answer, sends the
  // same key; the API applies it once. A changed amount or reason is a new adjustment, a new key.
  const [key, setKey] = useState(() => crypto.randomUUID());

  const edit = (field: "points" | "reason", value: string) => {
    (field === "points" ? setPoints : setReason)(value);
    setErrors((e) => ({ ...e, [field]: undefined, form: undefined }));
    setKey(crypto.randomUUID());
  };

  const submit = async () => {
    if (saving) return;
    const amount = Number(points.trim());
    const local: typeof errors = {};
    if (points.trim() === "" || !Number.isInteger(amount) || amount === 0) local.points = t("points_invalid");
    else if (amount < 0 && -amount > balance) local.points = t("points_below_zero", { balance: formatNumber(balance) });
    if (reason.trim() === "") local.reason = t("reason_required");
    if (local.points || local.reason) return setErrors(local);
    setSaving(true);
    try {
      const result = await api.send<Adjusted>("POST", `/customers/${encodeURIComponent(customerId)}/adjust`, { points: amount, reason: reason.trim() }, { idempotencyKey: key });
      await onAdjusted(result);
    } catch (error) {
      const failure = asFailure(error);
      const field = fieldError(failure, ["points", "reason"]);
      if (field) setErrors({ [field.field]: field.message });
      else if (failure.code === "insufficient_points") setErrors({ points: failure.message });
      else setErrors({ form: failure.message });
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={t("adjust_title")}
      onClose={onClose}
      primaryAction={{ content: t("adjust_submit"), onAction: () => void submit(), loading: saving }}
      secondaryAction={{ content: t("common:cancel"), onAction: onClose }}
    >
      <FormLayout onSubmit={() => void submit()}>
        {errors.form && <Banner tone="critical">{errors.form}</Banner>}
        <Text tone="subdued">{t("adjust_current", { balance: formatNumber(balance) })}</Text>
        <TextField label={t("points_label")} type="number" name="points" step={1} value={points} onChange={(v) => edit("points", v)} helpText={t("points_help")} error={errors.points} />
        <TextField label={t("reason_label")} name="reason" value={reason} onChange={(v) => edit("reason", v)} helpText={t("reason_help")} error={errors.reason} multiline={2} />
      </FormLayout>
    </Modal>
  );
}
