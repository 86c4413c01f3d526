// Notifications: for each type (points earned, reward issued, …) its channels, its wording in
// each language (subject, email body, text message), and a preview rendered by the API with
// sample values from the unsaved wording (POST /v1/api/notifications/preview: nothing saved).
// Saved per type with PUT /v1/api/notifications/templates/:type; the channels' providers and
// their last check come from GET /v1/api/integrations.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { asFailure, useForm, useResource } from "../hooks";
import { useT, type Translate } from "../i18n";
import { Badge, Banner, Button, Card, Checkbox, DataTable, FormLayout, Layout, LoadError, Page, Section, Select, SkeletonPage, Stack, Text, TextField } from "../ui";
import { useFieldErrors } from "./field-errors";
import type { ScreenProps } from "./registry";

const LANGUAGES = ["en", "es", "fr", "de"] as const;
type Language = (typeof LANGUAGES)[number];
const CHANNELS = ["email", "sms", "whatsapp", "klaviyo"] as const;
type Channel = (typeof CHANNELS)[number];
type PreviewChannel = Exclude<Channel, "klaviyo">;
const FIELDS = ["subject", "body", "sms"] as const;
type Field = (typeof FIELDS)[number];

interface TemplateView {
  subject: string;
  body: string;
  sms: string;
  is_default: Record<Field, boolean>;
}
interface TypeView {
  type: string;
  version: number;
  updated_at: string | null;
  channels: Record<Channel, boolean>;
  variables: { name: string; description: string }[];
  templates: Record<Language, TemplateView>;
}
interface TemplatesAnswer {
  languages: Language[];
  default_language: Language;
  types: TypeView[];
}
interface Integration {
  provider: string;
  configured: boolean;
  enabled: boolean;
  status: "unchecked" | "ok" | "failing";
  details: { settings?: Record<string, unknown> };
}
interface PreviewAnswer {
  language_offered: boolean;
  rendered: { subject?: string; html?: string; text: string };
  sms: { encoding: string; units: number; segments: number } | null;
}

interface Values {
  channels: Record<Channel, boolean>;
  templates: Record<Language, Record<Field, string>>;
}

const valuesOf = (view: TypeView): Values => ({
  channels: { ...view.channels },
  templates: Object.fromEntries(LANGUAGES.map((l) => [l, { subject: view.templates[l].subject, body: view.templates[l].body, sms: view.templates[l].sms }])) as Values["templates"],
});

/** The providers that send each channel (core/notifications.ts). */
function channelProviders(channel: Channel, integrations: Integration[]): Integration[] {
  const byName = (name: string) => integrations.filter((i) => i.provider === name && i.configured);
  if (channel === "email") return byName("sendgrid");
  if (channel === "klaviyo") return byName("klaviyo");
  const twilio = byName("twilio").filter((i) => i.details.settings?.[channel === "sms" ? "sms_from" : "whatsapp_from"]);
  return channel === "sms" ? [...twilio, ...byName("postscript")] : twilio;
}

export default function NotificationsScreen(_props: ScreenProps) {
  const t = useT("notifications");
  const templates = useResource(() => api.get<TemplatesAnswer>("/notifications/templates"));
  const integrations = useResource(() => api.get<{ integrations: Integration[] }>("/integrations"));
  const [type, setType] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);

  if (templates.error && !templates.data) {
    return (
      <Page title={t("title")}>
        <LoadError error={templates.error} onRetry={() => void templates.reload()} />
      </Page>
    );
  }
  if (!templates.data) return <SkeletonPage title={t("title")} />;
  const data = templates.data;
  const current = data.types.find((v) => v.type === type) ?? data.types[0]!;
  const choose = (next: string) => {
    if (next === current.type) return;
    if (dirty && !confirm(t("common:unsaved_leave"))) return;
    setDirty(false);
    setType(next);
  };
  return (
    <Page title={t("title")} subtitle={t("subtitle")}>
      <Layout>
        <Section>
          <Select label={t("type")} name="type" value={current.type} onChange={choose} options={data.types.map((v) => ({ value: v.type, label: t(`type_${v.type}`) }))} />
        </Section>
        <TypeForm
          key={current.type}
          view={current}
          languages={data.languages}
          defaultLanguage={data.default_language}
          integrations={integrations.data?.integrations ?? null}
          onDirty={setDirty}
          onSaved={(saved) => {
            // The list keeps the saved version: coming back to this type shows it.
            const at = data.types.findIndex((v) => v.type === saved.type);
            if (at >= 0) data.types[at] = saved;
          }}
          t={t}
        />
      </Layout>
    </Page>
  );
}

