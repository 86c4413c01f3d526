// Shopify's own library (@shopify/shopify-api) on workerd: one configured instance per isolate,
// and the one place that decides where the Admin API is (the shop, or the local emulator).
import "@shopify/shopify-api/adapters/cf-worker";
import { ApiVersion, LogSeverity, Session, shopifyApi } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { AsyncLocalStorage } from "node:async_hooks";
import { SHOP_DOMAIN } from "../../core/shopify-auth";

export const ADMIN_API_VERSION = ApiVersion.October26;

/**
 * The library needs the app's host for OAuth redirects and billing return URLs, neither of
 * which LoyalNest uses (install is token exchange); this is shopify.app.toml's application_url.
 */
const APP_HOST = "loyalnest.example.com";

type EnvWithShopify = Pick<Env, "SHOPIFY_API_KEY" | "SHOPIFY_API_SECRET">;
type AdminOriginEnv = Partial<Pick<Env, "ENVIRONMENT" | "SHOPIFY_ADMIN_ORIGIN">>;

function createShopify(env: EnvWithShopify) {
  return shopifyApi({
    apiKey: env.SHOPIFY_API_KEY,
    apiSecretKey: env.SHOPIFY_API_SECRET,
    hostName: APP_HOST,
    apiVersion: ADMIN_API_VERSION,
    isEmbeddedApp: true,
    // The library logs each session it creates at info; our own logs say what matters.
    logger: { level: LogSeverity.Warning },
    // 15.x's flags (managed pricing, REST customer addresses) touch nothing we call.
    future: {},
  });
}
export type ShopifyApi = ReturnType<typeof createShopify>;

// Keyed by the credentials so a test that swaps them gets its own instance; in production an
// isolate sees one env, so this is one instance.
const instances = new Map<string, ShopifyApi>();

export function shopify(env: EnvWithShopify): ShopifyApi {
  const key = `${env.SHOPIFY_API_KEY}\n${env.SHOPIFY_API_SECRET}`;
  let instance = instances.get(key);
  if (!instance) {
    instance = createShopify(env);
    instances.set(key, instance);
  }
  return instance;
}

/**
 * Where the Admin API is reached for this env: null means the shop itself (https://{shop}),
 * always so in production whatever SHOPIFY_ADMIN_ORIGIN says; in dev and tests, the emulator.
 */
export function adminOriginOverride(env: AdminOriginEnv): string | null {
  if (env.ENVIRONMENT === "production") return null;
  const origin = env.SHOPIFY_ADMIN_ORIGIN;
  if (typeof origin !== "string" || origin === "") return null;
  const url = new URL(origin);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("SHOPIFY_ADMIN_ORIGIN must be an http(s) origin");
  return url.origin;
}

// How the library reaches the emulator. It builds every Admin API URL as https://{shop}/...
// (token exchange, refresh, GraphQL) and has no setting for another origin: customShopDomains
// and domainTransformations only change which host names count as shops, and keep https.
// What it does offer is the runtime adapter's fetch (setAbstractFetchFunc, the hook the
// cf-worker adapter itself uses), so we replace it with workerd's fetch plus one rewrite:
// inside withShopify() for an env that names an origin, https://{shop}/path goes to
// {origin}/path. The origin travels with the call (AsyncLocalStorage) rather than in a module
// variable, so a call for an env without an origin (production, and the test that proves
// it) is never redirected by a concurrent one that has one. globalThis.fetch is looked up per
// call so tests can watch outbound requests.
const adminOriginScope = new AsyncLocalStorage<string>();

setAbstractFetchFunc(async (input, init) => {
  const origin = adminOriginScope.getStore();
  const target = origin ? redirectToOrigin(input, origin) : input;
  return globalThis.fetch(target, init);
});

function redirectToOrigin(input: Parameters<typeof fetch>[0], origin: string): Parameters<typeof fetch>[0] {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.protocol !== "https:" || !SHOP_DOMAIN.test(url.host)) return input;
  const target = `${origin}${url.pathname}${url.search}`;
  return input instanceof Request ? new Request(target, input) : target;
}

/** Runs `call` with the library, its Admin API requests going where `env` says. */
export function withShopify<T>(env: EnvWithShopify & AdminOriginEnv, call: (api: ShopifyApi) => Promise<T>): Promise<T> {
  const api = shopify(env);
  const origin = adminOriginOverride(env);
  return origin ? adminOriginScope.run(origin, () => call(api)) : call(api);
}

/** The library's offline session for `shop`, as its clients want it. */
export function offlineSession(api: ShopifyApi, shop: string, accessToken: string): Session {
  return new Session({ id: api.session.getOfflineId(shop), shop, state: "", isOnline: false, accessToken });
}
