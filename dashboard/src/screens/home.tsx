// Home: the setup guide. Six steps (add the widget, points, rewards, referrals, branding, and staff
// roles for Plus shops), each leading to the screen where it is done and marked done here. The
// progress lives in the store settings (PUT /v1/api/settings { setup }), so the guide resumes
// where the merchant left it, on any device; the first step not done is the one open. Adding the
// widget completes by itself once the storefront has loaded it (`widget_seen_at`).
import { useState } from "preact/hooks";
import { api } from "../api";
import { asFailure, useResource } from "../hooks";
import { toast } from "../app-bridge";
import { useT } from "../i18n";
import { navigate } from "../router";
import { formatDateTime } from "../format";
import { Badge, Banner, Button, Card, LoadError, Page, ProgressBar, SkeletonPage, Stack, Text } from "../ui";
import type { ScreenProps } from "./registry";
import type { SettingsAnswer } from "./settings";

const STEPS = [
  { id: "widget", path: "/content" },
  { id: "points", path: "/program" },
  { id: "rewards", path: "/rewards" },
  { id: "referrals", path: "/referrals" },
  { id: "branding", path: "/settings" },
  { id: "staff", path: "/settings", plusOnly: true },
] as const;
type StepId = (typeof STEPS)[number]["id"];

interface Setup {
  completed: StepId[];
  dismissed: boolean;
}
type HomeSettings = SettingsAnswer & { setup: Setup; widget_seen_at: string | null };

export default function HomeScreen(_props: ScreenProps) {
  const t = useT("home");
  const settings = useResource(() => api.get<HomeSettings>("/settings"));
  if (settings.error && !settings.data) return <Page title={t("title")}><LoadError error={settings.error} onRetry={settings.reload} /></Page>;
  if (!settings.data) return <SkeletonPage title={t("title")} />;
  return <SetupGuide initial={settings.data} />;
}

function SetupGuide({ initial }: { initial: HomeSettings }) {
  const t = useT("home");
  const [setup, setSetup] = useState<Setup>(initial.setup);
  const [saving, setSaving] = useState<StepId | "dismiss" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const plus = initial.usage.plan.id === "plus";
  const steps = STEPS.filter((step) => !("plusOnly" in step) || plus);
  // Seen by the server, not marked: the storefront has loaded the widget.
  const detected = (id: StepId) => id === "widget" && initial.widget_seen_at !== null;
  const isComplete = (id: StepId, completed = setup.completed) => completed.includes(id) || detected(id);
  const done = steps.filter((step) => isComplete(step.id)).length;
  const next = steps.find((step) => !isComplete(step.id)) ?? null;
  const [open, setOpen] = useState<StepId | null>(next?.id ?? null);

  const save = async (change: Partial<Setup>, busy: StepId | "dismiss") => {
    setSaving(busy);
    setError(null);
    try {
      const answer = await api.send<HomeSettings>("PUT", "/settings", { setup: change });
      setSetup(answer.setup);
      return answer.setup;
    } catch (failure) {
      const message = asFailure(failure).message;
      setError(message);
      toast(t("common:save_failed", { message }), { error: true });
      return null;
    } finally {
      setSaving(null);
    }
  };
  const toggle = async (id: StepId) => {
    const completing = !setup.completed.includes(id);
    const completed = completing ? [...setup.completed, id] : setup.completed.filter((step) => step !== id);
    const saved = await save({ completed }, id);
    if (!saved) return;
    toast(completing ? t("step_done_toast") : t("step_undone_toast"));
    // Completing a step opens the next one not done.
    if (completing) setOpen(steps.find((step) => !isComplete(step.id, saved.completed))?.id ?? null);
  };

  if (setup.dismissed) {
    return (
      <Page title={t("title")}>
        <Card>
          <Stack direction="row" align="space-between">
            <Text>{t("guide_hidden", { done, total: steps.length })}</Text>
            <Button loading={saving === "dismiss"} onClick={() => void save({ dismissed: false }, "dismiss")}>
              {t("show_guide")}
            </Button>
          </Stack>
        </Card>
      </Page>
    );
  }

  return (
    <Page title={t("title")}>
      {error && <Banner tone="critical" title={t("save_failed")}><p>{error}</p></Banner>}
      <section class="Polaris-Card LoyalNest-Setup" aria-labelledby="setup-heading">
        <div class="Polaris-Card__Header">
          <h2 id="setup-heading" class="Polaris-Text--headingMd">{t("guide_title")}</h2>
          <Button variant="plain" loading={saving === "dismiss"} onClick={() => void save({ dismissed: true }, "dismiss")}>
            {t("hide_guide")}
          </Button>
        </div>
        <div class="Polaris-Card__Body">
          <Stack gap="300">
            <Text tone="subdued">{t("guide_intro")}</Text>
            <Text>{t("progress", { done, total: steps.length })}</Text>
            <ProgressBar progress={(done / steps.length) * 100} label={t("progress_label")} />
            {done === steps.length && <Banner tone="success" title={t("all_done")} />}
            <ol class="LoyalNest-Setup__Steps">
              {steps.map((step) => {
                const complete = isComplete(step.id);
                const seen = detected(step.id);
                const expanded = open === step.id;
                return (
                  <li key={step.id} class={`LoyalNest-Setup__Step${complete ? " is-complete" : ""}`}>
                    <div class="LoyalNest-Setup__StepHeader">
                      <button
                        type="button"
                        class={`LoyalNest-Setup__Check${complete ? " is-complete" : ""}`}
                        role="checkbox"
                        aria-checked={complete}
                        aria-label={t(`step_${step.id}_title`)}
                        aria-busy={saving === step.id}
                        disabled={saving !== null || seen}
                        onClick={() => void toggle(step.id)}
                      >
                        {complete ? "✓" : ""}
                      </button>
                      <button type="button" class="LoyalNest-Setup__Title" aria-expanded={expanded} onClick={() => setOpen(expanded ? null : step.id)}>
                        {t(`step_${step.id}_title`)}
                      </button>
                      {complete && <Badge tone="success">{seen ? t("detected") : t("done")}</Badge>}
                      {"plusOnly" in step && <Badge tone="info">{t("plus_only")}</Badge>}
                    </div>
                    {expanded && (
                      <div class="LoyalNest-Setup__Detail">
                        <Text>{t(`step_${step.id}_body`)}</Text>
                        {step.id === "widget" && (
                          <Text tone="subdued">{initial.widget_seen_at ? t("widget_seen", { when: formatDateTime(initial.widget_seen_at) }) : t("widget_not_seen")}</Text>
                        )}
                        <Stack direction="row" gap="200">
                          <Button variant="primary" onClick={() => navigate(step.path)}>
                            {t(`step_${step.id}_action`)}
                          </Button>
                          {!seen && (
                            <Button loading={saving === step.id} onClick={() => void toggle(step.id)}>
                              {complete ? t("mark_undone") : t("mark_done")}
                            </Button>
                          )}
                        </Stack>
                      </div>
                    )}
                  </li>
                );
              })}
            </ol>
          </Stack>
        </div>
      </section>
    </Page>
  );
}
