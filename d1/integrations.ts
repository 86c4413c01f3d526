// A shop's messaging providers in D1 (`integrations`): settings in the clear, keys and tokens as
// one sealed JSON object bound to the shop and provider (a ciphertext copied to another row
// does not open), the last connectivity check's outcome, and when a check was last asked for.
// The notifications pipeline reads integrationsFor (cached per isolate); the merchant routes,
// the check job and the sweeper use the rest.
import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import {
  configFrom,
  SECRET_BOUND_TO,
  SECRET_FIELDS,
  splitInput,
  type IntegrationInput,
  type IntegrationStatus,
  type MessagingProvider,
  type Secrets,
  type Settings,
} from "../core/integrations";
import { decryptText, encryptText, integrationSecretContext, keyring, type KeySource } from "../core/crypto";
import { TtlCache } from "../core/ttl-cache";
import type { CheckResult } from "../workers/providers";
import type { ProviderConfigs } from "../workers/providers/types";
import { d1 } from "./client";
import { integrations, shops } from "./schema";

type Row = typeof integrations.$inferSelect;

/** Each messaging provider's config, opened; null when not configured or turned off. */
export type IntegrationConfigs = { [P in MessagingProvider]: ProviderConfigs[P] | null };

/** What the merchant (and the admin console) may see of one integration: never a secret. */
export interface IntegrationView {
  provider: MessagingProvider;
  enabled: boolean;
  status: IntegrationStatus;
  checked_at: string | null;
  /** Since when the checks have failed without a success in between. */
  failing_since: string | null;
  last_error: { code: string; message: string } | null;
  /** Non-secret settings: sender addresses and numbers, Twilio's account SID. */
  settings: Settings;
  /** Names of the secrets stored (their values are never answered). */
  secrets_set: string[];
  revision: number;
  check_requested_at: string | null;
  updated_by: string;
  updated_at: string;
}

/** Why a save was refused; the route answers 400 with `code`. */
export class IntegrationInputError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const CACHE_TTL_MS = 10_000;
const cache = new TtlCache<IntegrationConfigs>(CACHE_TTL_MS);

