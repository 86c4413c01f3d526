// Bonus campaigns in D1: the current row of each campaign and every change as a version (who,
// when, the campaign as it then was), written in one batch. Nothing is deleted: an order earned
// during a campaign can always be traced to it, and ending one is a change like any other.
import { and, count, desc, eq, gt, isNull, lte, or, sql } from "drizzle-orm";
import { campaignInput, endedAt, newCampaignId, type Campaign, type CampaignInput } from "../core/campaigns";
import { tierIdsOf } from "../core/simulate";
import { TtlCache } from "../core/ttl-cache";
import { d1 } from "./client";
import { campaignVersions, campaigns, shops } from "./schema";
import { shopTiers } from "./vip-tiers";

const CACHE_TTL_MS = 10_000;
/**
 * Earning reads campaigns that have not ended or ended less than this long ago: an order is
 * judged at the time it was placed, and its orders/paid may reach us (or leave the parked inbox)
 * days later.
 */
export const EARNING_LOOKBACK_MS = 30 * 86_400_000;
/** Campaigns that earning reads (not ended, or ended within the lookback) per shop, at most. */
export const MAX_LIVE_CAMPAIGNS = 100;

const earningCache = new TtlCache<Campaign[]>(CACHE_TTL_MS);

type CampaignRow = typeof campaigns.$inferSelect;
type ChangeKind = (typeof campaignVersions.$inferInsert)["change"];

function toCampaign(row: CampaignRow): Campaign {
  return {
    ...row.campaign,
    id: row.id,
    version: row.version,
    ended_at: row.endedAt === null ? null : new Date(row.endedAt).toISOString(),
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

/** Times in UTC ISO form, whatever offset the merchant wrote them with. */
function normalized(input: CampaignInput): CampaignInput {
  return {
    ...input,
    starts_at: new Date(input.starts_at).toISOString(),
    ends_at: input.ends_at === null ? null : new Date(input.ends_at).toISOString(),
  };
}

function columns(input: CampaignInput) {
  return {
    kind: input.kind,
    campaign: input,
    startsAt: Date.parse(input.starts_at),
    endsAt: input.ends_at === null ? null : Date.parse(input.ends_at),
  };
}

export class CampaignError extends Error {
  constructor(
    readonly code: "campaign_not_found" | "version_conflict" | "too_many_campaigns" | "unknown_tier_id" | "campaign_ended",
    message: string,
  ) {
    super(message);
  }
}

/** Every campaign of the shop, ended ones included, newest first. */
/** A page of the shop's campaigns, ended ones included, newest first; with how many there are. */
export async function listCampaigns(env: Env, shop: string, page: { page: number; perPage: number }): Promise<{ campaigns: Campaign[]; total: number }> {
  const db = d1(env);
  const [rows, [counted]] = await Promise.all([
    db
      .select()
      .from(campaigns)
      .where(eq(campaigns.shop, shop))
      .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
      .limit(page.perPage)
      .offset((page.page - 1) * page.perPage)
      .all(),
    db.select({ total: count() }).from(campaigns).where(eq(campaigns.shop, shop)).all(),
  ]);
  return { campaigns: rows.map(toCampaign), total: counted?.total ?? 0 };
}

function liveSince(now: number) {
  return or(isNull(campaigns.endsAt), gt(campaigns.endsAt, now - EARNING_LOOKBACK_MS));
}

/**
 * What earning needs (an order's campaigns are judged at its placed time): campaigns not ended
 * or ended within EARNING_LOOKBACK_MS, through this isolate's cache (writes here show at once,
 * elsewhere within 10 s).
 */
export function campaignsForEarning(env: Env, shop: string): Promise<Campaign[]> {
  return earningCache.get(shop, async () => {
    const rows = await d1(env).select().from(campaigns).where(and(eq(campaigns.shop, shop), liveSince(Date.now()))).all();
    return rows.map(toCampaign);
  });
}

/**
 * The shop's campaigns not over at `now` (open-ended, or ending after it), read fresh rather
 * than through the cache: what the discount Function's configuration is built from.
 */
export async function campaignsNotOverAt(env: Env, shop: string, now: number): Promise<Campaign[]> {
  const rows = await d1(env)
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.shop, shop), or(isNull(campaigns.endsAt), gt(campaigns.endsAt, now))))
    .all();
  return rows.map(toCampaign);
}

