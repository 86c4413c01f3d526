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
import { ACCESS_LOST_EVENT, adminApi, type Me } from "./api";
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

// When the console last reloaded itself to sign in again (this tab's sessionStorage): a second
// loss soon after, with no successful /admin/me between, stops there (a button instead), so a
// misconfigured Access application cannot make the page reload forever.
const REAUTH_KEY = "loyalnest.console.reauth_at";
const REAUTH_GUARD_MS = 60_000;
const REAUTH_DELAY_MS = 1_500;

/**
 * The Access sign-in is gone (expired or missing): say so, then load the console again. In
 * production the page load meets Access, which sends the admin through its login and back; in
 * dev the console server signs in again (scripts/console-server.mjs). The screen's path is kept.
 */
function useAccessLost(): { lost: ApiFailure | null; reloading: boolean } {
  const [lost, setLost] = useState<ApiFailure | null>(null);
  const [reloading, setReloading] = useState(false);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onLost = (event: Event) => {
      const failure = (event as CustomEvent<ApiFailure>).detail;
      setLost((previous) => previous ?? failure);
      if (timer !== undefined) return;
      const last = Number(sessionStorage.getItem(REAUTH_KEY) ?? 0);
      if (Date.now() - last < REAUTH_GUARD_MS) return;
      setReloading(true);
      timer = setTimeout(() => {
        sessionStorage.setItem(REAUTH_KEY, String(Date.now()));
        location.reload();
      }, REAUTH_DELAY_MS);
    };
    window.addEventListener(ACCESS_LOST_EVENT, onLost);
    return () => {
      window.removeEventListener(ACCESS_LOST_EVENT, onLost);
      clearTimeout(timer);
    };
  }, []);
  return { lost, reloading };
}

function AccessLost({ lost, reloading }: { lost: ApiFailure; reloading: boolean }) {
  const t = useT("console");
  const signInAgain = () => {
    sessionStorage.removeItem(REAUTH_KEY);
    location.reload();
  };
  return (
    <Banner tone="warning" title={t("access_lost_title")} action={reloading ? undefined : { content: t("access_sign_in_again"), onAction: signInAgain }}>
      <p>{t(lost.code === "token_expired" ? "access_expired" : "access_missing", { code: lost.code })}</p>
      <p>{t(reloading ? "access_signing_in" : "access_reload_failed")}</p>
    </Banner>
  );
}

function Console() {
  const t = useT("console");
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const access = useAccessLost();
  useEffect(() => {
    adminApi.get<Me>("/me").then((signedIn) => {
      sessionStorage.removeItem(REAUTH_KEY);
      setMe(signedIn);
    }, (e) => setError(asFailure(e)));
  }, []);
  if (access.lost) return <AccessLost lost={access.lost} reloading={access.reloading} />;
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
