// The developer toolkit: the metafields the app writes to Shopify (for the theme, the discount
// Function and Shopify Flow) with how to read each, and a connectivity test that calls the shop's
// Admin API now and compares the widget settings Shopify holds with the saved ones
// (GET /v1/api/developer/metafields, GET /v1/api/developer/connectivity).
import { useState } from "preact/hooks";
import { api } from "../api";
import { asFailure, useResource } from "../hooks";
import { formatDateTime, formatNumber } from "../format";
import { useT } from "../i18n";
import { Badge, Banner, Card, DataTable, Layout, LoadError, Page, Section, SkeletonPage, Stack, Text } from "../ui";
import type { ScreenProps } from "./registry";

interface Metafield {
  namespace: string;
  key: string;
  type: string;
  owner: string;
  read_by: string[];
  written_when: string;
  access: string;
}
interface Connectivity {
  ok: boolean;
  checked_at: string;
  latency_ms: number;
  installation_id: string | null;
  failure: { kind: "rejected" | "unavailable"; message: string } | null;
  widget_settings: { published: unknown; expected: unknown; in_sync: boolean } | null;
}
type Test = { status: "idle" | "running" } | { status: "done"; result: Connectivity } | { status: "error"; message: string };

export default function DeveloperScreen(_props: ScreenProps) {
  const t = useT("developer");
  const metafields = useResource(() => api.get<{ metafields: Metafield[] }>("/developer/metafields"));
  const [test, setTest] = useState<Test>({ status: "idle" });
  const run = async () => {
    setTest({ status: "running" });
    try {
      const { connectivity } = await api.get<{ connectivity: Connectivity }>("/developer/connectivity");
      setTest({ status: "done", result: connectivity });
    } catch (error) {
      setTest({ status: "error", message: asFailure(error).message });
    }
  };

  if (metafields.error && !metafields.data) {
    return (
      <Page title={t("title")}>
        <LoadError error={metafields.error} onRetry={() => void metafields.reload()} />
      </Page>
    );
  }
  if (!metafields.data) return <SkeletonPage title={t("title")} />;
  return (
    <Page title={t("title")} subtitle={t("subtitle")} primaryAction={{ content: t("test_run"), onAction: () => void run(), loading: test.status === "running" }}>
      <Layout>
        <Section title={t("test")} description={t("test_help")}>
          <Card>
            <Stack gap="300">
              {test.status === "idle" && <Text tone="subdued">{t("test_never")}</Text>}
              {test.status === "running" && <Text tone="subdued">{t("test_running")}</Text>}
              {test.status === "error" && <Banner tone="critical" title={t("test_error")}>{test.message}</Banner>}
              {test.status === "done" && <TestResult result={test.result} />}
            </Stack>
          </Card>
        </Section>
        <Section title={t("metafields")} description={t("metafields_help")}>
          <Card>
            <DataTable
              caption={t("metafields")}
              headings={[t("col_metafield"), t("col_owner"), t("col_read_by"), t("col_written"), t("col_access")]}
              rows={metafields.data.metafields.map((m) => [
                <span>
                  <code>{`${m.namespace}.${m.key}`}</code>
                  <br />
                  <Text variant="bodySm" tone="subdued" as="span">
                    {m.type}
                  </Text>
                </span>,
                m.owner,
                <Stack direction="row" gap="100">
                  {m.read_by.map((reader) => (
                    <Badge>{t(`reader_${reader}`)}</Badge>
                  ))}
                </Stack>,
                m.written_when,
                <code style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>{m.access}</code>,
              ])}
            />
          </Card>
        </Section>
        <Section title={t("flow")} description={t("flow_help")}>
          <Card>
            <Text>{t("flow_body")}</Text>
          </Card>
        </Section>
      </Layout>
    </Page>
  );
}

function TestResult({ result }: { result: Connectivity }) {
  const t = useT("developer");
  const when = t("test_when", { at: formatDateTime(result.checked_at), ms: formatNumber(result.latency_ms) });
  if (!result.ok) {
    return (
      <Banner tone="critical" title={t(result.failure?.kind === "rejected" ? "test_rejected" : "test_unavailable")}>
        <p>{result.failure?.message}</p>
        <p>{when}</p>
      </Banner>
    );
  }
  const sync = result.widget_settings;
  return (
    <Stack gap="200">
      <Banner tone="success" title={t("test_ok")}>
        <p>{when}</p>
        <p>{t("test_installation", { id: result.installation_id })}</p>
      </Banner>
      {sync && (
        <Stack gap="100">
          <Stack direction="row" gap="200">
            <Text as="strong">{t("widget_settings")}</Text>
            <Badge tone={sync.in_sync ? "success" : "attention"}>{t(sync.in_sync ? "in_sync" : sync.published === null ? "never_published" : "out_of_sync")}</Badge>
          </Stack>
          {!sync.in_sync && <Text tone="subdued">{t("out_of_sync_help")}</Text>}
          <pre aria-label={t("published_value")} style={{ whiteSpace: "pre-wrap", margin: 0, fontSize: "12px", background: "#f6f6f7", padding: "8px", borderRadius: "8px" }}>
            {JSON.stringify(sync.published, null, 2)}
          </pre>
        </Stack>
      )}
    </Stack>
  );
}
