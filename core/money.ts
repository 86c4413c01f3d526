// Money arrives from Shopify as decimal strings ("254.98"). It is parsed into integer
// thousandths of the currency unit, exact for 0-, 2- and 3-decimal currencies; floats never
// touch an amount.

export const MILLS_PER_UNIT = 1000;
const DECIMAL = /^(\d{1,13})(?:\.(\d{1,3})\d*)?$/;

/** "254.98" → 254980. Returns null for anything that is not a non-negative decimal amount. */
export function parseAmountToMills(amount: unknown): number | null {
  if (typeof amount !== "string" && typeof amount !== "number") return null;
  const text = typeof amount === "number" ? String(amount) : amount.trim();
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? "").padEnd(3, "0"));
  return whole * MILLS_PER_UNIT + fraction;
}

export function formatMills(mills: number): string {
  const whole = Math.floor(mills / MILLS_PER_UNIT);
  const cents = Math.floor((mills % MILLS_PER_UNIT) / 10);
  return `${whole}.${String(cents).padStart(2, "0")}`;
}
