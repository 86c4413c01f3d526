// Store settings: the store's name, plan and this month's usage, the widget's branding, the
// languages offered, staff roles. One form over GET /v1/api/settings, saved with the admin's save
// bar as one PUT (a new version; expected_version refuses an edit made on a stale copy), the API's
// message shown beside the field it names.
import { useRef, useState } from "preact/hooks";
import { api } from "../api";
import { useForm, useResource } from "../hooks";
import { useT } from "../i18n";
import { formatNumber } from "../format";
import { Badge, Banner, Button, Card, Checkbox, FormLayout, Layout, LoadError, Page, ProgressBar, Section, Select, SkeletonPage, Stack, Text, TextField } from "../ui";
import type { ScreenProps } from "./registry";

const LANGUAGES = ["en", "es", "fr", "de"] as const;
const ROLES = ["owner", "manager", "viewer"] as const;
type Role = (typeof ROLES)[number];

interface Permissions {
  write: boolean;
  change_roles: boolean;
  grant_owner: boolean;
}

export interface SettingsAnswer {
  version: number;
  store_name: string | null;
  languages: string[];
  default_language: string;
  branding: { primary_color: string; accent_color: string; launcher_position: "bottom-right" | "bottom-left" };
  staff_roles: Record<string, Role>;
  you: { user_id: string | null; role: Role | null; permissions: Permissions };
  usage: {
    plan: { id: string; name: string; price: string; monthly_order_limit: number | null };
    month: string;
    usage: number;
    limit: number | null;
    percent: number | null;
    state: "ok" | "warned" | "grace" | "over";
    held_awards: { count: number; points: number };
  };
  warnings: { field: string; message: string }[];
}

interface Values {
  store_name: string;
  languages: string[];
  default_language: string;
  primary_color: string;
  accent_color: string;
  launcher_position: string;
  staff_roles: Record<string, Role>;
}

const valuesOf = (s: SettingsAnswer): Values => ({
  store_name: s.store_name ?? "",
  languages: [...s.languages],
  default_language: s.default_language,
  primary_color: s.branding.primary_color,
  accent_color: s.branding.accent_color,
  launcher_position: s.branding.launcher_position,
  staff_roles: { ...s.staff_roles },
});

export default function SettingsScreen(_props: ScreenProps) {
  const t = useT("settings");
  const settings = useResource(() => api.get<SettingsAnswer>("/settings"));
  if (settings.error && !settings.data) return <Page title={t("title")}><LoadError error={settings.error} onRetry={settings.reload} /></Page>;
  if (!settings.data) return <SkeletonPage title={t("title")} />;
  return <SettingsForm initial={settings.data} />;
}

