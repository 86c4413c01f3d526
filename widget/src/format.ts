// Numbers, money and dates in the shopper's language, with Intl (nothing bundled).
export interface Format {
  /** An amount of the storefront's currency, e.g. 5 → "$5.00" or "5,00 €". */
  money: (amount: number) => string;
  /** An amount as a price is written: cents only when there are any, 1 → "$1", 12.5 → "$12.50". */
  price: (amount: number) => string;
  /** A day, e.g. "Dec 1, 2026" or "1 déc. 2026". */
  date: (iso: string) => string;
  /** A day of the year, e.g. "December 24" or "24 décembre". */
  monthDay: (month: number, day: number) => string;
  /** A month's name, 1 → "January". */
  month: (month: number) => string;
  /** A plain number: 1.5 → "1.5" or "1,5". */
  number: (value: number) => string;
  /** A change of balance with its sign, ungrouped as the widget's other counts: "+1250", "-500". */
  signed: (points: number) => string;
}

/** In a leap year, so February 29 exists. */
const dayOf = (month: number, day: number) => new Date(Date.UTC(2000, month - 1, day));

export function createFormat(language: string, currency: string | undefined): Format {
  let money: Intl.NumberFormat;
  let price: Intl.NumberFormat;
  try {
    money = new Intl.NumberFormat(language, { style: "currency", currency });
    // `trailingZeroDisplay` is ES2023 (Chrome 106, Safari 15.4); older browsers show "$1.00".
    price = new Intl.NumberFormat(language, { style: "currency", currency, trailingZeroDisplay: "stripIfInteger" } as Intl.NumberFormatOptions);
  } catch {
    // No currency from the theme (or one Intl does not know): the amount alone.
    price = money = new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  const date = new Intl.DateTimeFormat(language, { dateStyle: "medium" });
  const monthDay = new Intl.DateTimeFormat(language, { month: "long", day: "numeric", timeZone: "UTC" });
  const month = new Intl.DateTimeFormat(language, { month: "long", timeZone: "UTC" });
  const number = new Intl.NumberFormat(language);
  const signed = new Intl.NumberFormat(language, { signDisplay: "exceptZero", useGrouping: false });
  return {
    money: (amount) => money.format(amount),
    price: (amount) => price.format(amount),
    date: (iso) => date.format(new Date(iso)),
    monthDay: (m, d) => monthDay.format(dayOf(m, d)),
    month: (m) => month.format(dayOf(m, 1)),
    number: (value) => number.format(value),
    signed: (points) => signed.format(points),
  };
}
