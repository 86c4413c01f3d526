// The email popup's signup, as a theme's newsletter form sends it: Shopify's customer form
// (`form_type=customer`) posted to /contact, which subscribes the email to the shop's marketing
// and tags the customer. Shopify answers with a redirect to `?customer_posted=true` once done, to
// its own challenge page when it wants a human check, and with the page again (no redirect) when
// it refused the form.
export type Subscribed = "subscribed" | "challenge" | "failed";

export const SIGNUP_TAGS = "loyalnest";

interface ShopifyRoutes {
  routes?: { root?: string };
}

/** /contact under the storefront's locale path ("/fr/contact"), from Shopify's `routes.root`. */
function contactPath(): string {
  const root = (window as unknown as { Shopify?: ShopifyRoutes }).Shopify?.routes?.root || "/";
  return `${root.endsWith("/") ? root : `${root}/`}contact`;
}

function fields(email: string): Record<string, string> {
  return { form_type: "customer", utf8: "✓", "contact[email]": email, "contact[tags]": SIGNUP_TAGS };
}

export async function subscribe(email: string): Promise<Subscribed> {
  let response: Response;
  try {
    response = await fetch(contactPath(), {
      method: "POST",
      headers: { accept: "text/html" },
      body: new URLSearchParams(fields(email)),
      credentials: "same-origin",
    });
  } catch {
    return "failed";
  }
  const landed = new URL(response.url || location.href, location.href);
  if (landed.pathname.endsWith("/challenge")) return "challenge";
  return response.ok && landed.searchParams.get("customer_posted") === "true" ? "subscribed" : "failed";
}

/** Shopify's challenge needs the shopper's own page: the same form, sent by the browser. */
export function submitInPage(email: string): void {
  const form = document.createElement("form");
  form.method = "post";
  form.action = contactPath();
  form.hidden = true;
  for (const [name, value] of Object.entries(fields(email))) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}

/** What the browser's own `type=email` check accepts, near enough: something@domain.tld. */
export const looksLikeEmail = (email: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);
