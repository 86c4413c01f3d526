// Placeholder until its screen is built: the page and its title.
import { useT } from "../i18n";
import { Page, EmptyState } from "../ui";
import type { ScreenProps } from "./registry";

export default function CustomersScreen(_props: ScreenProps) {
  const t = useT("customers");
  return (
    <Page title={t("title")}>
      <EmptyState heading={t("common:empty")} />
    </Page>
  );
}
