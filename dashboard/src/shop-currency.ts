// The shop's currency (GET /v1/api/settings `currency`), read once per page load and shared by
// every screen that shows money. Until it has arrived (or when it cannot be read) amounts show
// as plain numbers rather than in a currency that may be wrong.
import { useEffect, useState } from "preact/hooks";
import { formatMoney } from "./format";
import { pageSettings } from "./page-settings";

const loadCurrency = async (): Promise<string | null> => (await pageSettings())?.currency.code ?? null;

/** A formatter for amounts in the shop's currency, in the admin's language. */
export function useMoney(): (amount: string | number) => string {
  const [currency, setCurrency] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void loadCurrency().then((code) => live && setCurrency(code));
    return () => {
      live = false;
    };
  }, []);
  return (amount) => formatMoney(amount, currency);
}
