// Who a shopper is, for the referral fraud checks: an email, phone and shipping address put in
// one canonical form (so "A.B+promo@Gmail.com" and "ab@googlemail.com" are the same person),
// then replaced by keyed hashes bound to the shop. The checks compare the hashes only: no
// personal data is stored or compared in the clear. Pure, apart from WebCrypto.
import { labelledKeyedHash, type DataKeys } from "./crypto";

export interface AddressInput {
  address1?: string | null;
  zip?: string | null;
  /** ISO 3166-1 alpha-2, as Shopify sends it. */
  country_code?: string | null;
}

export interface IdentityInput {
  email?: string | null;
  phone?: string | null;
  address?: AddressInput | null;
}

/** Each part's keyed hash (hex), or null when the part is missing or cannot be read. */
export interface IdentityFingerprints {
  email: string | null;
  phone: string | null;
  address: string | null;
}

export const NO_FINGERPRINTS: IdentityFingerprints = { email: null, phone: null, address: null };

/** Providers that deliver a.b@ and ab@ to the same mailbox; the value is the domain they share. */
const DOTS_IGNORED: Readonly<Record<string, string>> = { "gmail.com": "gmail.com", "googlemail.com": "gmail.com" };

/**
 * One mailbox, one form: trimmed and lower case; the `+tag` in the local part dropped for every
 * provider (most deliver sub-addresses to the base mailbox, and a fraud check would rather
 * over-match than miss); dots in the local part dropped only where the provider ignores them
 * (Gmail), whose googlemail.com is gmail.com. Null when it is not an address.
 */
export function normaliseEmail(email: string): string | null {
  const text = email.trim().toLowerCase();
  const at = text.lastIndexOf("@");
  if (at <= 0 || at === text.length - 1) return null;
  let local = text.slice(0, at);
  let domain = text.slice(at + 1);
  const plus = local.indexOf("+");
  if (plus >= 0) local = local.slice(0, plus);
  const sharedDomain = DOTS_IGNORED[domain];
  if (sharedDomain) {
    local = local.replaceAll(".", "");
    domain = sharedDomain;
  }
  return local === "" ? null : `${local}@${domain}`;
}

/** Fewer digits than this is no phone number (the shortest national numbers have 7). */
const MIN_PHONE_DIGITS = 7;

/**
 * Digits only, with the country code when the number carries one ("+44 20 7946 0958" and
 * "0044 20 7946 0958" both read 442079460958); a bare national number stays its digits: without
 * the shopper's country, a leading code cannot be guessed. Null below 7 digits.
 */
export function normalisePhone(phone: string): string | null {
  const text = phone.trim();
  let digits = text.replace(/\D/g, "");
  // "00" is the international call prefix in most of the world: what follows is the country code.
  if (!text.startsWith("+") && digits.startsWith("00")) digits = digits.slice(2);
  return digits.length >= MIN_PHONE_DIGITS ? digits : null;
}

/** Lower case, every run of spaces and punctuation one space ("12, Main St." → "12 main st"). */
function collapse(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/**
 * The street line, postcode and country in one form; null when address1 or zip is missing,
 * since a street without its postcode (or a postcode alone) names too many homes to compare.
 */
export function normaliseAddress(address: AddressInput): string | null {
  const street = collapse(address.address1 ?? "");
  const zip = collapse(address.zip ?? "").replaceAll(" ", "");
  if (street === "" || zip === "") return null;
  return `${street}|${zip}|${collapse(address.country_code ?? "")}`;
}

/**
 * The shop-bound keyed hashes (the blind-index key of core/crypto.ts, as emailBlindIndex uses it,
 * with a label per part so an email and a phone never share a hash). Two fingerprints compare
 * only under the same key: compute both sides of a check with the same keys, at check time.
 */
export async function identityFingerprints(keys: DataKeys, shop: string, input: IdentityInput): Promise<IdentityFingerprints> {
  const mac = (part: keyof IdentityFingerprints, value: string | null) => (value === null ? null : labelledKeyedHash(keys, `referral-${part}`, shop, value));
  const [email, phone, address] = await Promise.all([
    mac("email", input.email ? normaliseEmail(input.email) : null),
    mac("phone", input.phone ? normalisePhone(input.phone) : null),
    mac("address", input.address ? normaliseAddress(input.address) : null),
  ]);
  return { email, phone, address };
}

/**
 * Where a referral came from, as the velocity check compares it: the shopper's IP address and
 * the widget's device id, as keyed hashes labelled like the identity's parts (never stored in
 * the clear).
 */
export async function sourceFingerprints(keys: DataKeys, shop: string, source: { ip: string | null; device: string | null }): Promise<{ ip: string | null; device: string | null }> {
  const mac = (part: "ip" | "device", value: string | null) =>
    value === null || value.trim() === "" ? null : labelledKeyedHash(keys, `referral-${part}`, shop, value.trim().toLowerCase());
  const [ip, device] = await Promise.all([mac("ip", source.ip), mac("device", source.device)]);
  return { ip, device };
}
