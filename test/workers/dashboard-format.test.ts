// The dashboard's money: an amount in the shop's currency, written the way the admin's language
// writes money (symbol, its place, separators, the currency's decimals), or the bare number with
// two decimals while the currency is not known.
import { describe, expect, it } from "vitest";
import { formatMoney } from "../../dashboard/src/format";

// Intl writes narrow / no-break spaces in French; compared as plain spaces.
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("formatMoney", () => {
  it("writes the shop's currency in the admin's language", () => {
    expect(formatMoney("1234.5", "USD", "en")).toBe("$1,234.50");
    expect(formatMoney("1234.5", "EUR", "en")).toBe("€1,234.50");
    expect(plain(formatMoney("1234.5", "EUR", "fr"))).toBe("1 234,50 €");
    expect(plain(formatMoney("1234.5", "EUR", "es"))).toBe("1234,50 €");
    expect(plain(formatMoney("12345.5", "EUR", "es"))).toBe("12.345,50 €");
    // ICU versions write the Canadian dollar "$CA" or "$ CA" in French: either, after the amount.
    expect(plain(formatMoney("0", "CAD", "fr"))).toMatch(/^0,00 \$ ?CA$/);
  });

  it("uses the currency's own decimals (yen have none)", () => {
    expect(formatMoney("1500", "JPY", "en")).toBe("¥1,500");
    expect(formatMoney(19.999, "GBP", "en")).toBe("£20.00");
  });

  it("writes the bare amount while the currency is not known, and what is not a number as it came", () => {
    expect(formatMoney("1234.5", null, "en")).toBe("1,234.50");
    expect(plain(formatMoney("1234.5", null, "fr"))).toBe("1 234,50");
    expect(formatMoney("n/a", "USD", "en")).toBe("n/a");
  });
});
