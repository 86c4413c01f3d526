import type { Campaign, WayToEarn } from "./api";
import { BirthdayForm } from "./birthday";
import type { PanelStore } from "./panel-store";

/** Networks are brand names: written the same in every language. */
const NETWORKS: Record<string, string> = {
  instagram: "Instagram",
  facebook: "Facebook",
  tiktok: "TikTok",
  x: "X",
  youtube: "YouTube",
  pinterest: "Pinterest",
};
const networkName = (network: string) => NETWORKS[network] ?? network;

/** Running campaigns, then the ways to earn (with the birthday form and follow buttons for a signed-in shopper). */
export function EarnView({ store, signedIn }: { store: PanelStore; signedIn: boolean }) {
  const t = store.t.value;
  const { ways_to_earn: ways = [], campaigns: running = [] } = store.config.value;
  // A campaign for some tiers shows to their holders alone (signed out: campaigns for everyone).
  const account = store.account.value;
  const tierId = account.state === "ready" ? account.data?.vip_tier_id ?? null : null;
  const campaigns = running.filter((c) => !c.eligible_tier_ids || (tierId !== null && c.eligible_tier_ids.includes(tierId)));
  const known = ways.filter((way) => t(`way_${way.action}`) !== `way_${way.action}`);
  // Campaigns first: they end.
  return (
    <>
      {campaigns.length > 0 && (
        <>
          <h3 class="ln-subhead">{t("campaigns")}</h3>
          <ul class="ln-list ln-campaigns">
            {campaigns.map((campaign) => (
              <CampaignItem key={campaign.id} campaign={campaign} store={store} />
            ))}
          </ul>
        </>
      )}
      <h3 class="ln-subhead">{t("ways_to_earn")}</h3>
      {known.length ? (
        <ul class="ln-list ln-ways">
          {known.map((way) => (
            <WayItem key={way.action + (way.network ?? "")} way={way} store={store} signedIn={signedIn} />
          ))}
        </ul>
      ) : (
        <p class="ln-muted">{t("no_ways")}</p>
      )}
    </>
  );
}

/** "Spend $200 within 30 days", "Follow us on Instagram", "10 points per $1". */
function wayTitle(store: PanelStore, way: { action: string; points?: number; network?: string; amount?: string; days?: number }): string {
  const t = store.t.value;
  const format = store.format.value;
  const points = way.points ?? 0;
  // A campaign's bonus for following names no network: any of them.
  const action = way.action === "social_follow" && !way.network ? "social_follow_any" : way.action;
  return t(`way_${action}`, {
    count: way.action === "goal_spend" ? way.days ?? 0 : points,
    points: store.pointsName.value(points),
    amount: format.price(way.action === "purchase" ? 1 : Number(way.amount ?? 0)),
    network: networkName(way.network ?? ""),
  });
}

/** "+50 points" */
const award = (store: PanelStore, count: number) => store.t.value("award", { count, points: store.pointsName.value(count) });

function WayItem({ way, store, signedIn }: { way: WayToEarn; store: PanelStore; signedIn: boolean }) {
  const t = store.t.value;
  const { limit } = way;
  return (
    <li class="ln-item">
      <span class="ln-reward-title">{wayTitle(store, way)}</span>
      {way.action !== "purchase" && <span class="ln-cost">{award(store, way.points)}</span>}
      {limit && <span class="ln-muted">{t(`limit_${limit.period}`, { count: limit.count })}</span>}
      {signedIn && way.action === "birthday" && <BirthdayForm store={store} />}
      {signedIn && way.action === "social_follow" && way.network && <FollowButton store={store} way={way} network={way.network} />}
    </li>
  );
}

function FollowButton({ store, way, network }: { store: PanelStore; way: WayToEarn; network: string }) {
  const t = store.t.value;
  const actions = store.actions.value;
  const step = store.follows.value[network];
  const name = networkName(network);
  const already = actions.state === "ready" && actions.data.social_follows.includes(network);
  let note: string | null = null;
  if (step?.kind === "done") {
    const { outcome, points } = step.result;
    note = t(`follow_${outcome}`, { network: name, count: points, points: store.pointsName.value(points) });
  } else if (already) note = t("follow_duplicate", { network: name });
  const onClick = () => {
    // Opened in the click itself, where no popup blocker refuses it; a URL only the server
    // knows is opened when its answer comes.
    if (way.url) window.open(way.url, "_blank", "noopener");
    void store.follow(network, !!way.url);
  };
  return (
    <div class="ln-action" aria-live="polite">
      {note === null ? (
        <button type="button" class="ln-button" disabled={step?.kind === "saving" || actions.state === "loading"} onClick={onClick}>
          {t("follow", { network: name })}
        </button>
      ) : (
        <p class="ln-done">{note}</p>
      )}
      {step?.kind === "error" && (
        <p class="ln-error-text" role="alert">
          {t("follow_error")}
        </p>
      )}
    </div>
  );
}

function CampaignItem({ campaign, store }: { campaign: Campaign; store: PanelStore }) {
  const t = store.t.value;
  const format = store.format.value;
  const gives =
    campaign.kind === "multiplier"
      ? t("campaign_multiplier", { multiplier: format.number(campaign.multiplier ?? 1), points: store.pointsName.value(2) })
      : `${campaign.kind === "goal_spend" ? wayTitle(store, { ...campaign, action: "goal_spend" }) : wayTitle(store, { action: campaign.action ?? "" })}: ${award(store, campaign.points ?? 0)}`;
  return (
    <li class="ln-item">
      <span class="ln-reward-title">{campaign.name}</span>
      {campaign.description && <span class="ln-muted">{campaign.description}</span>}
      <span class="ln-cost">{gives}</span>
      {campaign.ends_at && <span class="ln-muted">{t("campaign_ends", { date: format.date(campaign.ends_at) })}</span>}
    </li>
  );
}
