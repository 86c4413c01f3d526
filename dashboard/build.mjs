// `npm run build:dashboard`: dashboard/src → dashboard/dist, the static files Cloudflare Pages
// serves (dashboard/wrangler.toml): index.html, app.js, app.css; and the admin console into
// dashboard/console-assets/console/ (console.html → index.html, console.js, app.css), the root
// Worker's static assets, served at /console/ behind Cloudflare Access (workers/admin/console-site.ts),
// never on Pages, which is public. Type-checks first.
// `LOYALNEST_API_ORIGIN` (default: the page's own origin) is where the app calls /v1/api;
// `SHOPIFY_API_KEY` goes into the `shopify-api-key` meta App Bridge reads.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as esbuild from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
export const DASHBOARD_DIST = resolve(import.meta.dirname, "dist");
/** wrangler.toml's [assets] directory; the console goes in its console/ folder (URL /console/). */
export const CONSOLE_ASSETS = resolve(import.meta.dirname, "console-assets");
export const CONSOLE_DIST = resolve(CONSOLE_ASSETS, "console");

function typecheck() {
  const tsc = resolve(ROOT, "node_modules/typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "--noEmit", "-p", resolve(import.meta.dirname, "tsconfig.json")], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`dashboard type errors:\n${result.stdout}${result.stderr}`);
}

/** Builds the dashboard into dist/; resolves with the files written. */
export async function buildDashboard({ apiKey = process.env.SHOPIFY_API_KEY ?? "", apiOrigin = process.env.LOYALNEST_API_ORIGIN ?? "", log = () => {} } = {}) {
  typecheck();
  rmSync(DASHBOARD_DIST, { recursive: true, force: true });
  mkdirSync(DASHBOARD_DIST, { recursive: true });
  await esbuild.build({
    // analytics.js: posthog-js, loaded by app.js only when the shop has PostHog on (src/analytics.ts).
    entryPoints: { app: resolve(import.meta.dirname, "src/main.tsx"), analytics: resolve(import.meta.dirname, "src/analytics-entry.ts") },
    outdir: DASHBOARD_DIST,
    bundle: true,
    format: "esm",
    minify: true,
    sourcemap: true,
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    logLevel: "silent",
  });
  copyFileSync(resolve(import.meta.dirname, "src/ui/polaris.css"), resolve(DASHBOARD_DIST, "app.css"));
  // Pages' headers file (frame-ancestors for Shopify admin).
  copyFileSync(resolve(import.meta.dirname, "public/_headers"), resolve(DASHBOARD_DIST, "_headers"));
  await buildConsole();
  const html = readFileSync(resolve(import.meta.dirname, "index.html"), "utf8")
    .replaceAll("%SHOPIFY_API_KEY%", escapeAttribute(apiKey))
    .replaceAll("%LOYALNEST_API_ORIGIN%", escapeAttribute(apiOrigin));
  writeFileSync(resolve(DASHBOARD_DIST, "index.html"), html);
  log(`dashboard built into ${DASHBOARD_DIST}`);
  return { dist: DASHBOARD_DIST };
}

/** The admin console (src/console/main.tsx): its own page, no App Bridge, calling /admin on its origin. */
async function buildConsole() {
  const out = CONSOLE_DIST;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: { console: resolve(import.meta.dirname, "src/console/main.tsx") },
    outdir: out,
    bundle: true,
    format: "esm",
    minify: true,
    sourcemap: true,
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    logLevel: "silent",
  });
  const css = readFileSync(resolve(import.meta.dirname, "src/ui/polaris.css"), "utf8") + readFileSync(resolve(import.meta.dirname, "src/console/console.css"), "utf8");
  writeFileSync(resolve(out, "app.css"), css);
  copyFileSync(resolve(import.meta.dirname, "console.html"), resolve(out, "index.html"));
}

function escapeAttribute(value) {
  return value.replace(/[&"<>]/g, (c) => ({ "&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;" })[c]);
}

if (process.argv[1] === import.meta.filename) {
  await buildDashboard({ log: (line) => console.log(line) }).catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
