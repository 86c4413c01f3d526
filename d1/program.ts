// Writing the program: every change is a new version (program_settings is append-only) with who
// saved it and when, so an award can always be traced to the rules it used. Reads of the
// current version are in d1/shops.ts (getProgram, cached).
import { and, desc, eq, lt } from "drizzle-orm";
import { DEFAULT_PROGRAM, ProgramSettingsSchema, type ProgramSettings } from "../core/program";
import { d1 } from "./client";
import { programSettings } from "./schema";
import { forgetProgram } from "./shops";

/** A change that cannot be saved as asked; `code` is the API's error code. */
export class ProgramChangeError extends Error {
  constructor(
    readonly code: "version_conflict" | "invalid_program",
    message: string,
  ) {
    super(message);
  }
}

export interface ProgramChangeOptions {
  /** Who saves it: the session token's `sub` (or "unknown"), "system" for the app itself. */
  actor: string;
  /** Refuse the change unless the current version is this one (a merchant's stale form). */
  expectedVersion?: number;
}

/**
 * Saves `change(current)` as the next version. Two writers racing for the same version number
 * meet the primary key: without `expectedVersion` the loser reads the winner's version and
 * applies its change on top; with it, the loser is refused (`version_conflict`).
 */
export async function saveProgramChange(
  env: Env,
  shop: string,
  change: (current: ProgramSettings) => ProgramSettings,
  options: ProgramChangeOptions,
): Promise<ProgramSettings> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await currentVersion(env, shop);
    if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
      throw new ProgramChangeError("version_conflict", `the program is at version ${current.version}, not ${options.expectedVersion}`);
    }
    const parsed = ProgramSettingsSchema.safeParse({ ...change(current), version: current.version + 1 });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ProgramChangeError("invalid_program", `${issue?.path.join(".") || "program"}: ${issue?.message ?? "invalid"}`);
    }
    const next = parsed.data;
    const inserted = await d1(env)
      .insert(programSettings)
      .values({ shop, version: next.version, settings: JSON.stringify(next), createdAt: Date.now(), createdBy: options.actor })
      .onConflictDoNothing()
      .returning({ version: programSettings.version })
      .all();
    if (inserted.length > 0) {
      forgetProgram(shop);
      return next;
    }
    if (options.expectedVersion !== undefined) {
      throw new ProgramChangeError("version_conflict", `another change saved version ${next.version} first`);
    }
  }
  throw new Error(`program of ${shop}: five writers raced; try again`);
}

/** The newest saved version, read past the cache (a writer must not build on a stale copy). */
async function currentVersion(env: Env, shop: string): Promise<ProgramSettings> {
  const row = await d1(env)
    .select()
    .from(programSettings)
    .where(eq(programSettings.shop, shop))
    .orderBy(desc(programSettings.version))
    .limit(1)
    .get();
  return row ? ProgramSettingsSchema.parse(JSON.parse(row.settings)) : DEFAULT_PROGRAM;
}

export interface ProgramVersion {
  version: number;
  created_at: string;
  created_by: string;
  settings: ProgramSettings;
}

/** The shop's program versions, newest first, `limit` at a time before `before` (a version). */
export async function programVersions(env: Env, shop: string, limit: number, before?: number): Promise<ProgramVersion[]> {
  const rows = await d1(env)
    .select()
    .from(programSettings)
    .where(before === undefined ? eq(programSettings.shop, shop) : and(eq(programSettings.shop, shop), lt(programSettings.version, before)))
    .orderBy(desc(programSettings.version))
    .limit(limit)
    .all();
  return rows.map((row) => ({
    version: row.version,
    created_at: new Date(row.createdAt).toISOString(),
    created_by: row.createdBy,
    settings: ProgramSettingsSchema.parse(JSON.parse(row.settings)),
  }));
}
