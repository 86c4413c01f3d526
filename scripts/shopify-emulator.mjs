// A stand-in for the Shopify Admin API in dev and tests, checking requests as Shopify does:
// token exchange and refresh (client credentials, session token), access tokens on GraphQL,
// the discount mutations LoyalNest sends and the lookup of a discount by its code, the discount
// Function's automatic app discount and the app-owned metafields (discountAutomaticAppCreate,
// discountNodes, discountAutomaticDelete, metafieldsSet, metafieldsDelete), access scopes, and
// the cost-based throttle per shop. Faults can be queued per shop (5xx, THROTTLED, a user error,
// a connection dropped without an answer) to drive the app's failure handling. Billing: the
// app subscriptions of plans (appSubscriptionCreate, appSubscriptionCancel,
// currentAppInstallation { activeSubscriptions }), approved or declined by a merchant through
// the confirmation URL or a control request. The app's installation (currentAppInstallation { id
// metafield(namespace:, key:) }) owns the app-data metafields a theme app extension reads
// (`app.metafields`), written with metafieldsSet by the shop's own installation only. The shop
// itself (`shop { currencyCode … }`), whose currency a control request sets (default USD).
// It recognises those operations by name; it is not a GraphQL server.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { readDevVars } from "./dev-vars.mjs";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
const OFFLINE_TOKEN = "urn:shopify:params:oauth:token-type:offline-access-token";
const ACCESS_TOKEN_TTL_S = 3600;
// Shopify's refresh tokens for expiring offline tokens last 90 days and rotate on every use.
const REFRESH_TOKEN_TTL_S = 90 * 24 * 3600;
const SESSION_TOKEN_LEEWAY_S = 10;
const INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)";
const MUTATIONS = {
  discountCodeBasicCreate: "basicCodeDiscount",
  discountCodeFreeShippingCreate: "freeShippingCodeDiscount",
};
const LOOKUP = "codeDiscountNodeByCode";
const LOOKUP_COST = 1;
// The discount Function's operations: each with its argument and the scope Shopify requires.
const FUNCTION_OPERATIONS = {
  discountAutomaticAppCreate: { argument: "automaticAppDiscount", scope: "write_discounts" },
  discountAutomaticDelete: { argument: "id", scope: "write_discounts" },
  discountNodes: { argument: "query", scope: "read_discounts" },
  metafieldsSet: { argument: "metafields", scope: null }, // the owner's scope, checked per owner
  metafieldsDelete: { argument: "metafields", scope: null },
};
const CODE_OPERATIONS = [...Object.keys(MUTATIONS), LOOKUP];
const DISCOUNT_OPERATIONS = [...CODE_OPERATIONS, ...Object.keys(FUNCTION_OPERATIONS)];
// Billing needs no access scope: every app may bill the shops that installed it.
const BILLING_OPERATIONS = ["appSubscriptionCreate", "appSubscriptionCancel", "currentAppInstallation"];
// `shop { … }`: the shop's own fields, readable with any scope.
const SHOP_QUERY = "shop";
const SHOP_FIELDS = ["id", "name", "myshopifyDomain", "currencyCode"];
const OPERATIONS = [...DISCOUNT_OPERATIONS, ...BILLING_OPERATIONS, SHOP_QUERY];
/** Operations selected as a bare field (`name {`), the rest take arguments (`name(`). */
const FIELD_OPERATIONS = ["currentAppInstallation", SHOP_QUERY];
const PRICING_INTERVALS = ["EVERY_30_DAYS", "ANNUAL"];
const CONFIRM_PATH = /^\/admin\/charges\/([^/]+)\/(\d+)\/RecurringApplicationCharge\/confirm_recurring_application_charge$/;
// The app's deployed functions (`shopify app deploy`): handle -> id, as shopifyFunctions lists them.
const DEFAULT_FUNCTIONS = { "loyalnest-vip-discount": "gid://shopify/ShopifyFunction/01JLOYALNESTVIPDISCOUNT0001" };
// An app's own installation needs no scope: its app-data metafields are the app's alone.
const OWNER_SCOPES = { Customer: "write_customers", DiscountAutomaticNode: "write_discounts", AppInstallation: null };
const METAFIELD_TYPES = ["json", "single_line_text_field"];
const MAX_METAFIELDS_PER_SET = 25;
// stale_search (discountNodes only): Shopify's search index has not caught up, nothing is listed.
const FAULT_MODES = ["http_500", "throttled", "user_error", "timeout", "stale_search"];
const DEFAULT_HOLD_MS = 30_000;

/**
 * `accessTokens` pre-issues tokens (`{ [token]: shop }`, non-expiring), e.g. the seeded demo
 * shop's. `bucket` and `mutationCost` shape the throttle (Shopify Standard: 1000, 100/s).
 */
