// The Admin GraphQL API for one shop: Shopify's client (shopify.clients.Graphql) with what it
// leaves to us on top: the shared cost bucket (ShopCoordinator), THROTTLED answers waited out by
// Shopify's own figures, passing failures retried with the project's backoff, a 401 met with
// one token refresh, and optional time budgets (a deadline for the whole call, a timeout for
// each HTTP attempt).
import { GraphqlQueryError, HttpResponseError, HttpThrottlingError } from "@shopify/shopify-api";
import { DEFAULT_RETRY, backoffDelayMs, type RetryPolicy } from "../../core/retry";
import type { ThrottleStatus } from "../../core/throttle";
import { shopCoordinator } from "../../durable-objects/stubs";
import { adminAccessToken, refreshedAccessToken } from "./admin-token";
import { offlineSession, withShopify, type ShopifyApi } from "./api";
import { passingFailure, sleep as realSleep } from "./failures";

/** A mutation's usual cost; the figure reserved before Shopify tells us the real one. */
export const DEFAULT_QUERY_COST = 10;
export const MAX_THROTTLED_RETRIES = 5;

export interface AdminGraphqlOptions {
  estimatedCost?: number;
  maxThrottledRetries?: number;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Epoch ms. No throttle wait, backoff or attempt goes past it: the call gives up with the
   * failure that made it wait, and an attempt still in flight then is abandoned as a timeout.
   * Default: no deadline.
   */
  deadline?: number;
  /** Each HTTP attempt is abandoned after this long; a "timeout", retried like a 5xx. Default: none. */
  attemptTimeoutMs?: number;
}

export interface AdminGraphqlResult<T> {
  data: T;
  throttleStatus: ThrottleStatus | null;
  /**
   * An earlier attempt (timed out, 5xx, connection lost) may have reached Shopify and done the
   * work: an answer that says it was not done (a userError) is then not the whole story.
   */
  earlierAttemptMayHaveReached: boolean;
}

export type AdminApiErrorKind = "graphql" | "throttled" | "http" | "timeout";

