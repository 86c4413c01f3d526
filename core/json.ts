// Lossless JSON for Shopify payloads: numeric ids above 2^53 must not be rounded (DESIGN.md
// money rule 6). Any number under a key named `id` or ending in `_id` keeps its source text.

type ReviverContext = { source?: string };

const ID_KEY = /(^|_)id$/;

export function parseJsonLossless(text: string): unknown {
  return JSON.parse(text, function (this: unknown, key: string, value: unknown, context?: ReviverContext) {
    if (typeof value === "number" && ID_KEY.test(key)) {
      if (!context || typeof context.source !== "string") {
        throw new Error("JSON.parse source text access is unavailable: ids would lose precision");
      }
      return context.source;
    }
    return value;
  } as (key: string, value: unknown) => unknown);
}
