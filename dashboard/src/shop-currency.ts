// The shop's currency (GET /v1/api/settings `currency`), read once per page load and shared by
// every screen that shows money. Until it has arrived (or when it cannot be read) amounts show
// as plain numbers rather than in a currency that may be wrong.
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";
import { formatMoney } from "./format";

let loading: Promise<string | null> | null = null;

function loadCurrency(): Promise<string | null> {
  loading ??= api.get<{ currency: { code: string } }>("/settings").then(
    (answer) => answer.currency.code,
    () => {
      loading = null; // the next screen tries again
      return null;
    },
  );
  return loading;
}

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