/**
 * Campaigns of installed shops that start, end or were changed in (from, to], across every shop,
 * in one query (indexes campaigns_starts_at, campaigns_ends_at, campaigns_updated_at): what the
 * cron republishes the discount Function's configuration for.
 */
export async function campaignsTouchedBetween(env: Env, from: number, to: number): Promise<(Campaign & { shop: string })[]> {
  const between = (column: typeof campaigns.startsAt | typeof campaigns.endsAt | typeof campaigns.updatedAt) => and(gt(column, from), lte(column, to));
  const rows = await d1(env)
    .select({ campaign: campaigns })
    .from(campaigns)
    .innerJoin(shops, and(eq(shops.domain, campaigns.shop), eq(shops.status, "installed")))
    .where(or(between(campaigns.startsAt), between(campaigns.endsAt), between(campaigns.updatedAt)))
    .all();
  return rows.map((row) => ({ ...toCampaign(row.campaign), shop: row.campaign.shop }));
}

export async function getCampaign(env: Env, shop: string, id: string): Promise<Campaign | null> {
  const row = await d1(env).select().from(campaigns).where(and(eq(campaigns.shop, shop), eq(campaigns.id, id))).get();
  return row ? toCampaign(row) : null;
}

export async function campaignVersionsOf(env: Env, shop: string, id: string) {
  const rows = await d1(env)
    .select()
    .from(campaignVersions)
    .where(and(eq(campaignVersions.shop, shop), eq(campaignVersions.campaignId, id)))
    .orderBy(desc(campaignVersions.version))
    .all();
  return rows.map((row) => ({
    version: row.version,
    change: row.change,
    changed_by: row.changedBy,
    campaign: JSON.parse(row.campaign) as Campaign,
    created_at: new Date(row.createdAt).toISOString(),
  }));
}

/** The tier ids a campaign may name: the shop's enabled VIP tiers. */
export async function knownTierIds(env: Env, shop: string): Promise<Set<string>> {
  return tierIdsOf(await shopTiers(env, shop));
}

async function checkTiers(env: Env, shop: string, input: CampaignInput): Promise<void> {
  if (input.eligible_tier_ids === null) return;
  const known = await knownTierIds(env, shop);
  const unknown = input.eligible_tier_ids.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new CampaignError("unknown_tier_id", `eligible_tier_ids: no tier ${unknown.join(", ")} in this shop`);
}

export async function createCampaign(env: Env, shop: string, raw: CampaignInput, changedBy: string, now = Date.now()): Promise<Campaign> {
  const input = normalized(raw);
  await checkTiers(env, shop, input);
  const db = d1(env);
  // Counted before the insert: creates racing at the cap can pass it by a few, which only makes
  // earning read a few more rows.
  const live = (await db.select({ n: sql<number>`count(*)` }).from(campaigns).where(and(eq(campaigns.shop, shop), liveSince(now))).get())?.n ?? 0;
  if (live >= MAX_LIVE_CAMPAIGNS) {
    throw new CampaignError(
      "too_many_campaigns",
      `a shop has at most ${MAX_LIVE_CAMPAIGNS} campaigns running, planned or ended in the last 30 days; end or replace one (PUT)`,
    );
  }
  const row: CampaignRow = { id: newCampaignId(), shop, ...columns(input), endedAt: null, version: 1, createdAt: now, updatedAt: now };
  const campaign = toCampaign(row);
  await db.batch([db.insert(campaigns).values(row), versionInsert(env, campaign, shop, "created", changedBy, now)]);
  earningCache.delete(shop);
  return campaign;
}

