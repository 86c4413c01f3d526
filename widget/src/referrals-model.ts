// The referral section's state: loaded each time the section opens; a shopper without a code
// gets one on the first open (the server's create is idempotent, so a retry cannot make two).
import { signal } from "@preact/signals";
import type { Api, ReferralChannel, ReferralSection } from "./api";
import type { Load } from "./store";
import type { Translate } from "./translate";

export type ReferralModel = ReturnType<typeof createReferralModel>;

export function createReferralModel(api: Api, currency: string | undefined) {
  const section = signal<Load<ReferralSection>>({ state: "loading" });

  async function load() {
    if (section.value.state !== "ready") section.value = { state: "loading" };
    const result = await api.referrals(currency);
    if (!result.ok) return void (section.value = { state: "error" });
    let data = result.data;
    if (data.enabled && !data.code) {
      const created = await api.createReferral();
      if (!created.ok) return void (section.value = { state: "error" });
      data = { ...data, code: created.data.code, link: created.data.link };
    }
    section.value = { state: "ready", data };
  }

  return { section, load };
}

/** The share message with the shopper's link and code in it (the server leaves them out before a code exists). */
export function shareMessage(template: string, code: string, link: string): string {
  return template.replace(/\{\{\s*link\s*\}\}/g, link).replace(/\{\{\s*code\s*\}\}/g, code);
}

/** Where each channel's button goes; copy_link is a button, not a link. */
export function shareUrl(channel: Exclude<ReferralChannel, "copy_link">, message: string, link: string, t: Translate): string {
  const text = encodeURIComponent(message);
  switch (channel) {
    case "email":
      return `mailto:?subject=${encodeURIComponent(t("referral_email_subject"))}&body=${text}`;
    case "sms":
      // `?&body=`: Android reads `?body=`, iOS `&body=`; both read this.
      return `sms:?&body=${text}`;
    case "whatsapp":
      return `https://wa.me/?text=${text}`;
    case "facebook":
      // Facebook takes only the link: the text comes from the page's own description.
      return `https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(link)}`;
    case "x":
      return `https://twitter.com/intent/tweet?text=${text}`;
  }
}