/** Unchecked integrations whose check was asked for this long ago are asked again (a lost send). */
export const UNCHECKED_RETRY_MS = 10 * 60_000;
/** Every enabled integration is checked again this long after its last check was asked for. */
export const RECHECK_MS = 24 * 60 * 60_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toView(row: Row): IntegrationView {
  return {
    provider: row.provider,
    enabled: row.enabled,
    status: row.status,
    checked_at: iso(row.checkedAt),
    failing_since: iso(row.failingSince),
    last_error: row.lastErrorCode === null ? null : { code: row.lastErrorCode, message: row.lastErrorMessage ?? "" },
    settings: row.settings,
    secrets_set: [...SECRET_FIELDS[row.provider]],
    revision: row.revision,
    check_requested_at: iso(row.checkRequestedAt),
    updated_by: row.updatedBy,
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

async function openSecrets(env: KeySource, row: Pick<Row, "shop" | "provider" | "secretsEncrypted">): Promise<Secrets> {
  const opened = await decryptText(await keyring(env), row.secretsEncrypted, integrationSecretContext(row.shop, row.provider));
  return JSON.parse(opened) as Secrets;
}

/**
 * The shop's enabled integrations, secrets opened, for sending. Cached per isolate for 10 s
 * (a save clears this isolate's copy; others see it within the TTL). A failing check does not
 * take an integration out: the send itself says whether it works now.
 */
export function integrationsFor(env: Env, shop: string): Promise<IntegrationConfigs> {
  return cache.get(shop, async () => {
    const rows = await d1(env).select().from(integrations).where(and(eq(integrations.shop, shop), eq(integrations.enabled, true))).all();
    const configs: IntegrationConfigs = { sendgrid: null, twilio: null, postscript: null, klaviyo: null };
    for (const row of rows) (configs as Record<MessagingProvider, unknown>)[row.provider] = configFrom(row.provider, row.settings, await openSecrets(env, row));
    return configs;
  });
}

/** One integration read past the cache with its config opened (the check job), or null. */
export async function integrationForCheck<P extends MessagingProvider>(
  env: Env,
  shop: string,
  provider: P,
): Promise<{ config: ProviderConfigs[P]; revision: number; enabled: boolean } | null> {
  const row = await d1(env).select().from(integrations).where(and(eq(integrations.shop, shop), eq(integrations.provider, provider))).get();
  if (!row) return null;
  return { config: configFrom(provider, row.settings, await openSecrets(env, row)), revision: row.revision, enabled: row.enabled };
}

/** The shop's configured integrations, by provider. */
export async function integrationViews(env: Pick<Env, "DB">, shop: string): Promise<IntegrationView[]> {
  const rows = await d1(env).select().from(integrations).where(eq(integrations.shop, shop)).orderBy(asc(integrations.provider)).all();
  return rows.map(toView);
}

export async function integrationView(env: Pick<Env, "DB">, shop: string, provider: MessagingProvider): Promise<IntegrationView | null> {
  const row = await d1(env).select().from(integrations).where(and(eq(integrations.shop, shop), eq(integrations.provider, provider))).get();
  return row ? toView(row) : null;
}

/**
 * Saves the shop's settings for `provider` as a new revision, status back to unchecked (the
 * check it needs is asked for now: check_requested_at). Secrets left out keep the stored ones,
 * unless there are none yet or an account they belong to changes (IntegrationInputError
 * `secret_required`).
 */
export async function saveIntegration<P extends MessagingProvider>(
  env: Env,
  shop: string,
  provider: P,
  input: IntegrationInput<P>,
  updatedBy: string,
  now = Date.now(),
): Promise<{ before: IntegrationView | null; after: IntegrationView }> {
  const { settings, secrets, enabled } = splitInput(provider, input);
  const db = d1(env);
  const where = and(eq(integrations.shop, shop), eq(integrations.provider, provider));
  const before = await db.select().from(integrations).where(where).get();
  const reset = {
    settings,
    enabled,
    revision: sql`${integrations.revision} + 1`,
    status: "unchecked" as const,
    checkedAt: null,
    failingSince: null,
    lastErrorCode: null,
    lastErrorMessage: null,
    checkRequestedAt: now,
    updatedBy,
    updatedAt: now,
  };
  let saved: Row | undefined;
  if (secrets) {
    const { current } = await keyring(env);
    const sealed = await encryptText(current, JSON.stringify(secrets), integrationSecretContext(shop, provider));
    saved = await db
      .insert(integrations)
      .values({ shop, provider, settings, secretsEncrypted: sealed, enabled, status: "unchecked", checkRequestedAt: now, updatedBy, updatedAt: now, createdAt: now })
      .onConflictDoUpdate({ target: [integrations.shop, integrations.provider], set: { ...reset, secretsEncrypted: sealed } })
      .returning()
      .get();
  } else {
    const missing = SECRET_FIELDS[provider].join(", ");
    if (!before) throw new IntegrationInputError("secret_required", `${missing}: required when connecting ${provider}`);
    const moved = SECRET_BOUND_TO[provider].filter((field) => (before.settings[field] ?? null) !== (settings[field] ?? null));
    if (moved.length > 0) throw new IntegrationInputError("secret_required", `${missing}: required when ${moved.join(", ")} changes`);
    // The account the stored secret belongs to must still be the one saved (a racing save may have moved it).
    const sameAccount: SQL[] = SECRET_BOUND_TO[provider].map((field) => sql`json_extract(${integrations.settings}, ${`$.${field}`}) IS ${settings[field] ?? null}`);
    saved = await db
      .update(integrations)
      .set(reset)
      .where(and(where, ...sameAccount))
      .returning()
      .get();
    if (!saved) throw new IntegrationInputError("secret_required", `${missing}: required (the integration changed or was removed meanwhile)`);
  }
  cache.delete(shop);
  return { before: before ? toView(before) : null, after: toView(saved!) };
}

/** Removes the shop's integration; what it was, or null when there was none. */
export async function deleteIntegration(env: Pick<Env, "DB">, shop: string, provider: MessagingProvider): Promise<IntegrationView | null> {
  const removed = await d1(env)
    .delete(integrations)
    .where(and(eq(integrations.shop, shop), eq(integrations.provider, provider)))
    .returning()
    .get();
  cache.delete(shop);
  return removed ? toView(removed) : null;
}

/** Notes that a check was asked for (now); the row as it stands, or null when not configured. */
export async function markCheckRequested(env: Pick<Env, "DB">, shop: string, provider: MessagingProvider, now = Date.now()): Promise<IntegrationView | null> {
  const row = await d1(env)
    .update(integrations)
    .set({ checkRequestedAt: now })
    .where(and(eq(integrations.shop, shop), eq(integrations.provider, provider)))
    .returning()
    .get();
  return row ? toView(row) : null;
}

/**
 * Stores a check's outcome, if the integration is still at `revision` (a check of a replaced
 * configuration says nothing about the current one). A failure keeps the streak's start
 * (failing_since), a success ends it. Returns the streak's start when this check failed and
 * was recorded, so the caller tells the merchant once per streak.
 */
export async function recordCheck(
  env: Pick<Env, "DB">,
  shop: string,
  provider: MessagingProvider,
  revision: number,
  result: CheckResult,
): Promise<{ recorded: boolean; failingSince: number | null }> {
  const checkedAt = Date.parse(result.checked_at) || Date.now();
  const failed = !result.ok;
  const row = await d1(env)
    .update(integrations)
    .set({
      status: failed ? "failing" : "ok",
      checkedAt,
      failingSince: failed ? sql`COALESCE(${integrations.failingSince}, ${checkedAt})` : null,
      lastErrorCode: failed ? (result.error?.code ?? "unknown") : null,
      // Bounded: a provider's message is short, but it is shown in the dashboard and the console.
      lastErrorMessage: failed ? (result.error?.message ?? "the check failed").slice(0, 500) : null,
    })
    .where(and(eq(integrations.shop, shop), eq(integrations.provider, provider), eq(integrations.revision, revision)))
    .returning({ failingSince: integrations.failingSince })
    .get();
  return { recorded: row !== undefined, failingSince: row?.failingSince ?? null };
}

/**
 * Enabled integrations of installed shops due a check: unchecked ones whose check was asked for
 * over UNCHECKED_RETRY_MS ago (its job lost), every other one RECHECK_MS after the last ask.
 * Claims them (check_requested_at = now) so the next tick does not ask again.
 */
export async function claimIntegrationsDue(env: Pick<Env, "DB">, limit: number, now = Date.now()): Promise<{ shop: string; provider: MessagingProvider; revision: number }[]> {
  const due = sql`COALESCE(${integrations.checkRequestedAt}, 0) < CASE WHEN ${integrations.status} = 'unchecked' THEN ${now - UNCHECKED_RETRY_MS} ELSE ${now - RECHECK_MS} END`;
  const candidates = await d1(env)
    .select({ shop: integrations.shop, provider: integrations.provider, requested: integrations.checkRequestedAt })
    .from(integrations)
    .innerJoin(shops, and(eq(shops.domain, integrations.shop), eq(shops.status, "installed")))
    .where(and(eq(integrations.enabled, true), due))
    .orderBy(asc(integrations.checkRequestedAt))
    .limit(limit)
    .all();
  const claimed: { shop: string; provider: MessagingProvider; revision: number }[] = [];
  for (const c of candidates) {
    // Compare-and-set on the ask time: a concurrent sweep or save that claimed it first wins.
    const row = await d1(env)
      .update(integrations)
      .set({ checkRequestedAt: now })
      .where(
        and(
          eq(integrations.shop, c.shop),
          eq(integrations.provider, c.provider),
          c.requested === null ? sql`${integrations.checkRequestedAt} IS NULL` : eq(integrations.checkRequestedAt, c.requested),
        ),
      )
      .returning({ revision: integrations.revision })
      .get();
    if (row) claimed.push({ shop: c.shop, provider: c.provider, revision: row.revision });
  }
  return claimed;
}

export interface IntegrationHealthRow extends Omit<IntegrationView, "settings" | "secrets_set" | "updated_by"> {
  shop: string;
}

/**
 * Every shop's integrations and their health, for the admin console (GET
 * /admin/integrations/health): failing ones first, then by shop and provider. No settings and
 * no secrets: a sender address or number is the merchant's business.
 */
export async function integrationHealth(
  env: Pick<Env, "DB">,
  options: { shop?: string; status?: IntegrationStatus; page: number; per_page: number },
): Promise<{ integrations: IntegrationHealthRow[]; total: number; page: number; per_page: number }> {
  const filters: SQL[] = [];
  if (options.shop !== undefined) filters.push(eq(integrations.shop, options.shop));
  if (options.status !== undefined) filters.push(eq(integrations.status, options.status));
  const where = filters.length ? and(...filters) : undefined;
  const db = d1(env);
  const [rows, count] = await Promise.all([
    db
      .select()
      .from(integrations)
      .where(where)
      .orderBy(desc(sql`${integrations.status} = 'failing'`), asc(integrations.shop), asc(integrations.provider))
      .limit(options.per_page)
      .offset((options.page - 1) * options.per_page)
      .all(),
    db.select({ n: sql<number>`count(*)` }).from(integrations).where(where).get(),
  ]);
  return {
    integrations: rows.map((row) => {
      const { settings: _s, secrets_set: _n, updated_by: _u, ...view } = toView(row);
      return { shop: row.shop, ...view };
    }),
    total: count?.n ?? 0,
    page: options.page,
    per_page: options.per_page,
  };
}