export class AdminApiError extends Error {
  override readonly name = "AdminApiError";
  /**
   * Whether the request may have reached Shopify and taken effect: some attempt timed out, lost
   * its connection or met a 5xx. False when every attempt was answered with "nothing done"
   * (THROTTLED, 429, 4xx, GraphQL errors) or never sent.
   */
  readonly ambiguous: boolean;
  readonly details?: unknown;
  constructor(
    readonly shop: string,
    readonly kind: AdminApiErrorKind,
    message: string,
    options: { ambiguous?: boolean; details?: unknown; cause?: unknown } = {},
  ) {
    super(`${shop}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.ambiguous = options.ambiguous ?? false;
    this.details = options.details;
  }
}

interface CostExtension {
  requestedQueryCost?: number;
  throttleStatus?: ThrottleStatus;
}

interface Failure {
  kind: AdminApiErrorKind;
  message: string;
  details?: unknown;
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
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? Number.POSITIVE_INFINITY;
  const coordinator = shopCoordinator(env, shop);
  let cost = options.estimatedCost ?? DEFAULT_QUERY_COST;
  let token = await adminAccessToken(env, shop);
  let refreshedAfter401 = false;
  let throttled = 0;
  let failures = 0;
  let lastFailure: Failure | null = null;
  // Once an attempt may have reached Shopify, whatever the later ones meet, it may have.
  let mayHaveReached = false;

  const giveUp = (failure: Failure, cause?: unknown) =>
    new AdminApiError(shop, failure.kind, failure.message, { ambiguous: mayHaveReached, details: failure.details, cause });
  const waitWithinDeadline = async (ms: number, failure: Failure) => {
    if (ms <= 0) return;
    if (Date.now() + ms > deadline) throw giveUp({ ...failure, message: `${failure.message}; the next try would come after the deadline` });
    await sleep(ms);
  };

  for (;;) {
    // After a THROTTLED answer this wait comes from the figures Shopify just reported.
    const { waitMs } = await coordinator.reserve(cost);
    await waitWithinDeadline(waitMs, { kind: "throttled", message: throttled > 0 ? `THROTTLED ${throttled} times` : "the shop's cost bucket is empty" });
    const timeoutMs = Math.min(attemptTimeoutMs, deadline - Date.now());
    if (timeoutMs <= 0) {
      throw giveUp(
        lastFailure
          ? { ...lastFailure, message: `${lastFailure.message}; the deadline passed before another try` }
          : { kind: "timeout", message: "the deadline passed before the request was sent" },
      );
    }

    const attempt = await withinTimeout(timeoutMs, (signal) =>
      withShopify(env, (api) => graphqlClient(api, shop, token).request<T>(query, { variables, retries: 0, signal })),
    );
    if (attempt.ok) {
      const response = attempt.value;
      const status = costOf(response.extensions)?.throttleStatus ?? null;
      if (status) await coordinator.observe(status);
      if (response.data === undefined) throw giveUp({ kind: "graphql", message: "Shopify answered without data" });
      return { data: response.data, throttleStatus: status, earlierAttemptMayHaveReached: mayHaveReached };
    }

    const { error } = attempt;
    let failure: Failure;
    let retryAfter: string | null = null;
    if (attempt.timedOut) {
      mayHaveReached = true;
      failure = { kind: "timeout", message: `no answer within ${timeoutMs} ms` };
    } else if (error instanceof HttpResponseError && error.response.code === 401 && !refreshedAfter401) {
      // The token expired early or was revoked: one refresh, one more try. A second 401
      // goes to the caller rather than round again.
      refreshedAfter401 = true;
      try {
        token = await refreshedAccessToken(env, shop, token);
      } catch (refreshError) {
        // The token error alone would hide that an earlier attempt may have done the work.
        if (mayHaveReached) throw giveUp({ kind: "http", message: "Shopify answered 401 and the token could not be refreshed" }, refreshError);
        throw refreshError;
      }
      continue;
    } else if (error instanceof GraphqlQueryError) {
      const reported = costOf(error.body?.extensions);
      if (reported?.throttleStatus) await coordinator.observe(reported.throttleStatus);
      if (!isThrottled(error)) throw giveUp({ kind: "graphql", message: error.message, details: error.body?.errors });
      if (throttled >= maxThrottled) throw giveUp({ kind: "throttled", message: `still THROTTLED after ${throttled} retries` });
      throttled++;
      cost = reported?.requestedQueryCost ?? cost;
      lastFailure = { kind: "throttled", message: `THROTTLED ${throttled} times` };
      continue;
    } else {
      const passing = passingFailure(error);
      if (!passing) {
        if (error instanceof HttpResponseError) {
          throw giveUp({ kind: "http", message: `Shopify answered ${error.response.code}`, details: error.response.body });
        }
        throw error;
      }
      retryAfter = passing.retryAfter;
      if (error instanceof HttpThrottlingError) {
        failure = { kind: "throttled", message: `Shopify answered ${error.response.code}`, details: error.response.body };
      } else {
        // A 5xx or a lost connection: Shopify may have done the work before it failed.
        mayHaveReached = true;
        failure =
          error instanceof HttpResponseError
            ? { kind: "http", message: `Shopify answered ${error.response.code}`, details: error.response.body }
            : { kind: "http", message: `network failure: ${String(error)}` };
      }
    }

    lastFailure = failure;
    if (failures >= policy.attempts - 1) throw giveUp(failure, error);
    await waitWithinDeadline(backoffDelayMs(policy, failures, retryAfter), failure);
    failures++;
  }
}

type Attempt<R> = { ok: true; value: R } | { ok: false; error: unknown; timedOut: boolean };

/** Runs `call`, aborting it (through the signal) after `ms`; timedOut says the abort was ours. */
async function withinTimeout<R>(ms: number, call: (signal: AbortSignal) => Promise<R>): Promise<Attempt<R>> {
  const controller = new AbortController();
  const timer = Number.isFinite(ms) ? setTimeout(() => controller.abort(), ms) : undefined;
  try {
    return { ok: true, value: await call(controller.signal) };
  } catch (error) {
    return { ok: false, error, timedOut: controller.signal.aborted };
  } finally {
    clearTimeout(timer);
  }
}

type GraphqlClient = InstanceType<ShopifyApi["clients"]["Graphql"]>;
// One client per shop and isolate, replaced when the shop's token changes (a refresh).
const clients = new Map<string, { api: ShopifyApi; token: string; client: GraphqlClient }>();
const MAX_CLIENTS = 1_000;

function graphqlClient(api: ShopifyApi, shop: string, token: string): GraphqlClient {
  const held = clients.get(shop);
  if (held && held.api === api && held.token === token) return held.client;
  if (!held && clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value!);
  const client = new api.clients.Graphql({ session: offlineSession(api, shop, token) });
  clients.set(shop, { api, token, client });
  return client;
}

function costOf(extensions: unknown): CostExtension | null {
  const cost = (extensions as { cost?: CostExtension } | undefined)?.cost;
  return cost && typeof cost === "object" ? cost : null;
}

function isThrottled(error: GraphqlQueryError): boolean {
  const graphQLErrors = (error.body?.errors as { graphQLErrors?: { extensions?: { code?: string } }[] } | undefined)?.graphQLErrors;
  return graphQLErrors?.some((e) => e.extensions?.code === "THROTTLED") ?? false;
}