/**
 * Replaces a campaign with `input` as version n+1, conditional on the version read (or the
 * `expectedVersion` the merchant saw). Orders already earned keep what they earned: their
 * snapshots hold the multipliers they met. A campaign ended early cannot be edited (409).
 */
export async function updateCampaign(
  env: Env,
  shop: string,
  id: string,
  raw: CampaignInput,
  changedBy: string,
  options: { expectedVersion?: number } = {},
  now = Date.now(),
): Promise<Campaign> {
  const current = await getCampaign(env, shop, id);
  if (!current) throw new CampaignError("campaign_not_found", `no campaign ${id} in this shop`);
  if (current.ended_at !== null) throw new CampaignError("campaign_ended", `campaign ${id} was ended on ${current.ended_at}; create a new one`);
  const input = normalized(raw);
  await checkTiers(env, shop, input);
  return writeVersion(env, shop, current, { ...columns(input), endedAt: null }, "updated", changedBy, options.expectedVersion, now);
}

/**
 * Ends a campaign now (core/campaigns.ts endedAt): ends_at becomes the moment of the request.
 * Idempotent: a campaign already ended is answered as it is, with no new version.
 */
export async function endCampaign(env: Env, shop: string, id: string, changedBy: string, now = Date.now()): Promise<Campaign> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await getCampaign(env, shop, id);
    if (!current) throw new CampaignError("campaign_not_found", `no campaign ${id} in this shop`);
    const ended = endedAt(current, now);
    if (ended === null) return current;
    try {
      return await writeVersion(env, shop, current, { ...columns(campaignInput(ended)), endedAt: now }, "ended", changedBy, current.version, now);
    } catch (error) {
      // An edit or another end landed in between: read again and decide again.
      if (!(error instanceof CampaignError && error.code === "version_conflict")) throw error;
    }
  }
  throw new CampaignError("version_conflict", `campaign ${id} kept changing while it was being ended; try again`);
}

async function writeVersion(
  env: Env,
  shop: string,
  current: Campaign,
  next: ReturnType<typeof columns> & { endedAt: number | null },
  change: ChangeKind,
  changedBy: string,
  expectedVersion: number | undefined,
  now: number,
): Promise<Campaign> {
  const base = expectedVersion ?? current.version;
  if (base !== current.version) throw new CampaignError("version_conflict", `the campaign is at version ${current.version}, not ${base}`);
  const db = d1(env);
  const row: CampaignRow = { id: current.id, shop, ...next, version: base + 1, createdAt: Date.parse(current.created_at), updatedAt: now };
  const campaign = toCampaign(row);
  // The version row's primary key (campaign_id, version) fails the batch for the loser of a
  // race, and the conditional update changes nothing for it: D1 batches are atomic.
  const [updated] = await db
    .batch([
      db
        .update(campaigns)
        .set({ kind: row.kind, campaign: row.campaign, startsAt: row.startsAt, endsAt: row.endsAt, endedAt: row.endedAt, version: row.version, updatedAt: now })
        .where(and(eq(campaigns.shop, shop), eq(campaigns.id, current.id), eq(campaigns.version, base)))
        .returning({ id: campaigns.id }),
      versionInsert(env, campaign, shop, change, changedBy, now),
    ])
    .catch((error: unknown) => {
      if (/UNIQUE|PRIMARY KEY|constraint/i.test(String((error as Error)?.message ?? error) + String((error as { cause?: unknown })?.cause ?? ""))) {
        throw new CampaignError("version_conflict", "the campaign changed while this edit was made; read it again");
      }
      throw error;
    });
  if (updated.length === 0) throw new CampaignError("version_conflict", "the campaign changed while this edit was made; read it again");
  earningCache.delete(shop);
  return campaign;
}

function versionInsert(env: Env, campaign: Campaign, shop: string, change: ChangeKind, changedBy: string, now: number) {
  return d1(env)
    .insert(campaignVersions)
    .values({ campaignId: campaign.id, version: campaign.version, shop, change, changedBy, campaign: JSON.stringify(campaign), createdAt: now });
}

export function forgetCampaigns(shop: string): void {
  earningCache.delete(shop);
}
