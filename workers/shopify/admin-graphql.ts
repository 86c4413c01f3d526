// The Admin GraphQL API for one shop: Shopify's client (shopify.clients.Graphql) with what it
// leaves to us on top: the shared cost bucket (ShopCoordinator), THROTTLED answers waited out by
// Shopify's own figures, passing failures retried with the project's backoff, and a 401 met
// with one token refresh.
import { GraphqlQueryError, HttpResponseError } from "@shopify/shopify-api";
import { DEFAULT_RETRY, backoffDelayMs, type RetryPolicy } from "../../core/retry";
import type { ThrottleStatus } from "../../core/throttle";
import { shopCoordinator } from "../../durable-objects/stubs";
import { adminAccessToken, refreshedAccessToken } from "./admin-token";
import { offlineSession, withShopify } from "./api";
import { passingFailure, sleep as realSleep } from "./failures";

/** A mutation's usual cost; the figure reserved before Shopify tells us the real one. */
export const DEFAULT_QUERY_COST = 10;
export const MAX_THROTTLED_RETRIES = 5;

export interface AdminGraphqlOptions {
  estimatedCost?: number;
  maxThrottledRetries?: number;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
}

export interface AdminGraphqlResult<T> {
  data: T;
  throttleStatus: ThrottleStatus | null;
}

export class AdminApiError extends Error {
  override readonly name = "AdminApiError";
  constructor(
    readonly shop: string,
    readonly kind: "graphql" | "throttled" | "http",
    message: string,
    readonly details?: unknown,
  ) {
    super(`${shop}: ${message}`);
  }
}

interface CostExtension {
  requestedQueryCost?: number;
  throttleStatus?: ThrottleStatus;
}

export async function adminGraphql<T = Record<string, unknown>>(
  env: Env,
  shop: string,
  query: string,
  variables?: Record<string, unknown>,
  options: AdminGraphqlOptions = {},
): Promise<AdminGraphqlResult<T>> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? realSleep;
  const maxThrottled = options.maxThrottledRetries ?? MAX_THROTTLED_RETRIES;
  const coordinator = shopCoordinator(env, shop);
  let cost = options.estimatedCost ?? DEFAULT_QUERY_COST;
  let token = await adminAccessToken(env, shop);
  let refreshedAfter401 = false;
  let throttled = 0;
  let failures = 0;

  for (;;) {
    // After a THROTTLED answer this wait comes from the figures Shopify just reported.
    const { waitMs } = await coordinator.reserve(cost);
    if (waitMs > 0) await sleep(waitMs);
    try {
      const response = await withShopify(env, (api) =>
        new api.clients.Graphql({ session: offlineSession(api, shop, token) }).request<T>(query, { variables, retries: 0 }),
      );
      const status = costOf(response.extensions)?.throttleStatus ?? null;
      if (status) await coordinator.observe(status);
      if (response.data === undefined) throw new AdminApiError(shop, "graphql", "Shopify answered without data");
      return { data: response.data, throttleStatus: status };
    } catch (error) {
      if (error instanceof HttpResponseError && error.response.code === 401 && !refreshedAfter401) {
        // The token expired early or was revoked: one refresh, one more try. A second 401
        // goes to the caller rather than round again.
        refreshedAfter401 = true;
        token = await refreshedAccessToken(env, shop, token);
        continue;
      }
      if (error instanceof GraphqlQueryError) {
        const reported = costOf(error.body?.extensions);
        if (reported?.throttleStatus) await coordinator.observe(reported.throttleStatus);
        if (!isThrottled(error)) throw new AdminApiError(shop, "graphql", error.message, error.body?.errors);
        if (throttled >= maxThrottled) throw new AdminApiError(shop, "throttled", `still THROTTLED after ${throttled} retries`);
        throttled++;
        cost = reported?.requestedQueryCost ?? cost;
        continue;
      }
      const passing = passingFailure(error);
      if (passing && failures < policy.attempts - 1) {
        await sleep(backoffDelayMs(policy, failures, passing.retryAfter));
        failures++;
        continue;
      }
      if (error instanceof HttpResponseError) {
        throw new AdminApiError(shop, "http", `Shopify answered ${error.response.code}`, error.response.body);
      }
      throw error;
    }
  }
}

function costOf(extensions: unknown): CostExtension | null {
  const cost = (extensions as { cost?: CostExtension } | undefined)?.cost;
  return cost && typeof cost === "object" ? cost : null;
}

function isThrottled(error: GraphqlQueryError): boolean {
  const graphQLErrors = (error.body?.errors as { graphQLErrors?: { extensions?: { code?: string } }[] } | undefined)?.graphQLErrors;
  return graphQLErrors?.some((e) => e.extensions?.code === "THROTTLED") ?? false;
}
