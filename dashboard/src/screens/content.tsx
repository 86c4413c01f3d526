// On-site content: which storefront surfaces are on (launcher, product points, post-purchase,
// popups, sticky bar, loyalty page), the launcher's look, and the merchant's copy for each
// surface in every language the widget speaks; beside it, the widget itself drawn with the
// unsaved values. Saved through PUT /v1/api/settings (one call, one new version: nothing half
// saved), refused fields shown under themselves with the API's message.
import { useMemo, useState } from "preact/hooks";
import type { WidgetConfig } from "../../../widget/src/api";
import { api } from "../api";
import { useForm, useResource } from "../hooks";
import { useT, type Translate } from "../i18n";
import { Banner, Button, Card, Checkbox, FormLayout, LoadError, Page, Select, SkeletonPage, Stack, Tabs, Text, TextField } from "../ui";
import {
  contrastWarnings,
  COPY_FIELDS,
  COPY_LIMITS,
  FONTS,
  formValues,
  previewConfig,
  settingsPatch,
  SURFACES,
  WIDGET_LANGUAGES,
  type ContentValues,
  type CopyField,
  type SettingsAnswer,
  type WidgetLanguage,
} from "./content-model";
import { WidgetPreview, type PreviewPopup } from "./content-preview";
import { useFieldErrors, valueAtPath } from "./field-errors";
import type { ScreenProps } from "./registry";

type Form = ReturnType<typeof useForm<ContentValues>>;
type ErrorFor = (path: string) => string | undefined;
type TabId = "launcher" | "popups" | "sticky_bar" | "loyalty_page" | "translations";
const TABS: TabId[] = ["launcher", "popups", "sticky_bar", "loyalty_page", "translations"];

/** The copy fields each tab edits (the translations tab shows them all). */
const TAB_FIELDS: Record<Exclude<TabId, "launcher" | "translations">, CopyField[]> = {
  popups: ["email_popup_title", "email_popup_body", "exit_popup_title", "exit_popup_body"],
  sticky_bar: ["sticky_bar"],
  loyalty_page: ["loyalty_page_title", "loyalty_page_intro", "loyalty_page_description", "post_purchase_title"],
};
const MULTILINE: Partial<Record<CopyField, number>> = { email_popup_body: 3, exit_popup_body: 3, loyalty_page_intro: 5, loyalty_page_description: 2 };

export default function ContentScreen(_props: ScreenProps) {
  const t = useT("content");
  const settings = useResource(() => api.get<SettingsAnswer>("/settings"));
  if (settings.error && !settings.data) {
    return (
      <Page title={t("title")}>
        <LoadError error={settings.error} onRetry={() => void settings.reload()} />
      </Page>
    );
  }
  if (!settings.data) return <SkeletonPage title={t("title")} />;
  return <ContentForm initial={settings.data} />;
}

