// GDPR requests: every request of this shop (Shopify's compliance webhooks and the merchant's
// own) with its status, newest first, and a form to raise one for a customer: a data bundle, or
// a redaction (asked to confirm: it cannot be undone). A finished data request's download link
// expires; the list signs a fresh one each time it loads.
import { useState } from "preact/hooks";
import { api } from "../api";
import { toast } from "../app-bridge";
import { formatDateTime, formatNumber } from "../format";
import { asFailure, useResource } from "../hooks";
import { useT } from "../i18n";
import { setQuery } from "../router";
import { Badge, Banner, Button, Card, DataTable, EmptyState, FormLayout, Layout, LoadError, Modal, Page, Pagination, Section, Select, Spinner, Stack, Text, TextField } from "../ui";
import type { ScreenProps } from "./registry";
import { fieldError } from "./customer-view";

const PER_PAGE = 25;

interface GdprRequest {
  id: string;
  type: "data_request" | "redact" | "shop_redact";
  status: "received" | "processing" | "done" | "failed";
  requested_by: string;
  received_at: string;
  finished_at: string | null;
  download_url: string | null;
  download_expires_at: string | null;
}

const STATUS_TONE = { received: "info", processing: "attention", done: "success", failed: "critical" } as const;

export default function GdprScreen({ query }: ScreenProps) {
  const t = useT("gdpr");
  const page = Math.max(1, Number(query.get("page")) || 1);
  const list = useResource(() => api.get<{ requests: GdprRequest[]; total: number }>("/gdpr/requests", { page, per_page: PER_PAGE }), [page]);
  const pages = list.data ? Math.ceil(list.data.total / PER_PAGE) : 1;

  return (
    <Page title={t("title")} secondaryActions={[{ content: t("refresh"), onAction: () => void list.reload(), loading: list.loading }]}>
      <Layout>
        <Section title={t("new_title")} description={t("new_description")}>
          <NewRequest onRaised={() => (page === 1 ? void list.reload() : setQuery({ page: null }))} />
        </Section>
        <Section title={t("list_title")} description={t("list_description")}>
          <Card>
            {list.error && <LoadError error={list.error} onRetry={() => void list.reload()} />}
            {list.loading && !list.data && <Spinner />}
            {list.data &&
              (list.data.requests.length === 0 ? (
                <EmptyState heading={t("empty")} />
              ) : (
                <Stack gap="300">
                  <Text tone="subdued">{t("count", { formatted: formatNumber(list.data.total) })}</Text>
                  <DataTable
                    caption={t("table_caption")}
                    headings={[t("col_received"), t("col_type"), t("col_by"), t("col_status"), t("col_bundle")]}
                    rows={list.data.requests.map((r) => [
                      formatDateTime(r.received_at),
                      t(`type_${r.type}`),
                      r.requested_by === "shopify" ? t("by_shopify") : t("by_staff", { id: r.requested_by }),
                      <Badge tone={STATUS_TONE[r.status]}>{t(`status_${r.status}`)}</Badge>,
                      r.download_url ? (
                        <Button url={r.download_url} variant="plain">
                          {t("download")}
                        </Button>
                      ) : (
                        "—"
                      ),
                    ])}
                  />
                  {pages > 1 && <Pagination page={page} pages={pages} onPage={(next) => setQuery({ page: next === 1 ? null : next })} />}
                </Stack>
              ))}
          </Card>
        </Section>
      </Layout>
    </Page>
  );
}

function NewRequest({ onRaised }: { onRaised: () => void }) {
  const t = useT("gdpr");
  const [type, setType] = useState<"data_request" | "redact">("data_request");
  const [customerId, setCustomerId] = useState("");
  const [errors, setErrors] = useState<{ customer_id?: string; type?: string; form?: string }>({});
  const [confirming, setConfirming] = useState(false);
  const [saving, setSaving] = useState(false);

  const validate = () => {
    if (!/^\d{1,20}$/.test(customerId.trim())) {
      setErrors({ customer_id: t("customer_invalid") });
      return false;
    }
    return true;
  };
  const send = async () => {
    setSaving(true);
    try {
      await api.send("POST", "/gdpr/request", { type, customer_id: customerId.trim() });
      toast(type === "redact" ? t("raised_redact") : t("raised_data"));
      setCustomerId("");
      setErrors({});
      onRaised();
    } catch (error) {
      const failure = asFailure(error);
      const field = fieldError(failure, ["customer_id", "type"]);
      setErrors(field ? { [field.field]: field.message } : { form: failure.message });
    } finally {
      setSaving(false);
      setConfirming(false);
    }
  };
  const submit = () => {
    if (!validate()) return;
    if (type === "redact") setConfirming(true);
    else void send();
  };

  return (
    <Card>
      <FormLayout onSubmit={submit}>
        {errors.form && <Banner tone="critical">{errors.form}</Banner>}
        <Select
          label={t("type_label")}
          name="type"
          value={type}
          onChange={(v) => setType(v as "data_request" | "redact")}
          options={[
            { label: t("type_data_request"), value: "data_request" },
            { label: t("type_redact"), value: "redact" },
          ]}
          helpText={type === "redact" ? t("redact_help") : t("data_help")}
          error={errors.type}
        />
        <TextField
          label={t("customer_label")}
          name="customer_id"
          value={customerId}
          onChange={(v) => {
            setCustomerId(v);
            setErrors({});
          }}
          helpText={t("customer_help")}
          error={errors.customer_id}
        />
        <Button type="submit" variant={type === "redact" ? "critical" : "primary"} loading={saving && !confirming}>
          {type === "redact" ? t("submit_redact") : t("submit_data")}
        </Button>
      </FormLayout>
      <Modal
        open={confirming}
        title={t("confirm_title")}
        onClose={() => setConfirming(false)}
        primaryAction={{ content: t("confirm_redact"), onAction: () => void send(), loading: saving, destructive: true }}
        secondaryAction={{ content: t("common:cancel"), onAction: () => setConfirming(false) }}
      >
        <Text>{t("confirm_body", { id: customerId.trim() })}</Text>
      </Modal>
    </Card>
  );
}
