import { Balance } from "./account";
import { EarnView } from "./earn";
import { HistoryView } from "./history";
import type { PanelStore, View } from "./panel-store";
import css from "./panel.css" with { type: "text" };
import { ReferralsView } from "./referrals";
import { Rewards } from "./rewards";
import { ProgramIntro } from "./surfaces/program-intro";
import { TierView } from "./tier";

const SIGNED_IN_VIEWS: View[] = ["catalog", "earn", "tier", "history"];
const SIGNED_OUT_VIEWS: View[] = ["catalog", "earn"];

/** Refer a friend only while the shop runs referrals. */
function views(signedIn: boolean, referrals: boolean): View[] {
  if (!signedIn) return SIGNED_OUT_VIEWS;
  return referrals ? [...SIGNED_IN_VIEWS, "referrals"] : SIGNED_IN_VIEWS;
}

/** Loading, error or content: the panel is never blank. */
export function PanelBody({ store }: { store: PanelStore }) {
  return (
    <>
      <style>{css}</style>
      <LanguageMenu store={store} />
      <Content store={store} />
    </>
  );
}

/** A language's name in itself, "es" → "español", as language menus write them. */
function languageName(language: string): string {
  try {
    return new Intl.DisplayNames([language], { type: "language" }).of(language) ?? language;
  } catch {
    return language;
  }
}

/** The shop's languages, each in its own name; hidden while the shop offers one. */
function LanguageMenu({ store }: { store: PanelStore }) {
  const languages = store.config.value.languages ?? [];
  if (languages.length < 2) return null;
  const switching = store.switching.value;
  return (
    <div class="ln-language">
      <label for="ln-language">{store.t.value("language")}</label>
      <select
        id="ln-language"
        value={store.language.value}
        aria-describedby={switching ? "ln-switching" : undefined}
        onChange={(event) => void store.setLanguage(event.currentTarget.value)}
      >
        {languages.map((language) => (
          <option key={language} value={language} lang={language}>
            {languageName(language)}
          </option>
        ))}
      </select>
      {switching && (
        <span id="ln-switching" class="ln-muted" role="status">
          {store.t.value("language_switching")}
        </span>
      )}
    </div>
  );
}

function Content({ store }: { store: PanelStore }) {
  const t = store.t.value;
  const account = store.account.value;

  if (account.state === "error") {
    return (
      <div class="ln-body ln-error" role="alert">
        <p>{t("error")}</p>
        <button type="button" class="ln-button" onClick={store.retry}>
          {t("retry")}
        </button>
      </div>
    );
  }
  if (account.state === "loading") {
    return (
      <p class="ln-body ln-status" role="status">
        {t("loading")}
      </p>
    );
  }
  const customer = account.data;
  const view = store.view.value;
  const points = store.pointsName.value(2);
  const rewards = store.config.value.rewards;
  return (
    <div class="ln-body">
      {customer ? <Balance customer={customer} t={t} /> : <ProgramIntro store={store} />}
      <div class="ln-views">
        {views(!!customer, !!store.config.value.referrals?.enabled).map((name) => (
          <button key={name} type="button" class="ln-view" aria-pressed={view === name} onClick={() => store.setView(name)}>
            {t(`view_${name}`, { points })}
          </button>
        ))}
      </div>
      {view === "earn" ? (
        <EarnView store={store} signedIn={!!customer} />
      ) : view === "tier" && customer ? (
        <TierView store={store} />
      ) : view === "history" && customer ? (
        <HistoryView store={store} />
      ) : view === "referrals" && customer ? (
        <ReferralsView store={store} />
      ) : (
        <Rewards store={store} rewards={rewards} balance={customer ? customer.points_balance : null} />
      )}
    </div>
  );
}
