// What the thank-you prompt says, decided apart from Shopify's runtime so it can be tested
// alone: the request it makes, and the message (translation key and values) for an answer.
// Mirrors the answer of GET /checkout/v1/api/order-points (workers/checkout/index.ts); this
// extension is bundled on its own by the Shopify CLI and imports nothing from the Worker.

export interface OrderPointsAnswer {
  shown: boolean;
  language: string;
  title: string | null;
  order: { state: "earned" | "pending" | "guest"; points: number | null; estimated: boolean };
  signup_points: number;
  points_name: { singular: string; plural: string };
}

/** The request for the order on the page; the subtotal lets the Worker forecast a pending order. */
export function orderPointsUrl(appUrl: string, input: { orderId: string; subtotal: number | null; language: string | null }): string {
  const query = new URLSearchParams({ order_id: input.orderId });
  const subtotal = input.subtotal === null ? null : amountParam(input.subtotal);
  if (subtotal !== null) query.set("subtotal", subtotal);
  if (input.language) query.set("locale", input.language);
  return `${appUrl.replace(/\/+$/, "")}/checkout/v1/api/order-points?${query}`;
}

/** Checkout's Money amounts are numbers; the API takes a decimal string (at most 3 decimals). */
export function amountParam(amount: number): string | null {
  if (!Number.isFinite(amount) || amount < 0) return null;
  return String(Math.round(amount * 1000) / 1000);
}

/** One sentence: a key of locales/*.json and what fills it. */
export interface Line {
  key: string;
  values: Record<string, string | number>;
}

export interface Prompt {
  /** The merchant's heading, or null for the `heading` string. */
  title: string | null;
  lines: Line[];
  /** For a guest: where to create an account (Shopify's customer account URL). */
  join: { href: string } | null;
}

/**
 * The prompt for an answer, null when there is nothing to show (the merchant has it off, or a
 * member's pending order gives nothing to count and there is no offer to make).
 */
export function promptFor(answer: OrderPointsAnswer, options: { storefrontUrl: string; formatNumber: (n: number) => string }): Prompt | null {
  if (!answer.shown) return null;
  const name = (points: number) => pointsName(answer, points);
  const points = (n: number) => ({ points: options.formatNumber(n), pointsName: name(n) });
  const { order } = answer;
  const lines: Line[] = [];
  if (order.state === "earned" && order.points !== null) lines.push({ key: "earned", values: points(order.points) });
  if (order.state === "pending") {
    if (order.points === null) lines.push({ key: "pendingUnknown", values: {} });
    else lines.push({ key: order.estimated ? "pendingEstimate" : "pendingHeld", values: points(order.points) });
  }
  if (order.state === "guest") {
    if (order.points !== null && order.points > 0) lines.push({ key: "guestCouldEarn", values: points(order.points) });
    lines.push(answer.signup_points > 0 ? { key: "joinOffer", values: points(answer.signup_points) } : { key: "joinOfferNoPoints", values: {} });
  }
  if (lines.length === 0) return null;
  return { title: answer.title, lines, join: order.state === "guest" ? { href: registerUrl(options.storefrontUrl) } : null };
}

/** The merchant's name for points, singular or plural as the language's plural rules say. */
export function pointsName(answer: Pick<OrderPointsAnswer, "language" | "points_name">, count: number): string {
  return new Intl.PluralRules(answer.language).select(count) === "one" ? answer.points_name.singular : answer.points_name.plural;
}

/** Shopify's account sign-up: classic accounts register there, new customer accounts redirect it to theirs. */
export function registerUrl(storefrontUrl: string): string {
  return `${storefrontUrl.replace(/\/+$/, "")}/account/register`;
}