function SettingsForm({ initial }: { initial: SettingsAnswer }) {
  const t = useT("settings");
  const [current, setCurrent] = useState(initial);
  // The version and roles the form started from: the PUT names the version, and a role taken
  // away is sent as null (the API merges roles per member).
  const saved = useRef(initial);
  const form = useForm<Values>(valuesOf(initial), async (values) => {
    const before = saved.current;
    // Only the roles that changed: a role that may not change roles can still save the rest.
    const roleChanges: Record<string, Role | null> = Object.fromEntries(Object.keys(before.staff_roles).filter((user) => !(user in values.staff_roles)).map((user) => [user, null]));
    for (const [user, role] of Object.entries(values.staff_roles)) if (before.staff_roles[user] !== role) roleChanges[user] = role;
    const answer = await api.send<SettingsAnswer>("PUT", `/settings?expected_version=${before.version}`, {
      store_name: values.store_name.trim() === "" ? null : values.store_name,
      languages: values.languages,
      default_language: values.default_language,
      branding: { primary_color: values.primary_color, accent_color: values.accent_color, launcher_position: values.launcher_position },
      ...(Object.keys(roleChanges).length > 0 ? { staff_roles: roleChanges } : {}),
    });
    saved.current = answer;
    setCurrent(answer);
    return valuesOf(answer);
  });
  const { values, errors } = form;
  const canWrite = current.you.permissions.write;
  const languageLabel = (code: string) => t(`language_${code}`);

  return (
    <Page title={t("title")}>
      {form.formError && (
        <Banner tone="critical" title={t("save_failed")}>
          <p>{form.formError}</p>
        </Banner>
      )}
      {!canWrite && <Banner tone="info" title={t("read_only")} />}
      <Layout>
        <Section title={t("store_title")} description={t("store_description")}>
          <Card>
            <FormLayout onSubmit={() => void form.submit()}>
              <TextField label={t("store_name")} name="store_name" value={values.store_name} onChange={(v) => form.set("store_name", v)} error={errors.store_name} helpText={t("store_name_help")} disabled={!canWrite} />
            </FormLayout>
          </Card>
        </Section>

        <Section title={t("plan_title")} description={t("plan_description")}>
          <PlanCard usage={current.usage} />
        </Section>

        <Section title={t("branding_title")} description={t("branding_description")}>
          <Card>
            <FormLayout onSubmit={() => void form.submit()}>
              <Stack direction="row" gap="400">
                <TextField label={t("primary_color")} name="branding.primary_color" value={values.primary_color} onChange={(v) => form.set("primary_color", v)} error={errors["branding.primary_color"]} helpText={t("color_help")} disabled={!canWrite} />
                <TextField label={t("accent_color")} name="branding.accent_color" value={values.accent_color} onChange={(v) => form.set("accent_color", v)} error={errors["branding.accent_color"]} helpText={t("color_help")} disabled={!canWrite} />
              </Stack>
              <div class="LoyalNest-Swatches" aria-hidden="true">
                <span class="LoyalNest-Swatch" style={{ background: /^#[0-9a-f]{6}$/i.test(values.primary_color) ? values.primary_color : "transparent" }} />
                <span class="LoyalNest-Swatch" style={{ background: /^#[0-9a-f]{6}$/i.test(values.accent_color) ? values.accent_color : "transparent" }} />
              </div>
              <Select
                label={t("launcher_position")}
                name="branding.launcher_position"
                value={values.launcher_position}
                onChange={(v) => form.set("launcher_position", v)}
                options={[
                  { label: t("bottom_right"), value: "bottom-right" },
                  { label: t("bottom_left"), value: "bottom-left" },
                ]}
                error={errors["branding.launcher_position"]}
                disabled={!canWrite}
              />
              {current.warnings.map((warning) => (
                <Banner tone="warning" title={t("low_contrast")}>
                  <p>{warning.message}</p>
                </Banner>
              ))}
            </FormLayout>
          </Card>
        </Section>

        <Section title={t("languages_title")} description={t("languages_description")}>
          <Card>
            <FormLayout onSubmit={() => void form.submit()}>
              <fieldset class="LoyalNest-Fieldset" aria-describedby={errors.languages ? "languages-error" : undefined}>
                <legend class="Polaris-Text--headingSm">{t("languages_offered")}</legend>
                {LANGUAGES.map((code) => (
                  <Checkbox
                    label={languageLabel(code)}
                    name={`languages.${code}`}
                    checked={values.languages.includes(code)}
                    disabled={!canWrite}
                    onChange={(checked) => form.set("languages", checked ? LANGUAGES.filter((l) => l === code || values.languages.includes(l)) : values.languages.filter((l) => l !== code))}
                  />
                ))}
                {errors.languages && (
                  <p id="languages-error" class="Polaris-InlineError" role="alert">
                    {errors.languages}
                  </p>
                )}
              </fieldset>
              <Select
                label={t("default_language")}
                name="default_language"
                value={values.default_language}
                onChange={(v) => form.set("default_language", v)}
                options={LANGUAGES.map((code) => ({ label: languageLabel(code), value: code }))}
                error={errors.default_language}
                disabled={!canWrite}
              />
            </FormLayout>
          </Card>
        </Section>

        <Section title={t("staff_title")} description={t("staff_description")}>
          <StaffRolesCard roles={values.staff_roles} onChange={(roles) => form.set("staff_roles", roles)} you={current.you} error={Object.entries(errors).find(([field]) => field.startsWith("staff_roles"))?.[1] ?? null} />
        </Section>
      </Layout>
    </Page>
  );
}

function PlanCard({ usage }: { usage: SettingsAnswer["usage"] }) {
  const t = useT("settings");
  const tone = usage.state === "ok" ? "success" : usage.state === "warned" ? "attention" : "critical";
  return (
    <Card title={usage.plan.name} actions={<Badge tone={tone}>{t(`usage_state_${usage.state}`)}</Badge>}>
      <Stack gap="200">
        <Text>{t("plan_price", { price: usage.plan.price })}</Text>
        <Text>
          {usage.limit === null ? t("usage_unlimited", { count: usage.usage, orders: formatNumber(usage.usage) }) : t("usage_of_limit", { orders: formatNumber(usage.usage), limit: formatNumber(usage.limit) })}
        </Text>
        {usage.percent !== null && <ProgressBar progress={usage.percent} label={t("usage_label")} />}
        {usage.held_awards.count > 0 && (
          <Banner tone="warning" title={t("held_awards", { orders: formatNumber(usage.held_awards.count), points: formatNumber(usage.held_awards.points) })} />
        )}
      </Stack>
    </Card>
  );
}

function StaffRolesCard({ roles, onChange, you, error }: { roles: Record<string, Role>; onChange: (roles: Record<string, Role>) => void; you: SettingsAnswer["you"]; error: string | null }) {
  const t = useT("settings");
  const [newUser, setNewUser] = useState("");
  const [newRole, setNewRole] = useState<Role>("manager");
  const [addError, setAddError] = useState<string | null>(null);
  const canChange = you.permissions.change_roles;
  const roleOptions = ROLES.filter((role) => role !== "owner" || you.permissions.grant_owner).map((role) => ({ label: t(`role_${role}`), value: role }));
  const entries = Object.entries(roles).sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
  const add = () => {
    const user = newUser.trim();
    if (!/^\d{1,20}$/.test(user)) return setAddError(t("staff_user_invalid"));
    if (user in roles) return setAddError(t("staff_user_exists"));
    setAddError(null);
    setNewUser("");
    onChange({ ...roles, [user]: newRole });
  };
  return (
    <Card>
      <Stack gap="300">
        {entries.length === 0 && <Text tone="subdued">{t("staff_none")}</Text>}
        {entries.length > 0 && (
          <div class="Polaris-DataTable">
          <table>
            <caption class="Polaris-Text--visuallyHidden">{t("staff_title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("staff_user")}</th>
                <th scope="col">{t("staff_role")}</th>
                <th scope="col">
                  <span class="Polaris-Text--visuallyHidden">{t("staff_actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map(([user, role]) => (
                <tr key={user}>
                  <th scope="row">
                    {user}
                    {user === you.user_id && <> <Badge tone="info">{t("staff_you")}</Badge></>}
                  </th>
                  <td>
                    <Select label={t("staff_role_of", { user })} value={role} onChange={(value) => onChange({ ...roles, [user]: value as Role })} options={ROLES.map((r) => ({ label: t(`role_${r}`), value: r }))} disabled={!canChange} />
                  </td>
                  <td>
                    <Button
                      ariaLabel={t("staff_remove", { user })}
                      disabled={!canChange}
                      onClick={() => {
                        const next = { ...roles };
                        delete next[user];
                        onChange(next);
                      }}
                    >
                      {t("remove")}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        )}
        {error && (
          <p class="Polaris-InlineError" role="alert">
            {error}
          </p>
        )}
        {canChange && (
          <Stack direction="row" gap="200" align="end">
            <TextField label={t("staff_new_user")} name="staff_new_user" value={newUser} onChange={setNewUser} error={addError} helpText={t("staff_new_user_help")} />
            <Select label={t("staff_new_role")} value={newRole} onChange={(value) => setNewRole(value as Role)} options={roleOptions} />
            <Button onClick={add}>{t("staff_add")}</Button>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
