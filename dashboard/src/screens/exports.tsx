// Exports: start a CSV export of customers, the ledger or the analytics series; watch its
// progress bar while the job runs; download the file through its signed link, which expires
// (the list signs a fresh one each time it loads).
import { EXPORT_RETENTION_DAYS } from "../../../core/export-lifecycle";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api } from "../api";
import { toast } from "../app-bridge";
import { formatDateTime, formatNumber } from "../format";
import { useT } from "../i18n";
import { Badge, Banner, Button, Card, EmptyState, FormLayout, Layout, LoadError, Page, ProgressBar, Section, Select, SkeletonPage, Stack, Text, TextField } from "../ui";
import { createExportsModel, EXPORT_KINDS, percentDone, type ExportKind, type ExportsModel, type ExportView } from "./exports-model";
import type { ScreenProps } from "./registry";

export default function ExportsScreen(_props: ScreenProps) {
  const t = useT("exports");
  const model = useMemo(() => createExportsModel(api), []);
  useEffect(() => {
    void model.load();
    return () => model.dispose();
  }, [model]);

  if (model.status.value === "loading") return <SkeletonPage title={t("title")} />;
  if (model.status.value === "error" && model.loadError.value) {
    return (
      <Page title={t("title")}>
        <LoadError error={model.loadError.value} onRetry={() => void model.load()} />
      </Page>
    );
  }
  return (
    <Page title={t("title")} subtitle={t("subtitle")}>
      <Layout>
        <Section title={t("new_title")} description={t("new_description")}>
          <NewExport model={model} />
        </Section>
        <Section title={t("list_title")}>
          <ExportList exports={model.exports.value ?? []} />
        </Section>
      </Layout>
    </Page>
  );
}

function NewExport({ model }: { model: ExportsModel }) {
  const t = useT("exports");
  const [kind, setKind] = useState<ExportKind>("customers");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const errors = model.fieldErrors.value;
  const dated = kind !== "customers";

  const submit = async () => {
    const result = await model.start({ kind, from, to });
    if (result) toast(result.already ? t("already_running", { kind: t(`kind_${kind}`) }) : t("started", { kind: t(`kind_${kind}`) }));
  };

  return (
    <Card>
      <FormLayout onSubmit={() => void submit()}>
        {model.formError.value && <Banner tone="critical">{model.formError.value}</Banner>}
        <Select
          label={t("kind_label")}
          name="kind"
          value={kind}
          options={EXPORT_KINDS.map((k) => ({ value: k, label: t(`kind_${k}`) }))}
          onChange={(value) => {
            setKind(value as ExportKind);
            model.clearFieldError("kind");
            model.clearFieldError("from");
            model.clearFieldError("to");
          }}
          helpText={t(`kind_${kind}_help`)}
          error={errors.kind}
        />
        {dated && (
          <Stack direction="row" gap="400">
            <TextField label={t("from_label")} name="from" type="date" value={from} onChange={(v) => (setFrom(v), model.clearFieldError("from"))} error={errors.from} helpText={t("range_help")} />
            <TextField label={t("to_label")} name="to" type="date" value={to} onChange={(v) => (setTo(v), model.clearFieldError("to"))} error={errors.to} />
          </Stack>
        )}
        <Stack direction="row" align="end">
          <Button type="submit" variant="primary" loading={model.status.value === "starting"}>
            {t("start")}
          </Button>
        </Stack>
      </FormLayout>
    </Card>
  );
}

function ExportList({ exports }: { exports: ExportView[] }) {
  const t = useT("exports");
  if (exports.length === 0) {
    return (
      <Card>
        <EmptyState heading={t("empty_heading")}>
          <Text tone="subdued">{t("empty_body")}</Text>
        </EmptyState>
      </Card>
    );
  }
  return (
    <Stack gap="300">
      {exports.map((e) => (
        <ExportItem key={e.id} item={e} />
      ))}
    </Stack>
  );
}

const TONES = { queued: "info", running: "attention", done: "success", failed: "critical", expired: undefined } as const;

function ExportItem({ item }: { item: ExportView }) {
  const t = useT("exports");
  const kind = t(`kind_${item.kind}`);
  const percent = percentDone(item);
  const range = item.from || item.to ? t("range", { from: item.from ?? "…", to: item.to ?? "…" }) : null;
  return (
    <Card title={t("item_title", { kind, date: formatDateTime(item.created_at) })}>
      <Stack gap="200">
        <Stack direction="row" gap="200" align="start">
          <Badge tone={TONES[item.status]}>{t(`status_${item.status}`)}</Badge>
          {range && <Text tone="subdued" as="span">{range}</Text>}
        </Stack>
        {(item.status === "queued" || item.status === "running") && (
          <>
            <ProgressBar progress={percent ?? 0} label={t("progress_label", { kind })} />
            <Text tone="subdued">
              {item.rows_total === null ? t("counting") : t("progress", { done: formatNumber(item.rows_done), total: formatNumber(item.rows_total) })}
            </Text>
          </>
        )}
        {item.status === "done" && item.download_url && (
          <Stack direction="row" gap="300" align="center">
            {/* Same tab, no target: the file comes with Content-Disposition: attachment. */}
            <a class="Polaris-Button Polaris-Button--primary" href={item.download_url} download>
              {t("download", { kind })}
            </a>
            <Text tone="subdued" as="span">
              {t("rows_bytes", { rows: formatNumber(item.rows_done), size: formatSize(item.bytes) })}
              {item.expires_at ? ` · ${t("link_expires", { time: formatDateTime(item.expires_at) })}` : ""}
              {item.file_deleted_at ? ` · ${t("file_deleted_on", { time: formatDateTime(item.file_deleted_at) })}` : ""}
            </Text>
          </Stack>
        )}
        {item.status === "expired" && (
          <Text tone="subdued">{t("expired", { time: item.file_deleted_at ? formatDateTime(item.file_deleted_at) : "—", days: EXPORT_RETENTION_DAYS })}</Text>
        )}
        {item.status === "failed" && <Banner tone="critical">{t("failed", { reason: item.error ?? "" })}</Banner>}
      </Stack>
    </Card>
  );
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${formatNumber(bytes)} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(Math.round(bytes / 102.4) / 10)} KB`;
  return `${formatNumber(Math.round(bytes / (1024 * 102.4)) / 10)} MB`;
}
