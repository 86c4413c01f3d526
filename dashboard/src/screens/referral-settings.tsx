// The referral program's settings (/referrals/settings): what the advocate and the friend get,
// when a referral completes, how long a pending one waits, the fraud checks' thresholds, the share
// channels the widget offers and the offer's words per language. One form, saved with the save bar
// as one PUT /v1/api/referrals/config (one new program version, or nothing when a field is refused).
// The completion message the customers receive is a notification template (the notifications screen).
import { api } from "../api";
import { useForm, useResource } from "../hooks";
import { useT } from "../i18n";
import { Link, navigate } from "../router";
import { Card, FormLayout, Layout, LoadError, Page, Section, SkeletonPage, Text } from "../ui";
import type { ScreenProps } from "./registry";
import { FormBanner, FormCheck, FormSelect, FormText, enumOptions, withField } from "./program/controls";
import type { FormValues } from "./program/fields";
import {
  COMPLETIONS,
  COPY_FIELDS,
  COPY_LANGUAGES,
  DISCOUNT_KINDS,
  FRAUD_FIELDS,
  REWARD_SIDES,
  REWARD_TYPES,
  SHARE_CHANNELS,
  referralPatch,
  referralToForm,
  type ReferralAnswer,
} from "./program/referral-form";

export default function ReferralSettingsScreen(_props: ScreenProps) {
  const t = useT("referrals");
  const answer = useResource(() => api.get<ReferralAnswer>("/referrals/config"));
  if (answer.error && !answer.data) {
    return (
      <Page title={t("settings_title")}>
        <LoadError error={answer.error} onRetry={() => void answer.reload()} />
      </Page>
    );
  }
  if (!answer.data) return <SkeletonPage title={t("settings_title")} />;
  return <ReferralForm answer={answer.data} />;
}

function ReferralForm({ answer }: { answer: ReferralAnswer }) {
  const t = useT("referrals");
  const form = useForm<FormValues>(referralToForm(answer), async (values) => referralToForm(await withField(() => api.send<ReferralAnswer>("PUT", "/referrals/config", referralPatch(values)))));
  const completion = String(form.values["config.completion"]);

  return (
    <Page title={t("settings_title")} subtitle={t("settings_subtitle")} secondaryActions={[{ content: t("back_to_referrals"), onAction: () => navigate("/referrals") }]}>
      <FormLayout onSubmit={() => void form.submit()}>
        <Layout>
          <FormBanner form={form} />
          <Section title={t("program_title")} description={t("program_description")}>
            <Card>
              <FormCheck form={form} field="config.enabled" label={t("enabled")} helpText={t("enabled_help")} />
              <FormSelect form={form} field="config.completion" label={t("completion")} options={enumOptions(COMPLETIONS, (c) => t(`completion_${c}`))} />
              <FormText
                form={form}
                field="config.min_order_subtotal"
                label={t("min_order_subtotal")}
                helpText={t("min_order_subtotal_help")}
                placeholder="50.00"
                disabled={completion !== "first_order"}
              />
              <FormText form={form} field="config.expiry_days" label={t("expiry_days")} helpText={t("expiry_days_help")} type="number" min={1} max={365} />
            </Card>
          </Section>

          {REWARD_SIDES.map((side) => {
            const at = (field: string) => `config.${side}.${field}`;
            const who = t(`side_${side}`);
            const type = String(form.values[at("type")]);
            return (
              <Section title={t(`${side}_title`)} description={t(`${side}_description`)}>
                <Card>
                  <FormSelect form={form} field={at("type")} label={`${t("reward_type")} (${who})`} options={enumOptions(REWARD_TYPES, (r) => t(`reward_${r}`))} />
                  {type === "points" && <FormText form={form} field={at("points")} label={`${t("reward_points")} (${who})`} type="number" min={1} />}
                  {type === "discount" && (
                    <>
                      <FormSelect form={form} field={at("discount")} label={`${t("discount_kind")} (${who})`} options={enumOptions(DISCOUNT_KINDS, (d) => t(`discount_${d}`))} />
                      <FormText form={form} field={at("value")} label={`${t("discount_value")} (${who})`} helpText={t("discount_value_help")} placeholder="10" />
                      <FormText form={form} field={at("min_order_subtotal")} label={`${t("discount_minimum")} (${who})`} helpText={t("discount_minimum_help")} placeholder="50.00" />
                      <FormText form={form} field={at("code_expiry_days")} label={`${t("code_expiry_days")} (${who})`} type="number" min={1} max={365} />
                    </>
                  )}
                </Card>
              </Section>
            );
          })}

          <Section title={t("fraud_title")} description={t("fraud_description")}>
            <Card>
              {FRAUD_FIELDS.map((field) => (
                <FormText form={form} field={`config.fraud.${field}`} label={t(`fraud_${field}`)} helpText={t(`fraud_${field}_help`)} type="number" min={1} />
              ))}
            </Card>
          </Section>

          <Section title={t("channels_title")} description={t("channels_description")}>
            <Card>
              {SHARE_CHANNELS.map((channel) => (
                <FormCheck form={form} field={`config.channels.${channel}`} label={t(`channel_${channel}`)} />
              ))}
            </Card>
          </Section>

          <Section title={t("copy_title")} description={t("copy_description")}>
            {COPY_LANGUAGES.map((language) => (
              <Card title={t(`language_${language}`)}>
                {COPY_FIELDS.map((field) => (
                  <FormText
                    form={form}
                    field={`config.translations.${language}.${field}`}
                    label={`${t(`copy_${field}`)} (${t(`language_${language}`)})`}
                    helpText={field === "share_message" ? t("copy_share_message_help", { link: "{{link}}", code: "{{code}}" }) : undefined}
                    multiline={field === "headline" ? undefined : 2}
                  />
                ))}
              </Card>
            ))}
            <Card>
              <Text>
                {t("completion_message_note")} <Link to="/notifications">{t("completion_message_link")}</Link>
              </Text>
            </Card>
          </Section>
        </Layout>
      </FormLayout>
    </Page>
  );
}