function ContentForm({ initial }: { initial: SettingsAnswer }) {
  const t = useT("content");
  const [saved, setSaved] = useState(initial);
  const [tab, setTab] = useState<TabId>("launcher");
  const [language, setLanguage] = useState<WidgetLanguage>(initial.default_language);
  const [popup, setPopup] = useState<PreviewPopup>("none");
  const form = useForm<ContentValues>(formValues(initial), async (values) => {
    const answer = await api.send<SettingsAnswer>("PUT", `/settings?expected_version=${saved.version}`, settingsPatch(values));
    setSaved(answer);
    return formValues(answer);
  });
  const served = useResource(() => api.get<{ config: WidgetConfig }>("/widget/preview-config", { language }), [language]);
  const config = useMemo(() => served.data && previewConfig(served.data.config, form.values, saved), [served.data, form.values, saved]);
  const warnings = contrastWarnings(form.values, saved);
  const errorFor = useFieldErrors(form, (values, path) => valueAtPath(values, path.replace(/^(branding|storefront)\./, "")));
  const canWrite = saved.you.permissions.write;

  return (
    <Page title={t("title")} subtitle={t("subtitle")}>
      {!canWrite && <Banner tone="info">{t("read_only")}</Banner>}
      {form.formError && (
        <Banner tone="critical" title={t("common:save_failed", { message: form.formError })}>
          {saved.version > 0 && <p>{t("version", { version: saved.version })}</p>}
        </Banner>
      )}
      {/* The form and the preview side by side where the page is wide enough. */}
      <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(400px, 1fr))", gap: "16px", alignItems: "start" }}>
        <div>
          <Card>
            <Stack gap="300">
              <Select
                label={t("language")}
                helpText={saved.languages.includes(language) ? t("language_help") : t("language_not_offered")}
                value={language}
                onChange={(value) => setLanguage(value as WidgetLanguage)}
                options={WIDGET_LANGUAGES.map((l) => ({ value: l, label: t(`lang_${l}`) }))}
              />
              <Tabs tabs={TABS.map((id) => ({ id, content: t(`tab_${id}`) }))} selected={tab} onSelect={(id) => setTab(id as TabId)} />
              <FormLayout onSubmit={() => void form.submit()}>
                {tab === "launcher" && <LauncherFields form={form} errorFor={errorFor} language={language} warnings={warnings} t={t} />}
                {tab === "popups" && (
                  <>
                    <SurfaceSwitch form={form} errorFor={errorFor} surface="email_popup" t={t} />
                    <SurfaceSwitch form={form} errorFor={errorFor} surface="exit_popup" t={t} />
                    <TextField
                      label={t("popup_every_days")}
                      helpText={t("popup_every_days_help")}
                      type="number"
                      min={1}
                      max={365}
                      name="storefront.popup_every_days"
                      value={form.values.popup_every_days}
                      error={errorFor("storefront.popup_every_days")}
                      onChange={(value) => form.set("popup_every_days", value)}
                    />
                    <CopyFields form={form} errorFor={errorFor} fields={TAB_FIELDS.popups} language={language} t={t} />
                  </>
                )}
                {tab === "sticky_bar" && (
                  <>
                    <SurfaceSwitch form={form} errorFor={errorFor} surface="sticky_bar" t={t} />
                    <CopyFields form={form} errorFor={errorFor} fields={TAB_FIELDS.sticky_bar} language={language} t={t} />
                  </>
                )}
                {tab === "loyalty_page" && (
                  <>
                    <SurfaceSwitch form={form} errorFor={errorFor} surface="loyalty_page" t={t} />
                    <SurfaceSwitch form={form} errorFor={errorFor} surface="post_purchase" t={t} />
                    <SurfaceSwitch form={form} errorFor={errorFor} surface="product_points" t={t} />
                    <CopyFields form={form} errorFor={errorFor} fields={TAB_FIELDS.loyalty_page} language={language} t={t} />
                  </>
                )}
                {tab === "translations" && <Translations form={form} offered={saved.languages} onEdit={setLanguage} t={t} />}
              </FormLayout>
            </Stack>
          </Card>
        </div>
        <div>
          <Card
            title={t("preview")}
            actions={
              <Select
                label={t("preview_popup")}
                value={popup}
                onChange={(value) => setPopup(value as PreviewPopup)}
                options={(["none", "email", "exit"] as const).map((p) => ({ value: p, label: t(`preview_popup_${p}`) }))}
              />
            }
          >
            <Stack gap="200">
              <Text tone="subdued">{t("preview_help")}</Text>
              {served.error && <LoadError error={served.error} onRetry={() => void served.reload()} />}
              {config && <WidgetPreview config={config} popup={popup} onPopupClose={() => setPopup("none")} label={t("preview")} />}
            </Stack>
          </Card>
        </div>
      </div>
    </Page>
  );
}

function SurfaceSwitch({ form, errorFor, surface, t }: { form: Form; errorFor: ErrorFor; surface: (typeof SURFACES)[number]; t: Translate }) {
  return (
    <Checkbox
      label={t(`surface_${surface}`)}
      helpText={t(`surface_${surface}_help`)}
      name={`storefront.surfaces.${surface}`}
      checked={form.values.surfaces[surface]}
      error={errorFor(`storefront.surfaces.${surface}`)}
      onChange={(checked) => form.set("surfaces", { ...form.values.surfaces, [surface]: checked })}
    />
  );
}

