// The app frame: the admin's nav menu (App Bridge's <ui-nav-menu>) and the current screen.
import { useEffect } from "preact/hooks";
import i18next from "i18next";
import { route } from "./router";
import { screenShown } from "./analytics";
import { matchScreen, SCREENS } from "./screens/registry";
import { useT } from "./i18n";
import { Banner, Page } from "./ui";

/** App Bridge's nav menu: Shopify admin shows these links in its side nav, under the app. */
function useNavMenu(): void {
  useEffect(() => {
    const menu = document.createElement("ui-nav-menu");
    for (const screen of SCREENS.filter((s) => s.nav)) {
      const link = document.createElement("a");
      link.href = screen.path;
      link.textContent = i18next.t(`${screen.namespace}:title`);
      if (screen.path === "/") link.rel = "home";
      menu.appendChild(link);
    }
    document.body.appendChild(menu);
    return () => menu.remove();
  }, []);
}

export function App() {
  useNavMenu();
  const { path, query } = route.value;
  const found = matchScreen(path);
  const pattern = found?.screen.path ?? "not_found";
  useEffect(() => screenShown(pattern), [pattern]);
  if (!found) return <NotFound />;
  const Component = found.screen.component;
  return <Component key={found.screen.path + JSON.stringify(found.params)} params={found.params} query={query} />;
}

function NotFound() {
  const t = useT("home");
  return (
    <Page title={t("title")}>
      <Banner tone="warning" title="404" />
    </Page>
  );
}

/** Production, opened outside Shopify admin: no App Bridge, no session token, so no data. */
export function OutsideAdmin() {
  const t = useT("common");
  return (
    <main class="LoyalNest-Outside">
      <Banner tone="warning" title={t("outside_admin_title")}>
        <p>{t("outside_admin_body")}</p>
      </Banner>
    </main>
  );
}
