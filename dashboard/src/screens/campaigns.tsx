// Bonus campaigns: the list (newest first, a page at a time, end one early), and one campaign's
// form (/campaigns/new or /campaigns/<id>). A campaign ended early is shown read-only (the API refuses
// edits to it). Each save creates or replaces the whole campaign.
import { useState } from "preact/hooks";
import { api } from "../api";
import { toast } from "../app-bridge";
import { formatDateTime } from "../format";
import { asFailure, useForm, useResource } from "../hooks";
import { useT } from "../i18n";
import { Link, navigate, setQuery } from "../router";
import { Badge, Banner, Button, Card, Checkbox, DataTable, EmptyState, FormLayout, InlineError, Layout, LoadError, Modal, Page, Pagination, Section, SkeletonPage, Stack, Text } from "../ui";
import type { ScreenProps } from "./registry";
import { FormBanner, FormCheck, FormSelect, FormText, enumOptions, useAddressOf, withField } from "./program/controls";
import { errorFor, type FormValues } from "./program/fields";
import { CAMPAIGN_ACTIONS, CAMPAIGN_KINDS, CAMPAIGN_LANGUAGES, campaignBody, campaignStatus, campaignToForm, newCampaign, tierIdsOf, type Campaign } from "./program/campaign-form";
import type { VipTier } from "./program/tier-form";

const PER_PAGE = 20;
const STATUS_TONE = { running: "success", scheduled: "info", ended: undefined } as const;

export default function CampaignsScreen({ params, query }: ScreenProps) {
  const editing = params.id;
  if (editing) return <CampaignEditor id={editing === "new" ? null : editing} />;
  return <CampaignList page={Math.max(1, Number(query.get("page")) || 1)} />;
}

const campaignName = (c: Campaign) => c.translations.en?.name ?? c.id;

function CampaignList({ page }: { page: number }) {
  const t = useT("campaigns");
  const list = useResource(() => api.get<{ campaigns: Campaign[]; total: number }>("/campaigns", { page, per_page: PER_PAGE }), [page]);
  const [ending, setEnding] = useState<Campaign | null>(null);
  const [busy, setBusy] = useState(false);
  const add = { content: t("add"), onAction: () => navigate("/campaigns/new") };
  if (list.error && !list.data) {
    return (
      <Page title={t("title")} primaryAction={add}>
        <LoadError error={list.error} onRetry={() => void list.reload()} />
      </Page>
    );
  }
  if (!list.data) return <SkeletonPage title={t("title")} />;

  const end = async () => {
    if (!ending) return;
    setBusy(true);
    try {
      await api.send("POST", `/campaigns/${ending.id}/end`);
      toast(t("ended_toast"));
    } catch (error) {
      toast(t("common:save_failed", { message: asFailure(error).message }), { error: true });
    } finally {
      setBusy(false);
      setEnding(null);
      await list.reload();
    }
  };

  const { campaigns, total } = list.data;
  return (
    <Page title={t("title")} subtitle={t("subtitle")} primaryAction={add}>
      <Card>
        {total === 0 ? (
          <EmptyState heading={t("empty")} action={add}>
            {t("empty_body")}
          </EmptyState>
        ) : (
          <Stack>
            <DataTable
              headings={[t("campaign"), t("kind"), t("starts_at"), t("ends_at"), t("status"), ""]}
              rows={campaigns.map((campaign) => {
                const status = campaignStatus(campaign);
                return [
                  <Link to={`/campaigns/${campaign.id}`}>{campaignName(campaign)}</Link>,
                  t(`kind_${campaign.kind}`),
                  formatDateTime(campaign.starts_at),
                  campaign.ends_at ? formatDateTime(campaign.ends_at) : t("open_ended"),
                  <Badge tone={STATUS_TONE[status]}>{t(`status_${status}`)}</Badge>,
                  status === "ended" ? "" : (
                    <Button variant="critical" onClick={() => setEnding(campaign)} ariaLabel={`${t("end")}: ${campaignName(campaign)}`}>
                      {t("end")}
                    </Button>
                  ),
                ];
              })}
            />
            <Pagination page={page} pages={Math.ceil(total / PER_PAGE)} onPage={(p) => setQuery({ page: p })} />
          </Stack>
        )}
      </Card>
      <Modal
        open={ending !== null}
        title={t("end_title", { name: ending ? campaignName(ending) : "" })}
        onClose={() => setEnding(null)}
        primaryAction={{ content: t("end"), onAction: () => void end(), loading: busy, destructive: true }}
        secondaryAction={{ content: t("common:cancel"), onAction: () => setEnding(null) }}
      >
        <Text>{t("end_body")}</Text>
      </Modal>
    </Page>
  );
}

interface EditorData {
  campaign: Campaign | null | undefined;
  tiers: VipTier[];
}

function CampaignEditor({ id }: { id: string | null }) {
  const t = useT("campaigns");
  const data = useResource<EditorData>(async () => {
    const [tiers, campaign] = await Promise.all([api.get<{ tiers: VipTier[] }>("/vip-tiers"), id === null ? Promise.resolve(null) : findCampaign(id)]);
    return { tiers: tiers.tiers, campaign };
  }, [id]);
  const back = { content: t("back"), onAction: () => navigate("/campaigns") };
  if (data.error && !data.data) {
    return (
      <Page title={t("title")} secondaryActions={[back]}>
        <LoadError error={data.error} onRetry={() => void data.reload()} />
      </Page>
    );
  }
  if (!data.data) return <SkeletonPage title={t("title")} />;
  const { campaign, tiers } = data.data;
  if (campaign === undefined) {
    if (data.loading) return <SkeletonPage title={t("title")} />;
    return (
      <Page title={t("title")} secondaryActions={[back]}>
        <EmptyState heading={t("not_found")} action={back} />
      </Page>
    );
  }
  return <CampaignForm campaign={campaign} tiers={tiers} />;
}