export async function startShopifyEmulator({
  port = 8788,
  host = "127.0.0.1",
  apiKey,
  apiSecret,
  scopes = "read_orders,write_customers,write_discounts",
  accessTokens = {},
  functions = DEFAULT_FUNCTIONS,
  bucket = { maximumAvailable: 1000, restoreRate: 100 },
  mutationCost = 10,
} = {}) {
  if (!apiKey || !apiSecret) throw new Error("startShopifyEmulator needs apiKey and apiSecret");
  const tokens = new Map(Object.entries(accessTokens).map(([token, shop]) => [token, { shop, expiresAt: null, scopes }]));
  const refreshTokens = new Map();
  // Refresh tokens already used once: refused like any unknown token, but still attributed to
  // their shop in the request log so a test can see a double spend.
  const spentRefreshTokens = new Map();
  const buckets = new Map();
  const requests = [];
  const discounts = [];
  // The discount Function's automatic app discounts and every metafield set, per shop.
  const automaticDiscounts = [];
  const metafields = [];
  // Ids only grow: Shopify never hands out a deleted object's id again.
  const nextId = { discount: 2_000_000_000, metafield: 3_000_000_000, subscription: 4_000_000_000, installation: 5_000_000_000 };
  // shop -> the app's installation gid there, given on first ask (one installation per shop).
  const installations = new Map();
  const installationOf = (shop) => {
    if (!installations.has(shop)) installations.set(shop, `gid://shopify/AppInstallation/${++nextId.installation}`);
    return installations.get(shop);
  };
  // shop -> its currency (ISO 4217), as the merchant set it in the store's settings.
  const shopCurrencies = new Map();
  // App subscriptions (billing), every shop's, oldest first.
  const subscriptions = [];
  let origin = "";
  // shop -> faults still to be met, in order
  const faults = new Map();
  // timers of requests held without an answer (timeout faults)
  const held = new Set();

  function issueToken(shop, { expiring = true } = {}) {
    const access_token = `shpat_${randomBytes(16).toString("hex")}`;
    tokens.set(access_token, { shop, expiresAt: expiring ? Date.now() + ACCESS_TOKEN_TTL_S * 1000 : null, scopes });
    if (!expiring) return { access_token, scope: scopes };
    const refresh_token = `shprt_${randomBytes(16).toString("hex")}`;
    refreshTokens.set(refresh_token, { shop, expiresAt: Date.now() + REFRESH_TOKEN_TTL_S * 1000 });
    return { access_token, expires_in: ACCESS_TOKEN_TTL_S, refresh_token, refresh_token_expires_in: REFRESH_TOKEN_TTL_S, scope: scopes };
  }

  function verifySessionToken(jwt) {
    const [header, payload, signature, extra] = String(jwt ?? "").split(".");
    if (!header || !payload || !signature || extra !== undefined) return null;
    if (decodeSegment(header)?.alg !== "HS256") return null;
    const expected = createHmac("sha256", apiSecret).update(`${header}.${payload}`).digest("base64url");
    if (!sameSecret(signature, expected)) return null;
    const claims = decodeSegment(payload);
    const now = Date.now() / 1000;
    if (!claims || claims.aud !== apiKey) return null;
    if (!(claims.exp + SESSION_TOKEN_LEEWAY_S > now) || claims.nbf - SESSION_TOKEN_LEEWAY_S > now) return null;
    const shop = /^https:\/\/([a-z0-9][a-z0-9-]*\.myshopify\.com)$/.exec(claims.dest ?? "")?.[1];
    return shop ?? null;
  }

  /** Answers `[status, body, shop]`; the shop (when known) is for the request log only. */
  function oauth(params) {
    if (!sameSecret(params.client_id, apiKey) || !sameSecret(params.client_secret, apiSecret)) {
      return [401, { error: "invalid_client", error_description: "Client credentials are invalid" }, null];
    }
    if (params.grant_type === TOKEN_EXCHANGE) {
      if (params.subject_token_type !== ID_TOKEN) return [...oauthError("subject_token_type must be " + ID_TOKEN), null];
      if (params.requested_token_type !== OFFLINE_TOKEN) return [...oauthError("requested_token_type must be " + OFFLINE_TOKEN), null];
      const shop = verifySessionToken(params.subject_token);
      if (!shop) return [400, { error: "invalid_subject_token", error_description: "Session token is invalid or expired" }, null];
      return [200, issueToken(shop, { expiring: String(params.expiring) === "1" }), shop];
    }
    if (params.grant_type === "refresh_token") {
      const entry = refreshTokens.get(params.refresh_token);
      // Rotation: a refresh token works once; the answer carries its successor.
      refreshTokens.delete(params.refresh_token);
      if (!entry || entry.expiresAt <= Date.now()) {
        const shop = entry?.shop ?? spentRefreshTokens.get(params.refresh_token) ?? null;
        return [400, { error: "invalid_grant", error_description: "Refresh token is invalid, expired or already used" }, shop];
      }
      spentRefreshTokens.set(params.refresh_token, entry.shop);
      return [200, issueToken(entry.shop), entry.shop];
    }
    return [400, { error: "unsupported_grant_type", error_description: `grant_type ${params.grant_type}` }, null];
  }

  /** Restores the shop's bucket, then spends `cost` when it fits; returns the status to report. */
  function charge(shop, cost) {
    const now = Date.now();
    const state = buckets.get(shop) ?? { available: bucket.maximumAvailable, at: now };
    const available = Math.min(bucket.maximumAvailable, state.available + ((now - state.at) / 1000) * bucket.restoreRate);
    const fits = available >= cost;
    buckets.set(shop, { available: fits ? available - cost : available, at: now });
    const throttleStatus = {
      maximumAvailable: bucket.maximumAvailable,
      currentlyAvailable: Math.floor(fits ? available - cost : available),
      restoreRate: bucket.restoreRate,
    };
    return { fits, cost: { requestedQueryCost: cost, actualQueryCost: fits ? cost : null, throttleStatus } };
  }

  function throttledAnswer(cost) {
    const throttled = { message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } };
    return { status: 200, body: { errors: [throttled], extensions: { cost } } };
  }

  /** The queued fault the shop's next `operation` request meets, if any (consumed in order). */
  function takeFault(shop, operation) {
    const queue = faults.get(shop) ?? [];
    // A fault that names no operation meets the next discount-code request (a redemption's create
    // or lookup), never the discount Function's publishing, which gets only the faults naming it.
    const index = queue.findIndex((fault) => (fault.operation ? fault.operation === operation : CODE_OPERATIONS.includes(operation)));
    if (index === -1) return null;
    const fault = queue[index];
    fault.remaining--;
    if (fault.remaining <= 0) queue.splice(index, 1);
    return fault;
  }

  /** The answer `{ status, body, operation, fault?, holdMs? }` to one GraphQL request of `shop`. */
  function graphql(shop, body, granted) {
    if (typeof body?.query !== "string") return { status: 400, body: { errors: { query: "Required parameter missing or invalid" } } };
    const operation = OPERATIONS.find((name) => new RegExp(`\\b${name}\\s*${FIELD_OPERATIONS.includes(name) ? "\\{" : "\\("}`).test(body.query));
    if (!operation) {
      return { status: 200, body: { errors: [{ message: `emulator: only ${OPERATIONS.join(", ")} are answered` }] } };
    }
    const fault = takeFault(shop, operation);
    const run = () => ({ operation, ...answerOperation(shop, operation, body, granted) });
    if (!fault) return run();
    const injected = { operation, fault: fault.mode };
    if (fault.mode === "throttled") {
      const cost = operation === LOOKUP ? LOOKUP_COST : mutationCost;
      // Shopify's answer when the bucket is dry: nothing done, the status shows it empty.
      return { ...injected, ...throttledAnswer({ requestedQueryCost: cost, actualQueryCost: null, throttleStatus: { ...bucket, restoreRate: fault.restoreRate, currentlyAvailable: 0 } }) };
    }
    if (fault.mode === "stale_search") {
      if (operation !== "discountNodes") return { ...injected, status: 200, body: { errors: [{ message: "emulator: stale_search applies to discountNodes only" }] } };
      const answered = run();
      if (answered.body?.data?.discountNodes) answered.body.data.discountNodes.nodes = [];
      return { ...answered, ...injected };
    }
    if (fault.mode === "user_error") {
      if (operation === "appSubscriptionCreate" || operation === "appSubscriptionCancel") {
        const userErrors = [{ field: [operation === "appSubscriptionCreate" ? "name" : "id"], message: "Invalid input (injected by the emulator)" }];
        return { ...injected, status: 200, body: { data: { [operation]: { appSubscription: null, ...(operation === "appSubscriptionCreate" ? { confirmationUrl: null } : {}), userErrors } } } };
      }
      if (operation === LOOKUP || operation === "discountNodes" || FIELD_OPERATIONS.includes(operation)) {
        return { ...injected, status: 200, body: { errors: [{ message: `Invalid value for ${operation} (injected by the emulator)`, extensions: { code: "BAD_REQUEST" } }] } };
      }
      if (MUTATIONS[operation]) {
        const userErrors = [{ field: [MUTATIONS[operation], "code"], code: "INVALID", message: "Code is invalid (injected by the emulator)" }];
        return { ...injected, status: 200, body: { data: { [operation]: { codeDiscountNode: null, userErrors } } } };
      }
      const userErrors = [{ field: [FUNCTION_OPERATIONS[operation].argument], code: "INVALID", message: "Invalid input (injected by the emulator)" }];
      return { ...injected, status: 200, body: { data: { [operation]: { ...EMPTY_PAYLOADS[operation], userErrors } } } };
    }
    // http_500 and timeout: with createThenFail the work is done first and only the answer is
    // lost, as when Shopify commits and the response never arrives.
    if (fault.createThenFail) run();
    if (fault.mode === "timeout") return { ...injected, holdMs: fault.holdMs };
    return { ...injected, status: 500, body: { errors: "Internal Server Error" } };
  }

  function answerOperation(shop, operation, body, granted) {
    if (operation === SHOP_QUERY) return shopFields(shop, body);
    if (BILLING_OPERATIONS.includes(operation)) return billing(shop, operation, body);
    if (operation === LOOKUP) return lookup(shop, body);
    if (MUTATIONS[operation]) return create(shop, operation, body);
    const { argument, scope } = FUNCTION_OPERATIONS[operation];
    if (scope && !hasScope(granted, scope)) return accessDenied(operation, scope);
    const args = argumentsOf(body, operation);
    if (!(argument in args)) {
      return { status: 200, body: { errors: [{ message: `Field '${operation}' is missing required arguments: ${argument} (pass it as a variable)`, extensions: { code: "missingRequiredArguments" } }] } };
    }
    if (operation === "discountNodes") return listDiscountNodes(shop, body, args);
    const { fits, cost } = charge(shop, mutationCost);
    if (!fits) return throttledAnswer(cost);
    const payload = {
      discountAutomaticAppCreate: () => createAutomaticAppDiscount(shop, args.automaticAppDiscount),
      discountAutomaticDelete: () => deleteAutomaticDiscount(shop, args.id),
      metafieldsSet: () => setMetafields(shop, args.metafields, granted),
      metafieldsDelete: () => deleteMetafields(shop, args.metafields, granted),
    }[operation]();
    if (payload.denied) return accessDenied(operation, payload.denied);
    return { status: 200, body: { data: { [operation]: payload }, extensions: { cost } } };
  }

  /** `shop { … }` with the fields the emulator models; any other field is refused as Shopify refuses an unknown one. */
  function shopFields(shop, body) {
    const selection = /\bshop\s*\{([^{}]*)\}/.exec(body.query)?.[1] ?? "";
    const fields = selection.split(/[\s,]+/).filter(Boolean);
    const unknown = fields.find((field) => !SHOP_FIELDS.includes(field));
    if (fields.length === 0 || unknown) {
      const message = unknown ? `Field '${unknown}' doesn't exist on type 'Shop'` : "Selections can't be made on an empty selection set";
      return { status: 200, body: { errors: [{ message: `${message} (the emulator answers ${SHOP_FIELDS.join(", ")})`, extensions: { code: unknown ? "undefinedField" : "selectionMismatch" } }] } };
    }
    const { fits, cost } = charge(shop, 1);
    if (!fits) return throttledAnswer(cost);
    const all = { id: `gid://shopify/Shop/${shop.length * 1_000_003}`, name: shop.split(".")[0], myshopifyDomain: shop, currencyCode: shopCurrencies.get(shop) ?? "USD" };
    return { status: 200, body: { data: { shop: Object.fromEntries(fields.map((field) => [field, all[field]])) }, extensions: { cost } } };
  }

  /** appSubscriptionCreate, appSubscriptionCancel, currentAppInstallation, checked as Shopify checks them. */
  function billing(shop, operation, body) {
    if (operation === "currentAppInstallation") {
      const { fits, cost } = charge(shop, 2);
      if (!fits) return throttledAnswer(cost);
      const activeSubscriptions = subscriptions.filter((x) => x.shop === shop && x.status === "ACTIVE").map(publicSubscription);
      const id = installationOf(shop);
      const selected = /\bmetafield\s*\(\s*namespace\s*:\s*"([^"]+)"\s*,\s*key\s*:\s*"([^"]+)"\s*\)/.exec(body.query);
      const found = selected ? metafields.find((m) => m.shop === shop && m.ownerId === id && m.namespace === selected[1] && m.key === selected[2]) : undefined;
      const metafield = selected ? { metafield: found ? { namespace: found.namespace, key: found.key, type: found.type, value: found.value } : null } : {};
      return { status: 200, body: { data: { currentAppInstallation: { id, activeSubscriptions, ...metafield } }, extensions: { cost } } };
    }
    const args = argumentsOf(body, operation);
    const required = operation === "appSubscriptionCreate" ? ["name", "returnUrl", "lineItems"] : ["id"];
    const missing = required.filter((name) => !(name in args));
    if (missing.length > 0) {
      return { status: 200, body: { errors: [{ message: `Field '${operation}' is missing required arguments: ${missing.join(", ")} (pass them as variables)`, extensions: { code: "missingRequiredArguments" } }] } };
    }
    const { fits, cost } = charge(shop, mutationCost);
    if (!fits) return throttledAnswer(cost);
    if (operation === "appSubscriptionCancel") {
      const found = subscriptions.find((x) => x.shop === shop && x.id === args.id);
      const userErrors = !found
        ? [{ field: ["id"], message: "Couldn't find RecurringApplicationCharge" }]
        : found.status !== "ACTIVE"
          ? [{ field: ["id"], message: `Subscription is ${found.status.toLowerCase()}, only an active subscription can be cancelled` }]
          : [];
      if (userErrors.length === 0) found.status = "CANCELLED";
      return { status: 200, body: { data: { appSubscriptionCancel: { appSubscription: userErrors.length === 0 ? publicSubscription(found) : null, userErrors } }, extensions: { cost } } };
    }
    const userErrors = validateSubscription(args);
    if (userErrors.length > 0) return { status: 200, body: { data: { appSubscriptionCreate: { appSubscription: null, confirmationUrl: null, userErrors } }, extensions: { cost } } };
    const number = ++nextId.subscription;
    const created = {
      shop,
      id: `gid://shopify/AppSubscription/${number}`,
      name: args.name,
      status: "PENDING",
      test: args.test === true,
      returnUrl: args.returnUrl,
      lineItems: args.lineItems,
      createdAt: new Date().toISOString(),
    };
    subscriptions.push(created);
    // Shopify's is https://{shop}/admin/charges/{app}/{id}/RecurringApplicationCharge/confirm_recurring_application_charge?signature=…;
    // here it is the emulator's own, where a GET approves it (the merchant's click).
    const confirmationUrl = `${origin}/admin/charges/${encodeURIComponent(apiKey)}/${number}/RecurringApplicationCharge/confirm_recurring_application_charge?shop=${encodeURIComponent(shop)}&signature=${randomBytes(8).toString("hex")}`;
    return { status: 200, body: { data: { appSubscriptionCreate: { appSubscription: publicSubscription(created), confirmationUrl, userErrors: [] } }, extensions: { cost } } };
  }

  /** The merchant approves (ACTIVE; the shop's active subscription it replaces is CANCELLED) or declines. Answers what changed. */
  function decideSubscription(shop, id, approve) {
    const found = subscriptions.find((x) => x.shop === shop && (x.id === id || x.id.endsWith(`/${id}`)));
    if (!found) return [404, { errors: `no subscription ${id} for ${shop}` }];
    if (found.status !== "PENDING") return [409, { errors: `subscription ${found.id} is ${found.status}, not PENDING` }];
    const changed = [];
    if (approve) {
      for (const other of subscriptions) {
        if (other.shop === shop && other.status === "ACTIVE") {
          other.status = "CANCELLED";
          changed.push(publicSubscription(other));
        }
      }
    }
    found.status = approve ? "ACTIVE" : "DECLINED";
    changed.push(publicSubscription(found));
    return [200, { subscriptions: changed, returnUrl: found.returnUrl }];
  }

  function accessDenied(operation, scope) {
    const message = `Access denied for ${operation} field. Required access: \`${scope}\` access scope.`;
    return { status: 200, body: { errors: [{ message, extensions: { code: "ACCESS_DENIED", requiredAccess: scope } }] } };
  }

  function createAutomaticAppDiscount(shop, input) {
    const errors = [];
    const error = (path, code, message) => errors.push({ field: ["automaticAppDiscount", ...path.map(String)], code, message });
    if (!input || typeof input !== "object") {
      error([], "BLANK", "Automatic app discount can't be blank");
      return { automaticAppDiscount: null, userErrors: errors };
    }
    if (!input.title) error(["title"], "BLANK", "Title can't be blank");
    if ((input.functionId == null) === (input.functionHandle == null)) {
      error(["functionHandle"], "INVALID", "Exactly one of functionId or functionHandle must be provided");
    } else if (input.functionHandle != null && !(input.functionHandle in functions)) {
      error(["functionHandle"], "INVALID", `Function ${input.functionHandle} not found. Ensure that it is released in the current app and has not been deleted.`);
    } else if (input.functionId != null && !Object.values(functions).includes(input.functionId)) {
      error(["functionId"], "INVALID", `Function ${input.functionId} not found.`);
    }
    const classes = input.discountClasses;
    if (!Array.isArray(classes) || classes.length === 0) error(["discountClasses"], "BLANK", "Discount classes can't be blank");
    else if (classes.some((c) => !["ORDER", "PRODUCT", "SHIPPING"].includes(c)) || new Set(classes).size !== classes.length) {
      error(["discountClasses"], "INVALID", "Discount classes must be distinct values of ORDER, PRODUCT, SHIPPING");
    }
    if (input.startsAt == null) error(["startsAt"], "BLANK", "Starts at can't be blank");
    validateDates(input, error);
    if (input.combinesWith != null) {
      for (const [name, value] of Object.entries(input.combinesWith)) {
        if (!["productDiscounts", "orderDiscounts", "shippingDiscounts"].includes(name) || typeof value !== "boolean") {
          error(["combinesWith", name], "INVALID", `combinesWith.${name} must be one of productDiscounts, orderDiscounts, shippingDiscounts with a boolean`);
        }
      }
    }
    const inline = input.metafields ?? [];
    if (!Array.isArray(inline)) error(["metafields"], "INVALID", "Metafields must be a list");
    else inline.forEach((m, i) => validateMetafield(m, (path, code, message) => error(["metafields", i, ...path], code, message), { needsOwner: false }));
    if (errors.length > 0) return { automaticAppDiscount: null, userErrors: errors };
    const discountId = `gid://shopify/DiscountAutomaticNode/${++nextId.discount}`;
    automaticDiscounts.push({ shop, discountId, input, createdAt: new Date().toISOString() });
    for (const m of inline) writeMetafield(shop, { ...m, ownerId: discountId });
    return { automaticAppDiscount: { discountId, title: input.title, status: "ACTIVE" }, userErrors: [] };
  }

  function deleteAutomaticDiscount(shop, id) {
    const index = automaticDiscounts.findIndex((d) => d.shop === shop && d.discountId === id);
    if (index === -1) return { deletedAutomaticDiscountId: null, userErrors: [{ field: ["id"], code: "INVALID", message: "Discount does not exist" }] };
    automaticDiscounts.splice(index, 1);
    // The discount's metafields go with it.
    for (let i = metafields.length - 1; i >= 0; i--) if (metafields[i].shop === shop && metafields[i].ownerId === id) metafields.splice(i, 1);
    return { deletedAutomaticDiscountId: id, userErrors: [] };
  }

  function listDiscountNodes(shop, body, args) {
    const first = args.first;
    if (!Number.isInteger(first) || first < 1 || first > 250) {
      return { status: 200, body: { errors: [{ message: "discountNodes: first must be between 1 and 250 (pass it as a variable)", extensions: { code: "BAD_REQUEST" } }] } };
    }
    const filters = {};
    for (const term of String(args.query ?? "").split(/\s+(?:AND\s+)?/).filter((t) => t && t !== "AND")) {
      const match = /^(method|type):(\w+)$/.exec(term);
      if (!match) return { status: 200, body: { errors: [{ message: `emulator: discountNodes models only method: and type: filters, not ${term}`, extensions: { code: "BAD_REQUEST" } }] } };
      filters[match[1]] = match[2];
    }
    const { fits, cost } = charge(shop, Math.min(first, 50) + 2);
    if (!fits) return throttledAnswer(cost);
    const selected = /\bmetafield\s*\(\s*namespace\s*:\s*"([^"]+)"\s*,\s*key\s*:\s*"([^"]+)"\s*\)/.exec(body.query);
    const automatic = automaticDiscounts
      .filter((d) => d.shop === shop)
      .map((d) => ({ id: d.discountId, method: "automatic", type: "app", discount: { __typename: "DiscountAutomaticApp", title: d.input.title, discountClasses: d.input.discountClasses } }));
    const codes = discounts
      .filter((d) => d.shop === shop)
      .map((d) => ({ id: d.id, method: "code", type: d.operation === "discountCodeFreeShippingCreate" ? "free_shipping" : "basic", discount: { __typename: d.operation === "discountCodeFreeShippingCreate" ? "DiscountCodeFreeShipping" : "DiscountCodeBasic", title: d.input.title } }));
    const nodes = [...automatic, ...codes]
      .filter((n) => (filters.method ? n.method === filters.method : true) && (filters.type ? n.type === filters.type : true))
      .slice(0, first)
      .map(({ id, discount }) => {
        const found = selected ? metafields.find((m) => m.shop === shop && m.ownerId === id && m.namespace === selected[1] && m.key === selected[2]) : undefined;
        return { id, discount, ...(selected ? { metafield: found ? { namespace: found.namespace, key: found.key, type: found.type, value: found.value } : null } : {}) };
      });
    return { status: 200, body: { data: { discountNodes: { nodes } }, extensions: { cost } } };
  }

  function ownerError(shop, ownerId, granted) {
    const type = /^gid:\/\/shopify\/(\w+)\/\d+$/.exec(String(ownerId ?? ""))?.[1];
    if (!type || !(type in OWNER_SCOPES)) return { code: "INVALID", message: `emulator: owner ${ownerId} is not a Customer, DiscountAutomaticNode or AppInstallation gid` };
    if (OWNER_SCOPES[type] && !hasScope(granted, OWNER_SCOPES[type])) return { denied: OWNER_SCOPES[type] };
    // Another app's (or shop's) installation is not ours to write.
    if (type === "AppInstallation" && ownerId !== installationOf(shop)) return { code: "INVALID", message: "Owner does not exist" };
    if (type === "DiscountAutomaticNode" && !automaticDiscounts.some((d) => d.shop === shop && d.discountId === ownerId)) {
      return { code: "INVALID", message: "Owner does not exist" };
    }
    return null;
  }

  function setMetafields(shop, list, granted) {
    const errors = [];
    if (!Array.isArray(list) || list.length === 0) errors.push({ field: ["metafields"], code: "BLANK", message: "Metafields can't be blank" });
    else if (list.length > MAX_METAFIELDS_PER_SET) errors.push({ field: ["metafields"], code: "LESS_THAN_OR_EQUAL_TO", message: `Exceeded the maximum metafields input limit of ${MAX_METAFIELDS_PER_SET}` });
    else {
      for (const [i, m] of list.entries()) {
        const error = (path, code, message) => errors.push({ field: ["metafields", String(i), ...path.map(String)], code, message, elementIndex: i });
        const owner = ownerError(shop, m?.ownerId, granted);
        if (owner?.denied) return { metafields: null, userErrors: [], denied: owner.denied };
        if (owner) error(["ownerId"], owner.code, owner.message);
        validateMetafield(m, error, { needsOwner: true });
        const existing = metafields.find((x) => x.shop === shop && x.ownerId === m?.ownerId && x.namespace === m?.namespace && x.key === m?.key);
        if (existing && m?.type && existing.type !== m.type) error(["type"], "INVALID_TYPE", `Type can't be changed from ${existing.type} to ${m.type}`);
      }
    }
    // All or nothing, as Shopify: one invalid metafield means none is written.
    if (errors.length > 0) return { metafields: null, userErrors: errors };
    return { metafields: list.map((m) => writeMetafield(shop, m)), userErrors: [] };
  }

  function deleteMetafields(shop, list, granted) {
    if (!Array.isArray(list) || list.length === 0) return { deletedMetafields: null, userErrors: [{ field: ["metafields"], code: "BLANK", message: "Metafields can't be blank" }] };
    const errors = [];
    for (const [i, m] of list.entries()) {
      const owner = ownerError(shop, m?.ownerId, granted);
      if (owner?.denied) return { deletedMetafields: null, userErrors: [], denied: owner.denied };
      if (owner && owner.message !== "Owner does not exist") errors.push({ field: ["metafields", String(i), "ownerId"], code: owner.code, message: owner.message });
      if (typeof m?.namespace !== "string" || typeof m?.key !== "string") errors.push({ field: ["metafields", String(i)], code: "BLANK", message: "namespace and key are required" });
    }
    if (errors.length > 0) return { deletedMetafields: null, userErrors: errors };
    // A metafield that is not there is answered null, not an error: deleting is idempotent.
    const deletedMetafields = list.map((m) => {
      const index = metafields.findIndex((x) => x.shop === shop && x.ownerId === m.ownerId && x.namespace === m.namespace && x.key === m.key);
      if (index === -1) return null;
      metafields.splice(index, 1);
      return { ownerId: m.ownerId, namespace: m.namespace, key: m.key };
    });
    return { deletedMetafields, userErrors: [] };
  }

  function writeMetafield(shop, m) {
    const now = new Date().toISOString();
    const existing = metafields.find((x) => x.shop === shop && x.ownerId === m.ownerId && x.namespace === m.namespace && x.key === m.key);
    if (existing) {
      existing.value = m.value;
      existing.updatedAt = now;
      return publicMetafield(existing);
    }
    const created = { shop, id: `gid://shopify/Metafield/${++nextId.metafield}`, ownerId: m.ownerId, namespace: m.namespace, key: m.key, type: m.type, value: m.value, createdAt: now, updatedAt: now };
    metafields.push(created);
    return publicMetafield(created);
  }

  function create(shop, operation, body) {
    const argument = MUTATIONS[operation];
    const variable = new RegExp(`\\b${operation}\\s*\\(\\s*${argument}\\s*:\\s*\\$(\\w+)`).exec(body.query)?.[1];
    const input = variable ? body.variables?.[variable] : undefined;
    if (!input || typeof input !== "object") {
      return { status: 200, body: { errors: [{ message: `Field '${operation}' is missing required arguments: ${argument} (pass it as a variable)`, extensions: { code: "missingRequiredArguments" } }] } };
    }
    const { fits, cost } = charge(shop, mutationCost);
    if (!fits) return throttledAnswer(cost);
    const userErrors = validateDiscount(operation, argument, input, findDiscount(shop, input.code) !== undefined);
    let codeDiscountNode = null;
    if (userErrors.length === 0) {
      codeDiscountNode = { id: `gid://shopify/DiscountCodeNode/${1_000_000_000 + discounts.length + 1}` };
      discounts.push({ shop, id: codeDiscountNode.id, code: input.code, operation, input, createdAt: new Date().toISOString() });
    }
    return { status: 200, body: { data: { [operation]: { codeDiscountNode, userErrors } }, extensions: { cost } } };
  }

  function lookup(shop, body) {
    const argument = new RegExp(`\\b${LOOKUP}\\s*\\(\\s*code\\s*:\\s*(?:\\$(\\w+)|"((?:[^"\\\\]|\\\\.)*)")`).exec(body.query);
    const code = argument?.[1] !== undefined ? body.variables?.[argument[1]] : argument?.[2] !== undefined ? JSON.parse(`"${argument[2]}"`) : undefined;
    if (typeof code !== "string") {
      return { status: 200, body: { errors: [{ message: `Field '${LOOKUP}' is missing required arguments: code`, extensions: { code: "missingRequiredArguments" } }] } };
    }
    const { fits, cost } = charge(shop, LOOKUP_COST);
    if (!fits) return throttledAnswer(cost);
    const found = findDiscount(shop, code);
    return { status: 200, body: { data: { [LOOKUP]: found ? { id: found.id } : null }, extensions: { cost } } };
  }

  /** Codes are unique per shop regardless of case, and found regardless of case. */
  function findDiscount(shop, code) {
    const wanted = String(code ?? "").toLowerCase();
    return discounts.find((d) => d.shop === shop && String(d.code).toLowerCase() === wanted);
  }

  /** The answer `{ status, body, shop, operation?, fault?, holdMs? }` to one request to the Shopify side. */
  function answer(method, path, headers, body) {
    if (method === "POST" && path === "/admin/oauth/access_token") {
      const [status, answerBody, shop] = oauth(body ?? {});
      return { status, body: answerBody, shop };
    }
    if (/^\/admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/.test(path) && method === "POST") {
      const entry = tokens.get(headers["x-shopify-access-token"]);
      if (!entry || (entry.expiresAt !== null && entry.expiresAt <= Date.now())) return { status: 401, body: { errors: INVALID_TOKEN }, shop: entry?.shop ?? null };
      return { ...graphql(entry.shop, body, entry.scopes), shop: entry.shop };
    }
    return { status: 404, body: { errors: "Not Found" }, shop: null };
  }

  /** A queued fault from a control request's body, or a string saying what is wrong with it. */
  function parseFault(text) {
    let spec;
    try {
      spec = JSON.parse(text || "{}");
    } catch {
      return "the body must be JSON";
    }
    const { mode, times = 1, operation = null, holdMs = DEFAULT_HOLD_MS, createThenFail = false, restoreRate = bucket.restoreRate } = spec ?? {};
    if (!FAULT_MODES.includes(mode)) return `mode must be one of ${FAULT_MODES.join(", ")}`;
    if (!Number.isInteger(times) || times < 0) return "times must be a whole number (0 = until cleared)";
    if (operation !== null && !OPERATIONS.includes(operation)) return `operation must be one of ${OPERATIONS.join(", ")}`;
    if (!Number.isInteger(holdMs) || holdMs < 0) return "holdMs must be a whole number of milliseconds";
    if (typeof createThenFail !== "boolean") return "createThenFail must be a boolean";
    if (typeof restoreRate !== "number" || !(restoreRate > 0)) return "restoreRate must be a positive number of points a second";
    return { mode, remaining: times === 0 ? Number.POSITIVE_INFINITY : times, operation, holdMs, createThenFail, restoreRate };
  }

  /**
   * Not Shopify: the emulator's own controls, for tests running inside workerd that cannot
   * reach this process's memory. All take `?shop=`.
   * - `GET /__emulator/requests`: what the shop's requests were and how they were answered
   *   (with the operation and any fault injected).
   * - `POST /__emulator/expire-access-tokens`: an hour passes for the shop's access tokens
   *   (Shopify then answers 401).
   * - `POST /__emulator/faults` with `{ mode: "http_500" | "throttled" | "user_error" | "timeout"
   *   | "stale_search" (discountNodes lists nothing, as before the search index catches up),
   *   times?: 1 (0 = until cleared), operation?: a discount operation's name (default: any),
   *   holdMs?: 30000 (timeout: how long the connection is held before it is dropped),
   *   createThenFail?: false (http_500, timeout: the discount is created, then the answer lost),
   *   restoreRate?: the bucket's (throttled: the restore rate the answer reports, so the wait
   *   it implies can be made long) }`
   *   queues a fault; the shop's matching requests meet queued faults in order.
   *   `DELETE /__emulator/faults` clears the shop's queue.
   * - `POST /__emulator/shop` with `{ currencyCode: "EUR" }`: the store's currency from now on
   *   (`shop { currencyCode }`; USD until set).
   * - `GET /__emulator/discounts`: `{ discounts: [{ id, code, operation, input, createdAt }] }`.
   * - `POST /__emulator/scopes` with `{ scopes: "read_orders,..." }`: the shop's tokens carry
   *   these scopes from now on (Shopify answers ACCESS_DENIED beyond them).
   * - `GET /__emulator/automatic-discounts`: `{ discounts: [{ discountId, input, createdAt }] }`
   *   (discountAutomaticAppCreate's, oldest first).
   * - `GET /__emulator/metafields`: `{ metafields: [{ id, ownerId, namespace, key, type, value,
   *   createdAt, updatedAt }] }`, optionally `&ownerId=` for one owner's.
   */
  function control(method, url, text) {
    const shop = url.searchParams.get("shop");
    if (!shop) return [400, { errors: "shop is required" }];
    if (method === "GET" && url.pathname === "/__emulator/requests") {
      return [200, { requests: requests.filter((r) => r.shop === shop).map(({ headers: _h, body: _b, ...summary }) => summary) }];
    }
    if (method === "POST" && url.pathname === "/__emulator/expire-access-tokens") {
      let expired = 0;
      for (const entry of tokens.values()) {
        if (entry.shop === shop && entry.expiresAt !== null) {
          entry.expiresAt = Date.now() - 1;
          expired++;
        }
      }
      return [200, { expired }];
    }
    if (method === "POST" && url.pathname === "/__emulator/scopes") {
      // The scopes the shop's merchant approved, as on an install from before a scope was added.
      let scopesGranted;
      try {
        scopesGranted = JSON.parse(text || "{}").scopes;
      } catch {
        return [400, { errors: "the body must be JSON" }];
      }
      if (typeof scopesGranted !== "string") return [400, { errors: "scopes must be a comma-separated string" }];
      let changed = 0;
      for (const entry of tokens.values()) {
        if (entry.shop === shop) {
          entry.scopes = scopesGranted;
          changed++;
        }
      }
      return [200, { changed }];
    }
    if (method === "POST" && url.pathname === "/__emulator/shop") {
      // The merchant changes the store's currency in its settings.
      let currencyCode;
      try {
        currencyCode = JSON.parse(text || "{}").currencyCode;
      } catch {
        return [400, { errors: "the body must be JSON" }];
      }
      if (typeof currencyCode !== "string" || !/^[A-Z]{3}$/.test(currencyCode)) return [400, { errors: "currencyCode must be an ISO 4217 code, e.g. EUR" }];
      shopCurrencies.set(shop, currencyCode);
      return [200, { currencyCode }];
    }
    if (url.pathname === "/__emulator/faults" && method === "POST") {
      const fault = parseFault(text);
      if (typeof fault === "string") return [400, { errors: fault }];
      const queue = faults.get(shop) ?? [];
      queue.push(fault);
      faults.set(shop, queue);
      return [200, { queued: queue.length }];
    }
    if (url.pathname === "/__emulator/faults" && method === "DELETE") {
      const cleared = faults.get(shop)?.length ?? 0;
      faults.delete(shop);
      return [200, { cleared }];
    }
    if (method === "GET" && url.pathname === "/__emulator/automatic-discounts") {
      return [200, { discounts: automaticDiscounts.filter((d) => d.shop === shop).map(({ shop: _s, ...discount }) => discount) }];
    }
    if (method === "GET" && url.pathname === "/__emulator/metafields") {
      const ownerId = url.searchParams.get("ownerId");
      return [200, { metafields: metafields.filter((m) => m.shop === shop && (ownerId === null || m.ownerId === ownerId)).map(publicMetafield) }];
    }
    if (method === "GET" && url.pathname === "/__emulator/subscriptions") {
      return [200, { subscriptions: subscriptions.filter((x) => x.shop === shop).map(publicSubscription) }];
    }
    if (method === "POST" && (url.pathname === "/__emulator/subscriptions/approve" || url.pathname === "/__emulator/subscriptions/decline")) {
      return decideSubscription(shop, url.searchParams.get("id") ?? "", url.pathname.endsWith("/approve"));
    }
    if (method === "GET" && url.pathname === "/__emulator/discounts") {
      return [200, { discounts: discounts.filter((d) => d.shop === shop).map(({ shop: _s, ...discount }) => discount) }];
    }
    return [404, { errors: "Not Found" }];
  }

  /** A request that never gets an answer: the connection is held, then dropped. */
  function holdThenDrop(req, holdMs) {
    const socket = req.socket;
    const timer = setTimeout(() => socket.destroy(), holdMs);
    held.add(timer);
    socket.once("close", () => {
      clearTimeout(timer);
      held.delete(timer);
    });
  }

  async function handle(req, res) {
    const url = new URL(req.url, "http://emulator");
    const text = await readBody(req);
    if (url.pathname.startsWith("/__emulator/")) return send(res, ...control(req.method, url, text));
    const confirm = CONFIRM_PATH.exec(url.pathname);
    if (req.method === "GET" && confirm) {
      // The merchant's approval at the confirmation URL; Shopify then sends them to the return URL.
      const [status, answered] = decideSubscription(url.searchParams.get("shop") ?? "", confirm[2], true);
      if (status !== 200) return send(res, status, answered);
      const to = new URL(answered.returnUrl);
      to.searchParams.set("charge_id", confirm[2]);
      res.writeHead(302, { location: to.toString() });
      return res.end();
    }
    const body = parseBody(text, req.headers["content-type"]);
    const answered = answer(req.method, url.pathname, req.headers, body);
    const dropped = answered.holdMs !== undefined;
    requests.push({
      at: Date.now(),
      method: req.method,
      path: url.pathname,
      shop: answered.shop,
      grantType: url.pathname === "/admin/oauth/access_token" ? (body?.grant_type ?? null) : null,
      operation: answered.operation ?? null,
      fault: answered.fault ?? null,
      // null: no answer was sent (a timeout fault).
      status: dropped ? null : answered.status,
      errorCode: dropped ? null : (answered.body?.errors?.[0]?.extensions?.code ?? answered.body?.error ?? null),
      headers: req.headers,
      body: body ?? text,
    });
    if (dropped) return holdThenDrop(req, answered.holdMs);
    return send(res, answered.status, answered.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, { errors: String(error) }));
  });
  await new Promise((ready, fail) => server.once("error", fail).listen(port, host, ready));
  origin = `http://${host}:${server.address().port}`;
  return {
    url: `http://${host}:${server.address().port}`,
    requests,
    discounts,
    automaticDiscounts,
    metafields,
    subscriptions,
    issueToken,
    close: () => new Promise((done) => {
      for (const timer of held) clearTimeout(timer);
      held.clear();
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const gid = (type) => new RegExp(`^gid://shopify/${type}/\\d+$`);
const positiveDecimal = (value) => typeof value === "string" && /^\d+(\.\d+)?$/.test(value) && Number(value) > 0;
const EMPTY_PAYLOADS = {
  discountAutomaticAppCreate: { automaticAppDiscount: null },
  discountAutomaticDelete: { deletedAutomaticDiscountId: null },
  metafieldsSet: { metafields: null },
  metafieldsDelete: { deletedMetafields: null },
};

function publicSubscription({ shop: _shop, returnUrl: _returnUrl, lineItems: _lineItems, ...subscription }) {
  return subscription;
}

/** Shopify's userErrors for appSubscriptionCreate's arguments (recurring pricing only: LoyalNest bills no usage). */
function validateSubscription(args) {
  const errors = [];
  const error = (field, message) => errors.push({ field, message });
  if (typeof args.name !== "string" || args.name.trim() === "") error(["name"], "Name can't be blank");
  let returnUrl = null;
  try {
    returnUrl = new URL(String(args.returnUrl));
  } catch {}
  if (!returnUrl || !["https:", "http:"].includes(returnUrl.protocol)) error(["returnUrl"], "Return url is not a valid URL");
  if (args.test !== undefined && args.test !== null && typeof args.test !== "boolean") error(["test"], "Test must be a boolean");
  const items = args.lineItems;
  if (!Array.isArray(items) || items.length === 0) {
    error(["lineItems"], "Line items can't be blank");
    return errors;
  }
  if (items.length > 2) error(["lineItems"], "A subscription can have at most 2 line items");
  items.forEach((item, i) => {
    const plan = item?.plan;
    const recurring = plan?.appRecurringPricingDetails;
    if (!plan || (recurring == null) === (plan.appUsagePricingDetails == null)) {
      error(["lineItems", String(i), "plan"], "Exactly one of appRecurringPricingDetails or appUsagePricingDetails is required");
      return;
    }
    if (!recurring) {
      error(["lineItems", String(i), "plan", "appUsagePricingDetails"], "emulator: usage pricing is not modelled");
      return;
    }
    const amount = recurring.price?.amount;
    if (!(typeof amount === "number" || typeof amount === "string") || !/^\d+(\.\d{1,2})?$/.test(String(amount)) || !(Number(amount) > 0)) {
      error(["lineItems", String(i), "plan", "appRecurringPricingDetails", "price", "amount"], "Price must be greater than 0");
    }
    if (!/^[A-Z]{3}$/.test(String(recurring.price?.currencyCode ?? ""))) {
      error(["lineItems", String(i), "plan", "appRecurringPricingDetails", "price", "currencyCode"], "Currency code is invalid");
    }
    if (recurring.interval != null && !PRICING_INTERVALS.includes(recurring.interval)) {
      error(["lineItems", String(i), "plan", "appRecurringPricingDetails", "interval"], `Interval must be one of ${PRICING_INTERVALS.join(", ")}`);
    }
  });
  return errors;
}

/** write_x grants read_x too, as Shopify's scopes do. */
function hasScope(granted, needed) {
  const list = String(granted ?? "").split(",").map((s) => s.trim());
  return list.includes(needed) || (needed.startsWith("read_") && list.includes(`write_${needed.slice(5)}`));
}

/** The operation's arguments, each given as a variable (`name: $var`) or an integer literal. */
function argumentsOf(body, operation) {
  const text = new RegExp(`\\b${operation}\\s*\\(([^)]*)\\)`).exec(body.query)?.[1] ?? "";
  const args = {};
  for (const [, name, variable, integer] of text.matchAll(/(\w+)\s*:\s*(?:\$(\w+)|(\d+))/g)) {
    if (variable !== undefined && body.variables && variable in body.variables) args[name] = body.variables[variable];
    else if (integer !== undefined) args[name] = Number(integer);
  }
  return args;
}

/** Shopify's rules for a metafield input (MetafieldsSetInput, or MetafieldInput inline on a discount). */
function validateMetafield(m, error, { needsOwner }) {
  if (!m || typeof m !== "object") {
    error([], "BLANK", "Metafield can't be blank");
    return;
  }
  if (needsOwner && !m.ownerId) error(["ownerId"], "BLANK", "Owner can't be blank");
  // An app-reserved namespace ($app or $app:<name>), or 3-255 letters, digits, hyphens, underscores.
  const namespace = String(m.namespace ?? "");
  if (!/^\$app(:[A-Za-z0-9_-]{1,250})?$/.test(namespace) && !/^[A-Za-z0-9_-]{3,255}$/.test(namespace)) {
    error(["namespace"], "INVALID", "Namespace must be 3-255 characters: letters, digits, hyphens and underscores (or $app:<name>)");
  }
  if (!/^[A-Za-z0-9_-]{2,64}$/.test(String(m.key ?? ""))) error(["key"], "INVALID", "Key must be 2-64 characters: letters, digits, hyphens and underscores");
  if (!METAFIELD_TYPES.includes(m.type)) error(["type"], "INVALID_TYPE", `emulator: type must be one of ${METAFIELD_TYPES.join(", ")}`);
  if (typeof m.value !== "string") error(["value"], "BLANK", "Value can't be blank");
  else if (m.type === "json") {
    try {
      JSON.parse(m.value);
    } catch {
      error(["value"], "INVALID_VALUE", "Value is invalid JSON");
    }
  } else if (m.type === "single_line_text_field" && (m.value.length === 0 || /[\r\n]/.test(m.value))) {
    error(["value"], "INVALID_VALUE", "Value must be a single line of text");
  }
}

function publicMetafield({ shop: _shop, ...m }) {
  return m;
}

/** Shopify's userErrors for a discount input, each with its field path from the argument down. */
function validateDiscount(operation, argument, input, codeTaken) {
  const errors = [];
  const error = (path, code, message) => errors.push({ field: [argument, ...path.map(String)], code, message });
  if (!input.title) error(["title"], "BLANK", "Title can't be blank");
  if (!input.code) error(["code"], "BLANK", "Code can't be blank");
  else if (codeTaken) error(["code"], "TAKEN", "Code must be unique. Please try a different code.");
  validateBuyers(input, error);
  if (input.usageLimit != null && !(Number.isInteger(input.usageLimit) && input.usageLimit > 0)) {
    error(["usageLimit"], "GREATER_THAN", "Usage limit must be greater than 0");
  }
  validateDates(input, error);
  const subtotal = input.minimumRequirement?.subtotal?.greaterThanOrEqualToSubtotal;
  if (subtotal != null && !positiveDecimal(subtotal)) {
    error(["minimumRequirement", "subtotal", "greaterThanOrEqualToSubtotal"], "GREATER_THAN", "Minimum subtotal must be a decimal greater than 0");
  }
  if (operation === "discountCodeBasicCreate") validateCustomerGets(input.customerGets, error);
  else validateShipping(input, error);
  return errors;
}

function validateBuyers(input, error) {
  if (input.context != null && input.customerSelection != null) {
    error(["customerSelection"], "INVALID", "Only one of context or customerSelection can be provided");
    return;
  }
  if (input.context == null && input.customerSelection == null) {
    error(["context"], "BLANK", "Context can't be blank");
    return;
  }
  const customers = input.context?.customers;
  if (customers == null) return;
  if (!Array.isArray(customers.add) || customers.add.length === 0) {
    error(["context", "customers", "add"], "BLANK", "Customers can't be blank");
    return;
  }
  customers.add.forEach((id, i) => {
    if (typeof id !== "string" || !gid("Customer").test(id)) error(["context", "customers", "add", i], "INVALID", `Invalid customer id: ${id}`);
  });
}

function validateDates(input, error) {
  const parse = (field) => {
    const value = input[field];
    if (value == null) return null;
    const at = typeof value === "string" && ISO_DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) error([field], "INVALID", `${field} must be an ISO 8601 date and time`);
    return at;
  };
  const startsAt = parse("startsAt");
  const endsAt = parse("endsAt");
  if (endsAt !== null && !Number.isNaN(endsAt) && !Number.isNaN(startsAt) && endsAt <= (startsAt ?? Date.now())) {
    error(["endsAt"], "INVALID", "Ends at needs to be after starts_at");
  }
}

function validateCustomerGets(gets, error) {
  if (gets == null) {
    error(["customerGets"], "BLANK", "Customer gets can't be blank");
    return;
  }
  const value = gets.value ?? {};
  const kinds = ["discountAmount", "percentage", "discountOnQuantity"].filter((kind) => value[kind] != null);
  if (kinds.length === 0) error(["customerGets", "value"], "BLANK", "Customer gets value can't be blank");
  else if (kinds.length > 1) error(["customerGets", "value"], "INVALID", "Only one of discountAmount, percentage or discountOnQuantity can be provided");
  else if (kinds[0] === "percentage" && !(typeof value.percentage === "number" && value.percentage > 0 && value.percentage <= 1)) {
    error(["customerGets", "value", "percentage"], "VALUE_OUTSIDE_RANGE", "Percentage must be between 0 and 1");
  } else if (kinds[0] === "discountAmount" && !positiveDecimal(value.discountAmount.amount)) {
    error(["customerGets", "value", "discountAmount", "amount"], "GREATER_THAN", "Amount must be a decimal greater than 0");
  } else if (kinds[0] === "discountOnQuantity") {
    error(["customerGets", "value", "discountOnQuantity"], "INVALID", "emulator: discountOnQuantity is not modelled");
  }

  const items = gets.items;
  if (items == null) {
    error(["customerGets", "items"], "BLANK", "Items can't be blank");
  } else if (items.all === true) {
    if (items.products != null || items.collections != null) error(["customerGets", "items"], "INVALID", "Only one of all, products or collections can be provided");
  } else if (items.products != null) {
    const variants = items.products.productVariantsToAdd ?? [];
    const products = items.products.productsToAdd ?? [];
    if (variants.length === 0 && products.length === 0) error(["customerGets", "items", "products"], "BLANK", "Products can't be blank");
    variants.forEach((id, i) => {
      if (typeof id !== "string" || !gid("ProductVariant").test(id)) error(["customerGets", "items", "products", "productVariantsToAdd", i], "INVALID", `Invalid product variant id: ${id}`);
    });
    products.forEach((id, i) => {
      if (typeof id !== "string" || !gid("Product").test(id)) error(["customerGets", "items", "products", "productsToAdd", i], "INVALID", `Invalid product id: ${id}`);
    });
  } else {
    error(["customerGets", "items"], "INVALID", "Items must be all: true or products (the emulator models no collections)");
  }
}

function validateShipping(input, error) {
  const destination = input.destination;
  if (destination == null) error(["destination"], "BLANK", "Destination can't be blank");
  else if (destination.all !== true && destination.countries == null) error(["destination"], "INVALID", "Destination must be all countries or a list of countries");
  if (input.maximumShippingPrice != null && !positiveDecimal(input.maximumShippingPrice)) {
    error(["maximumShippingPrice"], "GREATER_THAN", "Maximum shipping price must be a decimal greater than 0");
  }
}

function oauthError(description) {
  return [400, { error: "invalid_request", error_description: description }];
}

function sameSecret(given, expected) {
  const a = Buffer.from(String(given ?? ""));
  const b = Buffer.from(String(expected));
  return a.length === b.length && timingSafeEqual(a, b);
}

function decodeSegment(segment) {
  try {
    return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    return null;
  }
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(text, contentType = "") {
  if (contentType.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const vars = readDevVars();
  const emulator = await startShopifyEmulator({
    port: Number(process.argv[2] ?? process.env.SHOPIFY_EMULATOR_PORT ?? 8788),
    apiKey: process.env.SHOPIFY_API_KEY ?? vars.SHOPIFY_API_KEY,
    apiSecret: process.env.SHOPIFY_API_SECRET ?? vars.SHOPIFY_API_SECRET,
  });
  console.log(`Shopify emulator on ${emulator.url}`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => emulator.close());
}
