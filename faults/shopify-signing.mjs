// What Shopify signs, done with node:crypto: webhook HMAC, App Proxy URLs, session tokens.
import { createHmac, randomUUID } from "node:crypto";

export function createSigner({ apiKey, apiSecret, origin }) {
  const hmac = (message) => createHmac("sha256", apiSecret).update(message);
  const base64Url = (text) => Buffer.from(text).toString("base64url");
  return {
    webhookHmac: (body) => hmac(body).digest("base64"),

    /** `extra`: more query parameters (e.g. `limit`), signed with the rest as Shopify does. */
    proxyUrl(path, { shop, customerId, extra = {} }) {
      const params = {
        ...extra,
        shop,
        logged_in_customer_id: customerId ?? "",
        path_prefix: "/apps/loyalnest",
        timestamp: String(Math.floor(Date.now() / 1000)),
      };
      const message = Object.keys(params).sort().map((key) => `${key}=${params[key]}`).join("");
      const search = new URLSearchParams({ ...params, signature: hmac(message).digest("hex") });
      return `${origin}/proxy/v1/api${path}?${search}`;
    },

    sessionToken(shop, user = "42") {
      const now = Math.floor(Date.now() / 1000);
      const header = base64Url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
      const payload = base64Url(
        JSON.stringify({
          iss: `https://${shop}/admin`,
          dest: `https://${shop}`,
          aud: apiKey,
          sub: user,
          exp: now + 60,
          nbf: now - 5,
          iat: now - 5,
          jti: randomUUID(),
          sid: "faults-session",
        }),
      );
      return `${header}.${payload}.${hmac(`${header}.${payload}`).digest("base64url")}`;
    },
  };
}