function TypeForm({ view, languages, defaultLanguage, integrations, onDirty, onSaved, t }: {
  view: TypeView;
  languages: Language[];
  defaultLanguage: Language;
  integrations: Integration[] | null;
  onDirty: (dirty: boolean) => void;
  onSaved: (view: TypeView) => void;
  t: Translate;
}) {
  const [saved, setSaved] = useState(view);
  const [language, setLanguage] = useState<Language>(defaultLanguage);
  const form = useForm<Values>(valuesOf(view), async (values) => {
    const baseline = valuesOf(saved);
    const templates: Partial<Record<Language, Partial<Record<Field, string>>>> = {};
    for (const l of LANGUAGES) {
      const changed = Object.fromEntries(FIELDS.filter((f) => values.templates[l][f] !== baseline.templates[l][f]).map((f) => [f, values.templates[l][f]]));
      if (Object.keys(changed).length > 0) templates[l] = changed;
    }
    const answer = await api.send<{ notification: TypeView }>("PUT", `/notifications/templates/${view.type}?expected_version=${saved.version}`, { channels: values.channels, templates });
    setSaved(answer.notification);
    onSaved(answer.notification);
    return valuesOf(answer.notification);
  });
  useEffect(() => onDirty(form.dirty), [form.dirty]);
  /** A preview refused for a field of the draft: shown under it until that field changes. */
  const [previewError, setPreviewError] = useState<{ language: Language; field: Field; message: string } | null>(null);
  const errorFor = useFieldErrors(form);
  const fieldError = (l: Language, f: Field) => errorFor(`templates.${l}.${f}`) ?? (previewError?.language === l && previewError.field === f ? previewError.message : undefined);

  return (
    <>
      <Section title={t("channels")} description={t("channels_help")}>
        <Card>
          <Stack gap="300">
            {CHANNELS.map((channel) => {
              const providers = integrations ? channelProviders(channel, integrations) : null;
              return (
                <Stack direction="row" gap="200" align="space-between">
                  <Checkbox
                    label={t(`channel_${channel}`)}
                    name={`channels.${channel}`}
                    checked={form.values.channels[channel]}
                    error={errorFor(`channels.${channel}`)}
                    onChange={(checked) => form.set("channels", { ...form.values.channels, [channel]: checked })}
                  />
                  {providers === null ? null : providers.length === 0 ? (
                    <Badge tone="attention">{t("provider_missing")}</Badge>
                  ) : (
                    providers.map((p) => <Badge tone={p.status === "failing" || !p.enabled ? "critical" : p.status === "ok" ? "success" : "info"}>{t("provider_state", { provider: p.provider, state: t(p.enabled ? `status_${p.status}` : "status_off") })}</Badge>)
                  )}
                </Stack>
              );
            })}
          </Stack>
        </Card>
      </Section>
      <Section title={t("wording")} description={t("wording_help")}>
        <Card>
          {form.formError && <Banner tone="critical" title={t("common:save_failed", { message: form.formError })} />}
          <FormLayout onSubmit={() => void form.submit()}>
            <Select
              label={t("language")}
              helpText={languages.includes(language) ? undefined : t("language_not_offered")}
              value={language}
              onChange={(value) => setLanguage(value as Language)}
              options={LANGUAGES.map((l) => ({ value: l, label: t(`lang_${l}`) }))}
            />
            {FIELDS.map((field) => (
              <Stack gap="100">
                <TextField
                  label={t(`field_${field}`, { language: t(`lang_${language}`) })}
                  multiline={field === "body" ? 8 : field === "sms" ? 3 : undefined}
                  name={`templates.${language}.${field}`}
                  value={form.values.templates[language][field]}
                  error={fieldError(language, field)}
                  onChange={(value) => {
                    if (previewError?.field === field) setPreviewError(null);
                    form.set("templates", { ...form.values.templates, [language]: { ...form.values.templates[language], [field]: value } });
                  }}
                />
                {saved.templates[language].is_default[field] && form.values.templates[language][field] === saved.templates[language][field] && (
                  <Text variant="bodySm" tone="subdued">
                    {t("default_wording")}
                  </Text>
                )}
              </Stack>
            ))}
            <DataTable
              caption={t("variables")}
              headings={[t("variable"), t("variable_meaning")]}
              rows={view.variables.map((v) => [<code>{`{{${v.name}}}`}</code>, v.description])}
            />
          </FormLayout>
        </Card>
      </Section>
      <Section title={t("preview")} description={t("preview_help")}>
        <Preview
          type={view.type}
          language={language}
          draft={form.values.templates[language]}
          onFieldError={(field, message) => setPreviewError(field ? { language, field, message } : null)}
          t={t}
        />
      </Section>
    </>
  );
}

