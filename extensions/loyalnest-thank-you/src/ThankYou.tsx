// The thank-you page's prompt: what the order earned (or will earn once paid) and, for a guest,
// what joining earns with a link to sign up. One call to the app, with the session token.
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { APP_URL } from "./app-url";
import { orderPointsUrl, promptFor, type OrderPointsAnswer, type Prompt } from "./prompt";

export default async () => {
  render(<ThankYou />, document.body);
};

type State = { status: "loading" } | { status: "ready"; prompt: Prompt | null } | { status: "error" };

function ThankYou() {
  const [state, setState] = useState<State>({ status: "loading" });
  useEffect(() => {
    let live = true;
    loadPrompt().then(
      (prompt) => live && setState({ status: "ready", prompt }),
      () => live && setState({ status: "error" }),
    );
    return () => {
      live = false;
    };
  }, []);

  // Loading and failing show nothing: the page is the shop's receipt, a spinner or an error
  // about points would only distract from it, and the widget shows the points later anyway.
  if (state.status !== "ready" || state.prompt === null) return null;
  const { prompt } = state;
  const { translate } = shopify.i18n;
  return (
    <s-banner heading={prompt.title ?? translate("heading")} tone="success">
      <s-stack gap="base">
        {prompt.lines.map((line) => (
          <s-text key={line.key}>{translate(line.key, line.values)}</s-text>
        ))}
        {prompt.join && (
          <s-button href={prompt.join.href} variant="primary">
            {translate("join")}
          </s-button>
        )}
      </s-stack>
    </s-banner>
  );
}

async function loadPrompt(): Promise<Prompt | null> {
  const confirmation = shopify.orderConfirmation.value;
  if (!confirmation) return null;
  const subtotal = shopify.cost.subtotalAmount.value;
  const url = orderPointsUrl(APP_URL, {
    orderId: confirmation.order.id,
    subtotal: subtotal ? subtotal.amount : null,
    language: shopify.localization.language.value.isoCode,
  });
  const token = await shopify.sessionToken.get();
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`order-points answered ${response.status}`);
  const answer = (await response.json()) as OrderPointsAnswer;
  return promptFor(answer, {
    storefrontUrl: shopify.shop.storefrontUrl ?? `https://${shopify.shop.myshopifyDomain}`,
    formatNumber: (n) => shopify.i18n.formatNumber(n),
  });
}
