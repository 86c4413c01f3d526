// The rewards catalog: the list (enable or disable each), and one reward's form (/rewards/new or
// /rewards/<reward id>, so a reload lands on the same form). Each save is one API call: the
// reward is created or replaced whole, or not at all.
import { useState } from "preact/hooks";
import { api } from "../api";
import { toast } from "../app-bridge";
import { formatNumber, formatPercent } from "../format";
import { asFailure, useForm, useResource } from "../hooks";
import { useT } from "../i18n";
import { useMoney } from "../shop-currency";
import { Link, navigate } from "../router";
import { Badge, Button, Card, DataTable, EmptyState, FormLayout, Layout, LoadError, Page, Section, SkeletonPage, Stack } from "../ui";
import type { ScreenProps } from "./registry";
import { FormBanner, FormCheck, FormSelect, FormText, enumOptions, useAddressOf, withField } from "./program/controls";
import type { FormValues } from "./program/fields";
import { NEW_REWARD, REWARD_LANGUAGES, REWARD_TYPES, rewardBody, rewardInputsFor, rewardToForm, type Reward } from "./program/reward-form";

const listRewards = () => api.get<{ rewards: Reward[] }>("/rewards").then((answer) => answer.rewards);

export default function RewardsScreen({ params }: ScreenProps) {
  const editing = params.id;
  return editing ? <RewardEditor id={editing === "new" ? null : editing} /> : <RewardList />;
}

function RewardList() {
  const t = useT("rewards");
  const rewards = useResource(listRewards);
  const [busy, setBusy] = useState<string | null>(null);
  const money = useMoney();
  const add = { content: t("add"), onAction: () => navigate("/rewards/new") };

  if (rewards.error && !rewards.data) {
    return (
      <Page title={t("title")} primaryAction={add}>
        <LoadError error={rewards.error} onRetry={() => void rewards.reload()} />
      </Page>
    );
  }
  if (!rewards.data) return <SkeletonPage title={t("title")} />;

  // Disabling keeps issued codes valid (DELETE); enabling replaces the reward with enabled on.
  const toggle = async (reward: Reward) => {
    setBusy(reward.reward_id);
    try {
      if (reward.enabled) await api.send("DELETE", `/rewards/${encodeURIComponent(reward.reward_id)}`);
      else await api.send("PUT", `/rewards/${encodeURIComponent(reward.reward_id)}?expected_version=${reward.version}`, { ...rewardBody(rewardToForm(reward)), enabled: true });
      toast(reward.enabled ? t("disabled_toast") : t("enabled_toast"));
    } catch (error) {
      toast(t("common:save_failed", { message: asFailure(error).message }), { error: true });
    } finally {
      setBusy(null);
      await rewards.reload();
    }
  };

  const list = [...rewards.data].sort((a, b) => a.sort - b.sort || a.points_cost - b.points_cost);
  return (
    <Page title={t("title")} subtitle={t("subtitle")} primaryAction={add}>
      <Card>
        {list.length === 0 ? (
          <EmptyState heading={t("empty")} action={add}>
            {t("empty_body")}
          </EmptyState>
        ) : (
          <DataTable
            headings={[t("reward"), t("type"), t("points_cost"), t("value"), t("status"), ""]}
            numeric={[false, false, true, true, false, false]}
            rows={list.map((reward) => [
              <Link to={`/rewards/${encodeURIComponent(reward.reward_id)}`}>{reward.translations.en?.title ?? reward.reward_id}</Link>,
              t(`type_${reward.type}`),
              formatNumber(reward.points_cost),
              reward.value === null ? "—" : reward.type === "percentage" ? formatPercent(Number(reward.value) / 100) : money(reward.value),
              reward.enabled ? <Badge tone="success">{t("enabled")}</Badge> : <Badge>{t("disabled")}</Badge>,
              <Button onClick={() => void toggle(reward)} loading={busy === reward.reward_id} ariaLabel={`${reward.enabled ? t("disable") : t("enable")}: ${reward.translations.en?.title ?? ""}`}>
                {reward.enabled ? t("disable") : t("enable")}
              </Button>,
            ])}
          />
        )}
      </Card>
    </Page>
  );
}

