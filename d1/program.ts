// Writing the program: every change is a new version (program_settings is append-only), so an
// award can always be traced to the rules it used. Reads are in d1/shops.ts (getProgram).
import { desc, eq } from "drizzle-orm";
import { DEFAULT_PROGRAM, ProgramSettingsSchema, type ProgramSettings } from "../core/program";
import { d1 } from "./client";
import { programSettings } from "./schema";
import { forgetProgram } from "./shops";

/**
 * Saves `change(current)` as the next version. Two writers racing for the same version number
 * meet the primary key: the loser reads the winner's version and applies its change on top.
 */
export async function saveProgramChange(
  env: Env,
  shop: string,
  change: (current: ProgramSettings) => ProgramSettings,
): Promise<ProgramSettings> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await d1(env)
      .select()
      .from(programSettings)
      .where(eq(programSettings.shop, shop))
      .orderBy(desc(programSettings.version))
      .limit(1)
      .get();
    const current = row ? ProgramSettingsSchema.parse(JSON.parse(row.settings)) : DEFAULT_PROGRAM;
    const next = ProgramSettingsSchema.parse({ ...change(current), version: current.version + 1 });
    const inserted = await d1(env)
      .insert(programSettings)
      .values({ shop, version: next.version, settings: JSON.stringify(next), createdAt: Date.now() })
      .onConflictDoNothing()
      .returning({ version: programSettings.version })
      .all();
    if (inserted.length > 0) {
      forgetProgram(shop);
      return next;
    }
  }
  throw new Error(`program of ${shop}: five writers raced; try again`);
}
