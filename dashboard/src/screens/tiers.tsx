// VIP tiers: the ladder (enable or disable each tier), and one tier's form (/tiers/new or
// /tiers/<tier id>). Thresholds are written in the program's tier basis (points or spend),
// which the points program screen sets; each save creates or replaces the whole tier.
import { useState } from "preact/hooks";
import { api } from "../api";
import { toast } from "../app-bridge";
import { formatNumber } from "../format";
import { asFailure, useForm, useResource } from "../hooks";
import { useT } from "../i18n";
import { Link, navigate } from "../router";
import { Badge, Button, Card, DataTable, EmptyState, FormLayout, Layout, LoadError, Page, Section, SkeletonPage, Text } from "../ui";
import type { ScreenProps } from "./registry";
import { FormBanner, FormCheck, FormSelect, FormText, useAddressOf, withField } from "./program/controls";
import type { FormValues } from "./program/fields";
import type { ProgramAnswer } from "./program/program-form";
import type { Reward } from "./program/reward-form";
import { NEW_TIER, TIER_CODE_FIELDS, TIER_LANGUAGES, tierBody, tierToForm, type VipTier } from "./program/tier-form";

type Basis = "points" | "spend";
interface TierData {
  tiers: VipTier[];
  basis: Basis;
  rewards: Reward[];
}

const loadTiers = async (): Promise<TierData> => {
  const [tiers, program, rewards] = await Promise.all([
    api.get<{ tiers: VipTier[] }>("/vip-tiers"),
    api.get<ProgramAnswer>("/points-program"),
    api.get<{ rewards: Reward[] }>("/rewards"),
  ]);
  const basis = ((program.config.tiers as { basis?: Basis } | undefined)?.basis ?? "points") as Basis;
  return { tiers: tiers.tiers, basis, rewards: rewards.rewards };
};

export default function TiersScreen({ params }: ScreenProps) {
  const editing = params.id;
  return editing ? <TierEditor id={editing === "new" ? null : editing} /> : <TierList />;
}

const tierName = (tier: VipTier) => tier.translations.en?.name ?? tier.id;

function TierList() {
  const t = useT("tiers");
  const data = useResource(loadTiers);
  const [busy, setBusy] = useState<string | null>(null);
  const add = { content: t("add"), onAction: () => navigate("/tiers/new") };
  if (data.error && !data.data) {
    return (
      <Page title={t("title")} primaryAction={add}>
        <LoadError error={data.error} onRetry={() => void data.reload()} />
      </Page>
    );
  }
  if (!data.data) return <SkeletonPage title={t("title")} />;
  const { tiers, basis } = data.data;

  const toggle = async (tier: VipTier) => {
    setBusy(tier.id);
    try {
      if (tier.enabled) await api.send("DELETE", `/vip-tiers/${encodeURIComponent(tier.id)}`);
      else await api.send("PUT", `/vip-tiers/${encodeURIComponent(tier.id)}?expected_version=${tier.version}`, { ...tierBody(tierToForm(tier), tier.basis), enabled: true });
      toast(tier.enabled ? t("disabled_toast") : t("enabled_toast"));
    } catch (error) {
      toast(t("common:save_failed", { message: asFailure(error).message }), { error: true });
    } finally {
      setBusy(null);
      await data.reload();
    }
  };

  const ladder = [...tiers].sort((a, b) => Number(b.enabled) - Number(a.enabled) || thresholdValue(a) - thresholdValue(b));
  return (
    <Page title={t("title")} subtitle={t("subtitle")} primaryAction={add}>
      <Layout>
        <Card>
          <Text>
            {t(`basis_note_${basis}`)} <Link to="/program">{t("policy_link")}</Link>
          </Text>
        </Card>
        <Card>
          {ladder.length === 0 ? (
            <EmptyState heading={t("empty")} action={add}>
              {t("empty_body")}
            </EmptyState>
          ) : (
            <DataTable
              headings={[t("tier"), t("threshold"), t("multiplier"), t("perks"), t("status"), ""]}
              numeric={[false, true, true, false, false, false]}
              rows={ladder.map((tier) => [
                <Link to={`/tiers/${encodeURIComponent(tier.id)}`}>{tierName(tier)}</Link>,
                tier.basis === "points" ? t("threshold_points", { points: formatNumber(Number(tier.threshold)) }) : String(tier.threshold),
                `${tier.earn_multiplier}×`,
                [tier.discount ? t("discount_perk", { percentage: tier.discount.percentage }) : null, tier.free_shipping ? t("free_shipping") : null].filter(Boolean).join(", ") || "—",
                tier.basis !== basis ? <Badge tone="warning">{t("other_basis")}</Badge> : tier.enabled ? <Badge tone="success">{t("enabled")}</Badge> : <Badge>{t("disabled")}</Badge>,
                <Button onClick={() => void toggle(tier)} loading={busy === tier.id} ariaLabel={`${tier.enabled ? t("disable") : t("enable")}: ${tierName(tier)}`}>
                  {tier.enabled ? t("disable") : t("enable")}
                </Button>,
              ])}
            />
          )}
        </Card>
      </Layout>
    </Page>
  );
}

