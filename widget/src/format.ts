// Numbers, money and dates in the shopper's language, with Intl (nothing bundled).
export interface Format {
  /** An amount of the storefront's currency, e.g. 5 → "$5.00" or "5,00 €". */
  money: (amount: number) => string;
  /** A day, e.g. "Dec 1, 2026" or "1 déc. 2026". */
  date: (iso: string) => string;
  /** A change of balance with its sign, ungrouped as the widget's other counts: "+1250", "-500". */
  signed: (points: number) => string;
}

export function createFormat(language: string, currency: string | undefined): Format {
  let money: Intl.NumberFormat;
  try {
    money = new Intl.NumberFormat(language, { style: "currency", currency });
  } catch {
    // No currency from the theme (or one Intl does not know): the amount alone.
    money = new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  const date = new Intl.DateTimeFormat(language, { dateStyle: "medium" });
  const signed = new Intl.NumberFormat(language, { signDisplay: "exceptZero", useGrouping: false });
  return {
    money: (amount) => money.format(amount),
    date: (iso) => date.format(new Date(iso)),
    signed: (points) => signed.format(points),
  };
}
