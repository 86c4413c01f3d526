// The points program: how customers earn (purchases, actions, social follows, a spending goal),
// how often, what the earn base counts, when points expire, how VIP tiers are kept, and the
// points currency's name. One form, saved as one new version of the program with the save bar.
import { useRef } from "preact/hooks";
import { api } from "../api";
import { useForm, useResource } from "../hooks";
import { useT } from "../i18n";
import { Card, FormLayout, Layout, LoadError, Page, Section, SkeletonPage, Stack } from "../ui";
import type { ScreenProps } from "./registry";
import { FormBanner, FormCheck, FormSelect, FormText, enumOptions, withField } from "./program/controls";
import type { FormValues } from "./program/fields";
import {
  DOWNGRADES,
  EXPIRY_MODES,
  LIMIT_PERIODS,
  SIMPLE_ACTIONS,
  SOCIAL_NETWORKS,
  TIER_BASES,
  TIER_PERIODS,
  programPatch,
  programToForm,
  type ProgramAnswer,
} from "./program/program-form";

export default function ProgramScreen(_props: ScreenProps) {
  const t = useT("program");
  const program = useResource(() => api.get<ProgramAnswer>("/points-program"));
  if (program.error && !program.data) {
    return (
      <Page title={t("title")}>
        <LoadError error={program.error} onRetry={() => void program.reload()} />
      </Page>
    );
  }
  if (!program.data) return <SkeletonPage title={t("title")} />;
  return <ProgramForm answer={program.data} />;
}

function ProgramForm({ answer }: { answer: ProgramAnswer }) {
  const t = useT("program");
  // The version this form was read at: a save over someone else's newer one is refused (409).
  const version = useRef(answer.version);
  const form = useForm<FormValues>(programToForm(answer), async (values) => {
    const saved = await withField(() => api.send<ProgramAnswer>("PUT", `/points-program?expected_version=${version.current}`, programPatch(values)));
    version.current = saved.version;
    return programToForm(saved);
  });
  const periods = enumOptions(LIMIT_PERIODS, (p) => t(`period_${p}`));
  // Each input's label names its action too: the cards repeat "Points", "At most", "Per".
  const limit = (action: string, context: string) => (
    <Stack direction="row" gap="200">
      <FormText form={form} field={`config.limits.${action}.count`} label={`${t("limit_count")} (${context})`} type="number" min={1} />
      <FormSelect form={form} field={`config.limits.${action}.period`} label={`${t("limit_period")} (${context})`} options={periods} />
    </Stack>
  );
  const points = t("points_suffix");
  const expiryMode = String(form.values["config.points_expiry.mode"]);

  return (
    <Page title={t("title")} subtitle={t("subtitle", { version: version.current })}>
      <FormLayout onSubmit={() => void form.submit()}>
        <Layout>
          <FormBanner form={form} />
          <Section title={t("earning_title")} description={t("earning_description")}>
            <Card>
              <FormCheck form={form} field="config.enabled" label={t("enabled")} helpText={t("enabled_help")} />
              <FormText form={form} field="config.purchase" label={t("purchase")} helpText={t("purchase_help")} type="number" min={0} suffix={points} />
              <FormCheck form={form} field="config.earn_base.include_shipping" label={t("include_shipping")} />
              <FormCheck form={form} field="config.earn_base.include_tax" label={t("include_tax")} helpText={t("include_tax_help")} />
            </Card>
          </Section>

          <Section title={t("actions_title")} description={t("actions_description")}>
            {SIMPLE_ACTIONS.map((action) => (
              <Card title={t(`action_${action}`)}>
                <FormText form={form} field={`config.${action}`} label={`${t("action_points")} (${t(`action_${action}`)})`} type="number" min={0} suffix={points} />
                {limit(action, t(`action_${action}`))}
              </Card>
            ))}
          </Section>

          <Section title={t("social_title")} description={t("social_description")}>
            <Card>
              {SOCIAL_NETWORKS.map((network) => (
                <FormText form={form} field={`config.social_follow.${network}`} label={t(`network_${network}`)} type="number" min={0} suffix={points} placeholder={t("not_offered")} />
              ))}
              {limit("social_follow", t("social_title"))}
            </Card>
          </Section>

          <Section title={t("goal_title")} description={t("goal_description")}>
            <Card>
              <FormCheck form={form} field="config.goal_spend.enabled" label={t("goal_enabled")} />
              <FormText form={form} field="config.goal_spend.amount" label={t("goal_amount")} placeholder="200.00" />
              <FormText form={form} field="config.goal_spend.days" label={t("goal_days")} type="number" min={1} max={366} />
              <FormText form={form} field="config.goal_spend.points" label={`${t("action_points")} (${t("goal_title")})`} type="number" min={0} suffix={points} />
              {limit("goal_spend", t("goal_title"))}
            </Card>
          </Section>

          <Section title={t("expiry_title")} description={t("expiry_description")}>
            <Card>
              <FormSelect form={form} field="config.points_expiry.mode" label={t("expiry_mode")} options={enumOptions(EXPIRY_MODES, (m) => t(`expiry_${m}`))} />
              <FormText form={form} field="config.points_expiry.months" label={t("expiry_months")} type="number" min={1} max={120} disabled={expiryMode === "never"} />
              <FormText form={form} field="config.points_expiry.reminder_days" label={t("expiry_reminder")} helpText={t("expiry_reminder_help")} type="number" min={1} max={90} disabled={expiryMode === "never"} />
              <FormCheck form={form} field="config.return_points_on_code_expiry" label={t("return_points")} helpText={t("return_points_help")} />
            </Card>
          </Section>

          <Section title={t("tiers_title")} description={t("tiers_description")}>
            <Card>
              <FormSelect form={form} field="config.tiers.basis" label={t("tier_basis")} helpText={t("tier_basis_help")} options={enumOptions(TIER_BASES, (b) => t(`basis_${b}`))} />
              <FormSelect form={form} field="config.tiers.period" label={t("tier_period")} options={enumOptions(TIER_PERIODS, (p) => t(`tier_period_${p}`))} />
              <FormSelect form={form} field="config.tiers.downgrade" label={t("tier_downgrade")} options={enumOptions(DOWNGRADES, (d) => t(`downgrade_${d}`))} />
              <FormText form={form} field="config.tiers.grace_days" label={t("grace_days")} type="number" min={1} max={730} disabled={form.values["config.tiers.downgrade"] !== "grace"} />
            </Card>
          </Section>

          <Section title={t("currency_title")} description={t("currency_description")}>
            <Card>
              <FormText form={form} field="branding.points_currency_singular" label={t("currency_singular")} />
              <FormText form={form} field="branding.points_currency_plural" label={t("currency_plural")} />
            </Card>
          </Section>
        </Layout>
      </FormLayout>
    </Page>
  );
}