const thresholdValue = (tier: VipTier) => Number(tier.threshold);

function TierEditor({ id }: { id: string | null }) {
  const t = useT("tiers");
  const data = useResource(loadTiers, [id]);
  const back = { content: t("back"), onAction: () => navigate("/tiers") };
  if (data.error && !data.data) {
    return (
      <Page title={t("title")} secondaryActions={[back]}>
        <LoadError error={data.error} onRetry={() => void data.reload()} />
      </Page>
    );
  }
  if (!data.data) return <SkeletonPage title={t("title")} />;
  const tier = id === null ? null : data.data.tiers.find((x) => x.id === id);
  if (tier === undefined) {
    if (data.loading) return <SkeletonPage title={t("title")} />;
    return (
      <Page title={t("title")} secondaryActions={[back]}>
        <EmptyState heading={t("not_found")} action={back} />
      </Page>
    );
  }
  return <TierForm tier={tier} basis={data.data.basis} rewards={data.data.rewards} />;
}

function TierForm({ tier, basis, rewards }: { tier: VipTier | null; basis: Basis; rewards: Reward[] }) {
  const t = useT("tiers");
  const [saved, setSaved] = useState<VipTier | null>(tier);
  const form = useForm<FormValues>(tier ? tierToForm(tier) : NEW_TIER, async (values) => {
    const body = tierBody(values, basis);
    const answer = await withField(
      () =>
        saved
          ? api.send<{ tier: VipTier }>("PUT", `/vip-tiers/${encodeURIComponent(saved.id)}?expected_version=${saved.version}`, body)
          : api.send<{ tier: VipTier }>("POST", "/vip-tiers", body),
      TIER_CODE_FIELDS,
    );
    setSaved(answer.tier);
    return tierToForm(answer.tier);
  });
  useAddressOf(tier === null ? saved?.id : undefined, form.dirty, "/tiers");
  // Entry rewards: enabled rewards with a fixed value (the API refuses the others).
  const entryRewards = rewards.filter((r) => (r.enabled && r.type !== "points_to_money") || r.reward_id === form.values.entry_reward_id);
  return (
    <Page
      title={saved ? tierName(saved) : t("new_title")}
      subtitle={saved ? t("version", { version: saved.version }) : undefined}
      secondaryActions={[{ content: t("back"), onAction: () => navigate("/tiers") }]}
    >
      <FormLayout onSubmit={() => void form.submit()}>
        <Layout>
          <FormBanner form={form} />
          <Section title={t("qualify_title")} description={t(`basis_note_${basis}`)}>
            <Card>
              <FormText
                form={form}
                field="threshold"
                label={basis === "points" ? t("threshold_in_points") : t("threshold_in_spend")}
                type={basis === "points" ? "number" : "text"}
                placeholder={basis === "points" ? "1000" : "500.00"}
                min={0}
              />
              <FormText form={form} field="sort" label={t("sort")} type="number" min={0} />
              <FormCheck form={form} field="enabled" label={t("enabled_label")} helpText={t("enabled_help")} />
            </Card>
          </Section>
          <Section title={t("benefits_title")} description={t("benefits_description")}>
            <Card>
              <FormText form={form} field="earn_multiplier" label={t("multiplier_label")} helpText={t("multiplier_help")} type="number" min={1} max={10} step="0.05" />
              <FormSelect
                form={form}
                field="entry_reward_id"
                label={t("entry_reward")}
                helpText={t("entry_reward_help")}
                options={[{ value: "", label: t("no_entry_reward") }, ...entryRewards.map((r) => ({ value: r.reward_id, label: r.translations.en?.title ?? r.reward_id }))]}
              />
              <FormText form={form} field="discount.percentage" label={t("discount_label")} helpText={t("discount_help")} suffix="%" placeholder="5" />
              <FormCheck form={form} field="free_shipping" label={t("free_shipping_label")} />
            </Card>
          </Section>
          <Section title={t("texts_title")} description={t("texts_description")}>
            {TIER_LANGUAGES.map((language) => (
              <Card title={t(`language_${language}`)}>
                <FormText form={form} field={`translations.${language}.name`} label={`${t("name")} (${t(`language_${language}`)})`} />
                <FormText form={form} field={`translations.${language}.perks`} label={`${t("perk_lines")} (${t(`language_${language}`)})`} helpText={t("perk_lines_help")} multiline={3} />
              </Card>
            ))}
          </Section>
        </Layout>
      </FormLayout>
    </Page>
  );
}
