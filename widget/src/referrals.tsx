import type { ReferralChannel, ReferredFriend } from "./api";
import { CodeBox } from "./code";
import type { PanelStore } from "./panel-store";
import { shareMessage, shareUrl } from "./referrals-model";

const LINK_CHANNELS = ["email", "sms", "whatsapp", "facebook", "x"] as const satisfies readonly ReferralChannel[];

/** "Refer a friend": the offer, the shopper's code and link with share buttons, and their referrals. */
export function ReferralsView({ store }: { store: PanelStore }) {
  const t = store.t.value;
  const section = store.referrals.section.value;

  if (section.state === "loading") return <p class="ln-muted" role="status">{t("referral_loading")}</p>;
  if (section.state === "error") {
    return (
      <div class="ln-error" role="alert">
        <p>{t("referral_error")}</p>
        <button type="button" class="ln-button" onClick={() => void store.referrals.load()}>
          {t("retry")}
        </button>
      </div>
    );
  }
  const { enabled, code, link, channels, offer, referrals } = section.data;
  if (!enabled || !code || !link) return <p class="ln-muted">{t("referral_off")}</p>;
  const message = shareMessage(offer.share_message, code, link);
  return (
    <>
      <h3 class="ln-subhead">{offer.headline}</h3>
      {offer.advocate_text && <p>{offer.advocate_text}</p>}
      {offer.friend_text && <p>{offer.friend_text}</p>}
      <p>
        {t("referral_your_code")}: <strong>{code}</strong>
      </p>
      {channels.copy_link ? (
        <CodeBox code={link} t={t} label="referral_your_link" copyLabel="referral_copy_link" />
      ) : (
        <p class="ln-muted">{link}</p>
      )}
      <nav class="ln-share" aria-label={t("referral_share")}>
        {LINK_CHANNELS.filter((channel) => channels[channel]).map((channel) => (
          <a key={channel} class="ln-button" href={shareUrl(channel, message, link, t)} target="_blank" rel="noopener noreferrer">
            {t(`referral_share_${channel}`)}
          </a>
        ))}
      </nav>
      <h3 class="ln-subhead">{t("referral_friends")}</h3>
      {referrals.length ? (
        <ul class="ln-list">
          {referrals.map((friend) => (
            <FriendItem key={friend.id} friend={friend} store={store} />
          ))}
        </ul>
      ) : (
        <p class="ln-muted">{t("referral_none")}</p>
      )}
    </>
  );
}

function FriendItem({ friend, store }: { friend: ReferredFriend; store: PanelStore }) {
  const t = store.t.value;
  const format = store.format.value;
  const earned = [
    friend.points > 0 ? t("award", { count: friend.points, points: store.pointsName.value(friend.points) }) : "",
    friend.discount ? t("referral_earned_discount") : "",
  ].filter(Boolean);
  return (
    <li class="ln-item">
      <span class="ln-reward-title">{t("referral_referred_on", { date: format.date(friend.bound_at) })}</span>
      <span class="ln-cost">{t(`referral_status_${friend.status}`)}</span>
      {earned.length > 0 && <span class="ln-muted">{earned.join(" · ")}</span>}
    </li>
  );
}
