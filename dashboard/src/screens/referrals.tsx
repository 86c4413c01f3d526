// Referrals: the shop's referrals, newest bound first, by status (held ones first: the fraud
// checks' holds wait for the merchant), with the checks' reasons, and Approve / Reject on each
// held one. The ROI of the referrals completed is above the list.
import { useState } from "preact/hooks";
import { api } from "../api";
import { toast } from "../app-bridge";
import { formatDateTime, formatNumber } from "../format";
import { asFailure, useResource } from "../hooks";
import { useT } from "../i18n";
import { useMoney } from "../shop-currency";
import { Link, navigate, setQuery } from "../router";
import { Badge, Button, Card, DataTable, EmptyState, LoadError, Modal, Page, Pagination, Spinner, Stack, Tabs, Text } from "../ui";
import type { ReferralRoi } from "../../../core/merchant-wire";
import type { ScreenProps } from "./registry";

const PER_PAGE = 25;
export const REFERRAL_TABS = ["held", "pending", "completed", "rejected", "expired", "reversed", "all"] as const;
type Tab = (typeof REFERRAL_TABS)[number];

interface Referral {
  id: string;
  code: string;
  advocate_id: string;
  friend_id: string;
  status: Exclude<Tab, "all">;
  score: number;
  reasons: { code: string; score: number; detail: string }[];
  bound_at: string;
  completed_at: string | null;
  decided_by: string | null;
}


const TONE = { held: "warning", pending: "info", completed: "success", rejected: "critical", expired: undefined, reversed: "attention" } as const;

export default function ReferralsScreen({ query }: ScreenProps) {
  const t = useT("referrals");
  const tab: Tab = (REFERRAL_TABS as readonly string[]).includes(query.get("status") ?? "") ? (query.get("status") as Tab) : "held";
  const page = Math.max(1, Number(query.get("page")) || 1);
  const list = useResource(() => api.get<{ referrals: Referral[]; total: number }>("/referrals", { status: tab === "all" ? undefined : tab, page, per_page: PER_PAGE }), [tab, page]);
  const roi = useResource(() => api.get<{ roi: ReferralRoi }>("/referrals/roi"), []);
  const [deciding, setDeciding] = useState<string | null>(null);
  const money = useMoney();
  const [rejecting, setRejecting] = useState<Referral | null>(null);
  // Decisions made here, by referral id: the list is the Postgres projection, which learns of a
  // decision a moment later (through the ledger-events queue); until then a decided row shows
  // its new status and no buttons, so it cannot be decided twice.
  const [decided, setDecided] = useState<Record<string, Referral["status"]>>({});
  const pages = list.data ? Math.ceil(list.data.total / PER_PAGE) : 1;

  const decide = async (referral: Referral, decision: "approve" | "reject") => {
    setDeciding(referral.id);
    try {
      const answer = await api.send<{ referral: { status: Referral["status"] } }>("POST", `/referrals/${encodeURIComponent(referral.id)}/${decision}`);
      setDecided((d) => ({ ...d, [referral.id]: answer.referral.status }));
      toast(decision === "approve" ? t("approved_toast") : t("rejected_toast"));
    } catch (error) {
      toast(t("decide_failed", { message: asFailure(error).message }), { error: true });
    } finally {
      setDeciding(null);
      setRejecting(null);
      await Promise.all([list.reload(), roi.reload()]);
    }
  };

  return (
    <Page title={t("title")} secondaryActions={[{ content: t("settings"), onAction: () => navigate("/referrals/settings") }]}>
      <Stack gap="400">
        <Card title={t("roi_title")}>
          {roi.error && <LoadError error={roi.error} onRetry={() => void roi.reload()} />}
          {roi.data && (
            <Stack direction="row" gap="500">
              <Text>{t("roi_completed", { formatted: formatNumber(roi.data.roi.referrals_completed) })}</Text>
              <Text>{t("roi_revenue", { amount: money(roi.data.roi.revenue) })}</Text>
              <Text>{t("roi_cost", { amount: money(roi.data.roi.reward_cost) })}</Text>
              <Text>{roi.data.roi.ratio === null ? t("roi_ratio_none") : t("roi_ratio", { ratio: roi.data.roi.ratio.toFixed(2) })}</Text>
            </Stack>
          )}
        </Card>
        <Card>
          <Stack gap="300">
            <Tabs tabs={REFERRAL_TABS.map((id) => ({ id, content: t(`tab_${id}`) }))} selected={tab} onSelect={(id) => setQuery({ status: id === "held" ? null : id, page: null })} />
            {list.error && <LoadError error={list.error} onRetry={() => void list.reload()} />}
            {list.loading && !list.data && <Spinner />}
            {list.data &&
              (list.data.referrals.length === 0 ? (
                <EmptyState heading={tab === "held" ? t("empty_held") : t("empty")} />
              ) : (
                <>
                  <DataTable
                    caption={t(`caption_${tab}`)}
                    headings={[t("col_bound"), t("col_friend"), t("col_advocate"), t("col_status"), t("col_reasons"), t("col_actions")]}
                    rows={list.data.referrals.map((listed) => ({ ...listed, status: decided[listed.id] ?? listed.status })).map((r) => [
                      formatDateTime(r.bound_at),
                      <Link to={`/customers/${r.friend_id}`}>{r.friend_id}</Link>,
                      <Link to={`/customers/${r.advocate_id}`}>{r.advocate_id}</Link>,
                      <Badge tone={TONE[r.status]}>{t(`status_${r.status}`)}</Badge>,
                      r.reasons.length ? r.reasons.map((reason) => reasonText(t, reason)).join("; ") : "—",
                      r.status === "held" ? (
                        <Stack direction="row" gap="200">
                          <Button variant="primary" onClick={() => void decide(r, "approve")} loading={deciding === r.id} ariaLabel={t("approve_label", { id: r.friend_id })}>
                            {t("approve")}
                          </Button>
                          <Button variant="critical" onClick={() => setRejecting(r)} disabled={deciding === r.id} ariaLabel={t("reject_label", { id: r.friend_id })}>
                            {t("reject")}
                          </Button>
                        </Stack>
                      ) : r.decided_by ? (
                        t("decided_by", { who: r.decided_by })
                      ) : (
                        "—"
                      ),
                    ])}
                  />
                  {pages > 1 && <Pagination page={page} pages={pages} onPage={(next) => setQuery({ page: next === 1 ? null : next })} />}
                </>
              ))}
          </Stack>
        </Card>
      </Stack>
      <Modal
        open={rejecting !== null}
        title={t("reject_title")}
        onClose={() => setRejecting(null)}
        primaryAction={{ content: t("reject"), onAction: () => rejecting && void decide(rejecting, "reject"), loading: deciding !== null, destructive: true }}
        secondaryAction={{ content: t("common:cancel"), onAction: () => setRejecting(null) }}
      >
        <Text>{t("reject_body", { id: rejecting?.friend_id ?? "" })}</Text>
      </Modal>
    </Page>
  );
}

const REASONS = ["same_email", "same_phone", "same_address", "device_velocity", "ip_velocity", "existing_customer"];

/** A fraud check's reason in the merchant's language; its detail (English, core/referrals.ts) for a code this screen does not know. */
function reasonText(t: (key: string) => string, reason: { code: string; detail: string }): string {
  return REASONS.includes(reason.code) ? t(`reason_${reason.code}`) : reason.detail;
}
