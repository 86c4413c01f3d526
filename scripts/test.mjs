// `npm test`: Env types fresh against wrangler.toml, TypeScript strict, then every test: the
// widget in Debian's Chromium (installed when missing), in-runtime tests in workerd against a
// real Postgres, and the end-to-end tests that drive `wrangler dev` as a process.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const bin = (name) => resolve(ROOT, "node_modules/.bin", name);
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", PATH: `${resolve(ROOT, "node_modules/.bin")}:${process.env.PATH}` };

const steps = [
  ["Env types are current (wrangler types --check)", bin("wrangler"), ["types", "--check", "--env-file", ".dev.vars.example", "--env-interface", "Env", "worker-configuration.d.ts"]],
  ["D1 schema and migrations agree (drizzle-kit)", process.execPath, [resolve(ROOT, "scripts/d1-schema-check.mjs")]],
  ["TypeScript (strict): Worker code", bin("tsc"), ["--noEmit", "-p", "."]],
  ["TypeScript (strict): Node code", bin("tsc"), ["--noEmit", "-p", "tsconfig.node.json"]],
  ["TypeScript (strict): the dashboard", bin("tsc"), ["--noEmit", "-p", "dashboard/tsconfig.json"]],
  // No browser test is timed: the launcher's 300 ms at 4× CPU slowdown (DESIGN.md) is a row of
  // `npm run bench`, and the first-load test checks only the order of events (launcher painted
  // before any API call answers, panel script fetched when reached for). They still run first,
  // as the order does not matter to them any more: a broken widget is reported after a minute or
  // two rather than after the in-runtime suites' 13.
  ["Tests: the widget in a real browser (vitest + Playwright + Chromium)", bin("vitest"), ["run", "--config", "test/browser/vitest.config.ts"]],
  ["Tests: Worker, Durable Objects, queues, end to end (vitest)", bin("vitest"), ["run", ...process.argv.slice(2)]],
];

for (const [title, command, args] of steps) {
  process.stdout.write(`\n▶ ${title}\n`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit", env });
  if (result.status !== 0) {
    process.stderr.write(`✘ ${title} failed\n`);
    process.exit(result.status ?? 1);
  }
}
