// Numbers, money and dates in the merchant's admin language.
import { language } from "./i18n";

export const formatNumber = (value: number): string => new Intl.NumberFormat(language()).format(value);

/**
 * `amount` is a decimal string or number in `currency` (ISO 4217), shown with the currency's
 * symbol and digits in the admin's language ("€1,234.50", "1 234,50 €"). Without a currency
 * (not known yet) the number alone, with two decimals.
 */
export function formatMoney(amount: string | number, currency: string | null, locale = language()): string {
  const value = Number(amount);
  if (!Number.isFinite(value)) return String(amount);
  if (!currency) return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(value);
}

export const formatPercent = (ratio: number): string => new Intl.NumberFormat(language(), { style: "percent", maximumFractionDigits: 1 }).format(ratio);

export const formatDate = (iso: string): string => new Intl.DateTimeFormat(language(), { dateStyle: "medium" }).format(new Date(iso));

export const formatDateTime = (iso: string): string => new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