/**
 * One campaign by id. The API has no read of a single campaign: its versions' newest entry is
 * the campaign as it stands now (404 when it is not this shop's).
 */
async function findCampaign(id: string): Promise<Campaign | undefined> {
  try {
    const answer = await api.get<{ versions: { campaign: Campaign }[] }>(`/campaigns/${encodeURIComponent(id)}/versions`);
    return answer.versions[0]?.campaign;
  } catch (error) {
    const failure = asFailure(error);
    if (failure.status === 404 || failure.status === 400) return undefined;
    throw failure;
  }
}

function CampaignForm({ campaign, tiers }: { campaign: Campaign | null; tiers: VipTier[] }) {
  const t = useT("campaigns");
  const [saved, setSaved] = useState<Campaign | null>(campaign);
  const form = useForm<FormValues>(campaign ? campaignToForm(campaign) : newCampaign(), async (values) => {
    const body = campaignBody(values);
    const answer = await withField(() =>
      saved
        ? api.send<{ campaign: Campaign }>("PUT", `/campaigns/${saved.id}?expected_version=${saved.version}`, body)
        : api.send<{ campaign: Campaign }>("POST", "/campaigns", body),
    );
    setSaved(answer.campaign);
    return campaignToForm(answer.campaign);
  });
  useAddressOf(campaign === null ? saved?.id : undefined, form.dirty, "/campaigns");
  const readOnly = saved !== null && saved.ended_at !== null;
  const kind = String(form.values.kind);
  const chosen = tierIdsOf(form.values);
  const toggleTier = (tierId: string, on: boolean) => form.set("eligible_tier_ids", (on ? [...chosen, tierId] : chosen.filter((x) => x !== tierId)).join(","));
  const tierError = errorFor(form.errors, "eligible_tier_ids");

  return (
    <Page
      title={saved ? campaignName(saved) : t("new_title")}
      subtitle={saved ? t("version", { version: saved.version }) : undefined}
      secondaryActions={[{ content: t("back"), onAction: () => navigate("/campaigns") }]}
    >
      <FormLayout onSubmit={() => void form.submit()}>
        <Layout>
          {readOnly && <Banner tone="info" title={t("ended_read_only")} />}
          <FormBanner form={form} />
          <Section title={t("what_title")} description={t("what_description")}>
            <Card>
              <FormSelect form={form} field="kind" label={t("kind")} options={enumOptions(CAMPAIGN_KINDS, (k) => t(`kind_${k}`))} disabled={readOnly} />
              {kind === "multiplier" && (
                <>
                  <FormText form={form} field="multiplier" label={t("multiplier")} helpText={t("multiplier_help")} type="number" min={1} max={10} step="0.05" disabled={readOnly} />
                  <FormCheck form={form} field="stackable" label={t("stackable")} helpText={t("stackable_help")} disabled={readOnly} />
                </>
              )}
              {kind === "goal_spend" && (
                <>
                  <FormText form={form} field="amount" label={t("amount")} placeholder="150.00" disabled={readOnly} />
                  <FormText form={form} field="days" label={t("days")} type="number" min={1} max={366} disabled={readOnly} />
                </>
              )}
              {kind === "bonus_action" && (
                <FormSelect form={form} field="action" label={t("action")} options={enumOptions(CAMPAIGN_ACTIONS, (a) => t(`action_${a}`))} disabled={readOnly} />
              )}
              {kind !== "multiplier" && <FormText form={form} field="points" label={t("points")} type="number" min={1} disabled={readOnly} />}
            </Card>
          </Section>
          <Section title={t("when_title")} description={t("when_description")}>
            <Card>
              <FormText form={form} field="starts_at" label={t("starts_at")} type="datetime-local" disabled={readOnly} />
              <FormText form={form} field="ends_at" label={t("ends_at")} helpText={t("ends_at_help")} type="datetime-local" disabled={readOnly} />
            </Card>
          </Section>
          <Section title={t("who_title")} description={t("who_description")}>
            <Card>
              <fieldset class="LoyalNest-Fieldset" aria-describedby={tierError ? "eligible-tiers-error" : undefined}>
                <legend class="Polaris-Label">{t("eligible_tiers")}</legend>
                {tiers.length === 0 && <Text tone="subdued">{t("no_tiers")}</Text>}
                {tiers.map((tier) => (
                  <Checkbox
                    label={tier.translations.en?.name ?? tier.id}
                    checked={chosen.includes(tier.id)}
                    onChange={(on) => toggleTier(tier.id, on)}
                    disabled={readOnly}
                  />
                ))}
                {tierError && <InlineError id="eligible-tiers-error" message={tierError} />}
              </fieldset>
              <FormText form={form} field="discount.percentage" label={t("discount")} helpText={t("discount_help")} suffix="%" placeholder="10" disabled={readOnly} />
              <FormCheck form={form} field="free_shipping" label={t("free_shipping")} disabled={readOnly} />
            </Card>
          </Section>
          <Section title={t("texts_title")} description={t("texts_description")}>
            {CAMPAIGN_LANGUAGES.map((language) => (
              <Card title={t(`language_${language}`)}>
                <FormText form={form} field={`translations.${language}.name`} label={`${t("name")} (${t(`language_${language}`)})`} disabled={readOnly} />
                <FormText form={form} field={`translations.${language}.description`} label={`${t("description")} (${t(`language_${language}`)})`} multiline={2} disabled={readOnly} />
              </Card>
            ))}
          </Section>
        </Layout>
      </FormLayout>
    </Page>
  );
}
