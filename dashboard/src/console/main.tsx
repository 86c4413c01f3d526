// The admin console's entry (dashboard/console.html → dist/console/): a standalone page for
// platform staff, not embedded in Shopify admin and without App Bridge. It asks /admin/me who is
// signed in, then shows the screens; each button appears only for a role that may use it.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { initI18n, useT } from "../i18n";
import { route, Link } from "../router";
import { Banner, Spinner } from "../ui";
import type { ApiFailure } from "../api";
import { asFailure } from "../hooks";
import { adminApi, type Me } from "./api";
import { CONSOLE_BASE, MeContext } from "./shared";
import { Overview } from "./overview";
import { MerchantDetail, Merchants } from "./merchants";
import { Users } from "./users";
import { Logs } from "./logs";
import { Health } from "./health";

function Screen() {
  const path = route.value.path.slice(CONSOLE_BASE.length) || "/";
  const detail = /^\/merchants\/([^/]+)$/.exec(path);
  if (detail) return <MerchantDetail shop={decodeURIComponent(detail[1]!)} />;
  if (path === "/merchants") return <Merchants />;
  if (path === "/users") return <Users />;
  if (path === "/logs") return <Logs />;
  if (path === "/health") return <Health />;
  return <Overview />;
}

function Console() {
  const t = useT("console");
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  useEffect(() => {
    adminApi.get<Me>("/me").then(setMe, (e) => setError(asFailure(e)));
  }, []);
  if (error) return <Banner tone="critical" title={t("title")}>{t("not_signed_in", { code: error.code, message: error.message })}</Banner>;
  if (!me) return <Spinner />;
  const links: [string, string, string | null][] = [
    ["/", "nav_overview", "overview.read"],
    ["/merchants", "nav_merchants", "merchants.read"],
    ["/users", "nav_users", "users.read"],
    ["/logs", "nav_logs", "logs.read"],
    ["/health", "nav_health", "integrations.read"],
  ];
  return (
    <MeContext.Provider value={me}>
      <div class="LoyalNest-Console">
        <header class="LoyalNest-ConsoleHeader">
          <strong>{t("title")}</strong> <span class="Polaris-Text--subdued">{t("signed_in_as", { email: me.email, role: t(`role_${me.role}`) })}</span>
          <nav aria-label={t("title")}>
            {links
              .filter(([, , permission]) => !permission || me.permissions.includes(permission))
              .map(([to, key]) => (
                <Link to={`${CONSOLE_BASE}${to === "/" ? "" : to}`}>{t(key)}</Link>
              ))}
          </nav>
        </header>
        <main>
          <Screen />
        </main>
      </div>
    </MeContext.Provider>
  );
}

async function start(): Promise<void> {
  await initI18n(new URLSearchParams(location.search).get("locale") ?? navigator.language);
  render(<Console />, document.getElementById("app")!);
}

void start();
