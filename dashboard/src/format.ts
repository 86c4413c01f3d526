// Numbers, money and dates in the merchant's admin language.
import { language } from "./i18n";

export const formatNumber = (value: number): string => new Intl.NumberFormat(language()).format(value);

/** `amount` is a decimal string or number in `currency` (ISO 4217). */
export const formatMoney = (amount: string | number, currency: string): string =>
  new Intl.NumberFormat(language(), { style: "currency", currency }).format(Number(amount));

export const formatPercent = (ratio: number): string => new Intl.NumberFormat(language(), { style: "percent", maximumFractionDigits: 1 }).format(ratio);

export const formatDate = (iso: string): string => new Intl.DateTimeFormat(language(), { dateStyle: "medium" }).format(new Date(iso));

export const formatDateTime = (iso: string): string => new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