function LauncherFields({ form, errorFor, language, warnings, t }: { form: Form; errorFor: ErrorFor; language: WidgetLanguage; warnings: ReturnType<typeof contrastWarnings>; t: Translate }) {
  const { values } = form;
  const warningFor = (field: string) => warnings.find((w) => w.field === field);
  const colour = (field: "primary_color" | "accent_color") => {
    const warning = warningFor(`branding.${field}`);
    return (
      <Stack gap="100">
        <TextField
          label={t(field)}
          helpText={t(`${field}_help`)}
          name={`branding.${field}`}
          value={values[field]}
          error={errorFor(`branding.${field}`)}
          onChange={(value) => form.set(field, value.trim())}
        />
        {warning && (
          <Banner tone="warning" title={t("low_contrast", { ratio: warning.ratio, required: warning.required })}>
            <p>{warning.message}</p>
          </Banner>
        )}
      </Stack>
    );
  };
  return (
    <>
      <SurfaceSwitch form={form} errorFor={errorFor} surface="launcher" t={t} />
      <TextField
        label={t("launcher_label", { language: t(`lang_${language}`) })}
        helpText={t("launcher_label_help")}
        name={`branding.launcher_label.${language}`}
        value={values.launcher_label[language]}
        error={errorFor(`branding.launcher_label.${language}`)}
        onChange={(value) => form.set("launcher_label", { ...values.launcher_label, [language]: value })}
      />
      <Select
        label={t("launcher_position")}
        name="branding.launcher_position"
        value={values.launcher_position}
        error={errorFor("branding.launcher_position")}
        onChange={(value) => form.set("launcher_position", value as ContentValues["launcher_position"])}
        options={[
          { value: "bottom-right", label: t("position_bottom_right") },
          { value: "bottom-left", label: t("position_bottom_left") },
        ]}
      />
      {colour("primary_color")}
      {colour("accent_color")}
      <Select
        label={t("font")}
        name="branding.font"
        value={values.font}
        error={errorFor("branding.font")}
        onChange={(value) => form.set("font", value as ContentValues["font"])}
        options={FONTS.map((f) => ({ value: f, label: t(`font_${f}`) }))}
      />
      <TextField
        label={t("custom_css")}
        helpText={t("custom_css_help")}
        multiline={4}
        name="branding.custom_css"
        value={values.custom_css}
        error={errorFor("branding.custom_css")}
        onChange={(value) => form.set("custom_css", value)}
      />
    </>
  );
}

function CopyFields({ form, errorFor, fields, language, t }: { form: Form; errorFor: ErrorFor; fields: CopyField[]; language: WidgetLanguage; t: Translate }) {
  return (
    <>
      {fields.map((field) => (
        <TextField
          label={t(`copy_${field}`, { language: t(`lang_${language}`) })}
          helpText={t("copy_help", { max: COPY_LIMITS[field] })}
          multiline={MULTILINE[field]}
          name={`storefront.copy.${language}.${field}`}
          value={form.values.copy[language][field]}
          error={errorFor(`storefront.copy.${language}.${field}`)}
          onChange={(value) => form.set("copy", { ...form.values.copy, [language]: { ...form.values.copy[language], [field]: value } })}
        />
      ))}
    </>
  );
}

/** Which texts each language has in the merchant's own words; the rest are the widget's. */
function Translations({ form, offered, onEdit, t }: { form: Form; offered: WidgetLanguage[]; onEdit: (language: WidgetLanguage) => void; t: Translate }) {
  return (
    <Stack gap="300">
      <Text tone="subdued">{t("translations_help")}</Text>
      {WIDGET_LANGUAGES.map((language) => {
        const written = COPY_FIELDS.filter((f) => form.values.copy[language][f].trim() !== "").length + (form.values.launcher_label[language].trim() ? 1 : 0);
        return (
          <Stack direction="row" gap="200" align="space-between">
            <Text>
              {t(`lang_${language}`)}
              {offered.includes(language) ? "" : ` (${t("not_offered")})`}: {t("written_count", { count: written, total: COPY_FIELDS.length + 1 })}
            </Text>
            <Button variant="plain" onClick={() => onEdit(language)} ariaLabel={t("edit_language", { language: t(`lang_${language}`) })}>
              {t("edit")}
            </Button>
          </Stack>
        );
      })}
    </Stack>
  );
}
