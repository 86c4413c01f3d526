// Placeholder until its screen is built: the page and its title.
import { useT } from "../i18n";
import { Page, EmptyState } from "../ui";
import type { ScreenProps } from "./registry";

export default function DeveloperScreen(_props: ScreenProps) {
  const t = useT("developer");
  return (
    <Page title={t("title")}>
      <EmptyState heading={t("common:empty")} />
    </Page>
  );
}