function RewardEditor({ id }: { id: string | null }) {
  const t = useT("rewards");
  const rewards = useResource(listRewards, [id]);
  const back = { content: t("back"), onAction: () => navigate("/rewards") };
  if (rewards.error && !rewards.data) {
    return (
      <Page title={t("title")} secondaryActions={[back]}>
        <LoadError error={rewards.error} onRetry={() => void rewards.reload()} />
      </Page>
    );
  }
  if (!rewards.data) return <SkeletonPage title={t("title")} />;
  const reward = id === null ? null : rewards.data.find((r) => r.reward_id === id);
  if (reward === undefined) {
    // Just created: its address changed before the list that holds it reloaded.
    if (rewards.loading) return <SkeletonPage title={t("title")} />;
    return (
      <Page title={t("title")} secondaryActions={[back]}>
        <EmptyState heading={t("not_found")} action={{ content: t("back"), onAction: () => navigate("/rewards") }} />
      </Page>
    );
  }
  return <RewardForm reward={reward} />;
}

function RewardForm({ reward }: { reward: Reward | null }) {
  const t = useT("rewards");
  const [saved, setSaved] = useState<Reward | null>(reward);
  const form = useForm<FormValues>(reward ? rewardToForm(reward) : NEW_REWARD, async (values) => {
    const body = rewardBody(values);
    const answer = await withField(() =>
      saved
        ? api.send<{ reward: Reward }>("PUT", `/rewards/${encodeURIComponent(saved.reward_id)}?expected_version=${saved.version}`, body)
        : api.send<{ reward: Reward }>("POST", "/rewards", body),
    );
    setSaved(answer.reward);
    return rewardToForm(answer.reward);
  });
  useAddressOf(reward === null ? saved?.reward_id : undefined, form.dirty, "/rewards");
  const type = String(form.values.type);
  const uses = rewardInputsFor(type);
  const title = saved ? (saved.translations.en?.title ?? saved.reward_id) : t("new_title");

  return (
    <Page title={title} subtitle={saved ? t("version", { version: saved.version }) : undefined} secondaryActions={[{ content: t("back"), onAction: () => navigate("/rewards") }]}>
      <FormLayout onSubmit={() => void form.submit()}>
        <Layout>
          <FormBanner form={form} />
          <Section title={t("details_title")} description={t("details_description")}>
            <Card>
              <FormSelect form={form} field="type" label={t("type")} options={enumOptions(REWARD_TYPES, (v) => t(`type_${v}`))} />
              <FormText form={form} field="points_cost" label={type === "points_to_money" ? t("points_per_unit") : t("points_cost")} type="number" min={1} />
              {uses.value && <FormText form={form} field="value" label={t(`value_${type}`)} helpText={t(`value_${type}_help`)} placeholder={type === "percentage" ? "10" : "5.00"} />}
              {uses.range && (
                <Stack direction="row" gap="200">
                  <FormText form={form} field="min_points" label={t("min_points")} type="number" min={1} />
                  <FormText form={form} field="max_points" label={t("max_points")} type="number" min={1} />
                </Stack>
              )}
              {uses.variant && <FormText form={form} field="product_variant_gid" label={t("variant")} helpText={t("variant_help")} placeholder="gid://shopify/ProductVariant/123" />}
              <FormText form={form} field="min_order_subtotal" label={t("min_order_subtotal")} helpText={t("optional")} placeholder="50.00" />
              <FormText form={form} field="code_expiry_days" label={t("code_expiry_days")} helpText={t("code_expiry_days_help")} type="number" min={1} />
              <FormText form={form} field="sort" label={t("sort")} type="number" min={0} />
              <FormCheck form={form} field="enabled" label={t("enabled_label")} helpText={t("enabled_help")} />
            </Card>
          </Section>
          <Section title={t("texts_title")} description={t("texts_description")}>
            {REWARD_LANGUAGES.map((language) => (
              <Card title={t(`language_${language}`)}>
                <FormText form={form} field={`translations.${language}.title`} label={`${t("reward_title")} (${t(`language_${language}`)})`} />
                <FormText form={form} field={`translations.${language}.description`} label={`${t("description")} (${t(`language_${language}`)})`} multiline={2} />
              </Card>
            ))}
          </Section>
        </Layout>
      </FormLayout>
    </Page>
  );
}