function Preview({ type, language, draft, onFieldError, t }: {
  type: string;
  language: Language;
  draft: Record<Field, string>;
  /** A refusal naming a field of the draft ("template.subject"), or null once a preview renders. */
  onFieldError: (field: Field | null, message: string) => void;
  t: Translate;
}) {
  const [channel, setChannel] = useState<PreviewChannel>("email");
  const [state, setState] = useState<{ status: "idle" | "loading" | "error"; answer: PreviewAnswer | null; error: string | null }>({ status: "idle", answer: null, error: null });
  const run = async () => {
    setState((s) => ({ ...s, status: "loading", error: null }));
    try {
      const answer = await api.send<PreviewAnswer>("POST", "/notifications/preview", { type, language, channel, template: draft });
      setState({ status: "idle", answer, error: null });
      onFieldError(null, "");
    } catch (error) {
      const failure = asFailure(error);
      const field = FIELDS.find((f) => failure.field === `template.${f}`) ?? null;
      const message = field ? failure.message.replace(`template.${field}: `, "") : failure.message;
      if (field) onFieldError(field, message);
      setState({ status: "error", answer: null, error: message });
    }
  };
  const answer = state.answer;
  return (
    <Card
      actions={
        <Stack direction="row" gap="200">
          <Select label={t("preview_channel")} value={channel} onChange={(value) => setChannel(value as PreviewChannel)} options={(["email", "sms", "whatsapp"] as const).map((c) => ({ value: c, label: t(`channel_${c}`) }))} />
          <Button onClick={() => void run()} loading={state.status === "loading"}>
            {t("preview_run")}
          </Button>
        </Stack>
      }
    >
      {state.error && <Banner tone="critical" title={t("preview_failed")}>{state.error}</Banner>}
      {!answer && !state.error && <Text tone="subdued">{t("preview_empty")}</Text>}
      {answer && (
        <Stack gap="200">
          {!answer.language_offered && <Banner tone="warning">{t("language_not_offered")}</Banner>}
          {answer.rendered.subject !== undefined && (
            <Text>
              <strong>{t("preview_subject")}</strong> <span data-preview="subject">{answer.rendered.subject}</span>
            </Text>
          )}
          {answer.rendered.html !== undefined ? (
            // The rendered email in a sandbox: no script, no same-origin access, as a mail client shows it.
            <iframe title={t("preview_email_frame")} sandbox="" srcDoc={answer.rendered.html} style={{ width: "100%", height: "420px", border: "1px solid #e3e3e3", borderRadius: "8px", background: "#fff" }} />
          ) : (
            <pre style={{ whiteSpace: "pre-wrap", margin: 0 }} aria-label={t("preview_text")}>
              {answer.rendered.text}
            </pre>
          )}
          {answer.sms && <Text tone="subdued">{t("preview_segments", { count: answer.sms.segments, encoding: answer.sms.encoding, units: answer.sms.units })}</Text>}
        </Stack>
      )}
    </Card>
  );
}
