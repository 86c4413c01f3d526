// Fails when d1/schema.ts holds a change that no migration in d1/migrations does: drizzle-kit
// generates into a copy of the folder, and any new file there is a migration someone forgot.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const MIGRATIONS = join(ROOT, "d1", "migrations");
const copy = mkdtempSync(join(tmpdir(), "loyalnest-d1-check-"));
try {
  cpSync(MIGRATIONS, copy, { recursive: true });
  const before = new Set(readdirSync(copy));
  const result = spawnSync(process.execPath, [join(ROOT, "node_modules/drizzle-kit/bin.cjs"), "generate", "--name", "pending"], {
    cwd: ROOT,
    env: { ...process.env, DRIZZLE_OUT: copy },
    encoding: "utf8",
  });
  if (result.status !== 0) {
    console.error(`drizzle-kit generate failed:\n${result.stderr}${result.stdout}`);
    process.exit(1);
  }
  const added = readdirSync(copy).filter((name) => !before.has(name));
  if (added.length > 0) {
    console.error(`d1/schema.ts has changes no migration holds; run \`npm run db:generate -- --name <what>\` and commit d1/migrations.`);
    process.exit(1);
  }
  console.log(`d1/schema.ts and d1/migrations agree (${[...before].filter((n) => n.endsWith(".sql")).length} migrations)`);
} finally {
  rmSync(copy, { recursive: true, force: true });
}
