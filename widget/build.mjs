// `npm run build:widget`: widget/src → two minified classic scripts for the theme app embed, side by
// side in widget/dist (and in the extension's assets):
//   widget.js        the launcher: Preact, signals, the strings, the dialog's frame. The page loads it.
//   widget-panel.js  the panel's views, loaded by the launcher when the shopper reaches for it
//                    (hover, focus, click), from beside its own URL.
// The panel borrows Preact and signals from the launcher (one copy, one hooks state) through the
// `__loyalnest` global; no module of widget/src may be in both (checked here).
//   widget-surfaces.js  the product points, the sticky bar and the popups, loaded by the launcher only
//                    when the shop's config turns on one the page shows (widget/src/surfaces/loader.ts);
//                    it borrows Preact and signals like the panel.
//   widget-analytics.js  posthog-js, added by the launcher only for a shop with PostHog on and a
//                    shopper whose consent allows analytics (widget/src/analytics.ts). Outside
//                    the budget (it is the shop's choice, and never loads otherwise); its size
//                    is printed, and posthog-js in either budgeted script fails the build.
// Type-checks first; fails when a chunk breaks the budget (DESIGN.md: < 15 KB gzipped): the first
// load (widget.js) and, so nothing grows unseen behind the launcher, every chunk on its own.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { basename, resolve } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
const DIST = resolve(import.meta.dirname, "dist");
export const WIDGET_FILE = resolve(DIST, "widget.js");
export const PANEL_FILE = resolve(DIST, "widget-panel.js");
export const SURFACES_FILE = resolve(DIST, "widget-surfaces.js");
export const ANALYTICS_FILE = resolve(DIST, "widget-analytics.js");
/** The theme app extension's assets: the embed loads widget.js from here (`'widget.js' | asset_url`). */
export const EXTENSION_ASSETS = resolve(ROOT, "extensions/loyalnest-theme/assets");
/** Scripts in widget/dist the budget does not cover (bench/widget.mjs leaves them out too). */
export const UNBUDGETED_FILES = [basename(ANALYTICS_FILE)];
export const GZIP_BUDGET_BYTES = 15_000;
// Shopify has been reported to warn about theme app extension scripts above this.
const SHOPIFY_WARNING_BYTES = 10_000;

/** The libraries the launcher lends the panel (on `__loyalnest.libs`, widget/src/main.tsx). */
export const SHARED_LIBS = ["preact", "preact/hooks", "preact/jsx-runtime", "@preact/signals"];
const SHARED_FILTER = new RegExp(`^(${SHARED_LIBS.map((name) => name.replace(/[/@]/g, "\\$&")).join("|")})$`);

/** Stylesheets are imported as minified text, injected into the widget's shadow root. */
const cssAsText = {
  name: "css-as-text",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async ({ path }) => {
      const { code } = await esbuild.transform(readFileSync(path, "utf8"), { loader: "css", minify: true });
      return { contents: code.trim(), loader: "text" };
    });
  },
};

/** In the panel, `import { useRef } from "preact/hooks"` reads the launcher's copy (`needs`: panelNeeds). */
const borrowedLibs = (needs) => ({
  name: "borrowed-libs",
  setup(build) {
    build.onResolve({ filter: SHARED_FILTER }, ({ path }) => ({ path, namespace: "borrowed" }));
    build.onLoad({ filter: /.*/, namespace: "borrowed" }, ({ path }) => ({
      contents: `export const { ${(needs[path] ?? []).join(", ")} } = window.__loyalnest.libs[${JSON.stringify(path)}];`,
      loader: "js",
    }));
  },
});

/**
 * The launcher's `import lent from "lent-libs"`: exactly the names the panel imports from each
 * shared library (`needs`), so the launcher bundles no more of them than the two scripts use.
 */
const lentLibs = (needs) => ({
  name: "lent-libs",
  setup(build) {
    build.onResolve({ filter: /^lent-libs$/ }, () => ({ path: "lent-libs", namespace: "lent" }));
    build.onLoad({ filter: /.*/, namespace: "lent" }, () => {
      const libs = Object.entries(needs);
      const imports = libs.map(([lib, names], i) => `import { ${names.map((name) => `${name} as l${i}_${name}`).join(", ")} } from ${JSON.stringify(lib)};`);
      const entries = libs.map(([lib, names], i) => `${JSON.stringify(lib)}: { ${names.map((name) => `${name}: l${i}_${name}`).join(", ")} }`);
      return { contents: `${imports.join("\n")}\nexport default { ${entries.join(", ")} };`, loader: "js", resolveDir: import.meta.dirname };
    });
  },
});

/** Which names the panel imports from each shared library: read off an unminified ESM build of it. */
async function panelNeeds(entry) {
  const probe = await esbuild.build({ ...common, entryPoints: [entry], format: "esm", minify: false, write: false, metafile: false, external: SHARED_LIBS, plugins: [cssAsText] });
  const needs = {};
  for (const [, list, lib] of probe.outputFiles[0].text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    if (!SHARED_FILTER.test(lib)) continue;
    const names = list.split(",").map((part) => part.trim().split(/\s+as\s+/)[0]).filter(Boolean);
    needs[lib] = [...new Set([...(needs[lib] ?? []), ...names])];
  }
  if (/import\s*\*|import\s+\w+\s+from/.test(probe.outputFiles[0].text)) throw new Error("the panel may import shared libraries only by name");
  return needs;
}

function mergeNeeds(...all) {
  const merged = {};
  for (const needs of all) for (const [lib, names] of Object.entries(needs)) merged[lib] = [...new Set([...(merged[lib] ?? []), ...names])];
  return merged;
}

function typecheck() {
  const tsc = resolve(ROOT, "node_modules/typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "--noEmit", "-p", resolve(import.meta.dirname, "tsconfig.json")], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`widget type errors:\n${result.stdout}${result.stderr}`);
}

const common = {
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  // ES2020 (`?.`, `??`) is in every browser Shopify's storefronts support (the latest two
  // versions of each, iOS Safari 13.4+); lowering it to ES2019 costs ~150 bytes gzipped.
  target: ["es2020"],
  jsx: "automatic",
  jsxImportSource: "preact",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
  metafile: true,
};

/** The widget's own modules in a build's output. */
const ownModules = (metafile) => Object.keys(metafile.inputs).filter((path) => path.includes("widget/src/"));

/**
 * @returns {Promise<{ file: string, rawBytes: number, gzipBytes: number, brotliBytes: number,
 *   chunks: { file: string, name: string, rawBytes: number, gzipBytes: number, brotliBytes: number }[],
 *   analytics: { file: string, name: string, rawBytes: number, gzipBytes: number, brotliBytes: number } }>}
 * `file`, `rawBytes`, `gzipBytes` and `brotliBytes` are the first load (widget.js); `chunks` lists every budgeted
 * script; `analytics` is widget-analytics.js, outside the budget.
 */
export async function buildWidget({ log = console.log } = {}) {
  typecheck();
  const panelEntry = resolve(import.meta.dirname, "src/panel-entry.tsx");
  const surfacesEntry = resolve(import.meta.dirname, "src/surfaces/entry.tsx");
  // The launcher lends what either borrowing script imports.
  const needs = mergeNeeds(await panelNeeds(panelEntry), await panelNeeds(surfacesEntry));
  const launcher = await esbuild.build({
    ...common,
    entryPoints: [resolve(import.meta.dirname, "src/main.tsx")],
    outfile: WIDGET_FILE,
    plugins: [cssAsText, lentLibs(needs)],
  });
  const panel = await esbuild.build({
    ...common,
    entryPoints: [panelEntry],
    outfile: PANEL_FILE,
    plugins: [cssAsText, borrowedLibs(needs)],
  });
  const surfaces = await esbuild.build({
    ...common,
    entryPoints: [surfacesEntry],
    outfile: SURFACES_FILE,
    plugins: [cssAsText, borrowedLibs(needs)],
  });
  const analytics = await esbuild.build({
    ...common,
    entryPoints: [resolve(import.meta.dirname, "src/analytics-entry.ts")],
    outfile: ANALYTICS_FILE,
  });
  const posthogIn = [launcher, panel, surfaces].filter((b) => Object.keys(b.metafile.inputs).some((path) => path.includes("node_modules/posthog-js/")));
  if (posthogIn.length) throw new Error("posthog-js is in a budgeted widget script: it must load only as widget-analytics.js");
  const fromAnalytics = ownModules(analytics.metafile).filter((path) => !path.endsWith("analytics-entry.ts"));
  if (fromAnalytics.length) throw new Error(`widget-analytics.js may use only posthog-js, not: ${fromAnalytics.join(", ")}`);
  const twice = ownModules(panel.metafile).filter((path) => ownModules(launcher.metafile).includes(path));
  if (twice.length) throw new Error(`in both widget chunks (the panel must take them from the launcher): ${twice.join(", ")}`);
  const twiceSurfaces = ownModules(surfaces.metafile).filter((path) => ownModules(launcher.metafile).includes(path));
  if (twiceSurfaces.length) throw new Error(`in both widget.js and widget-surfaces.js (the surfaces must take them from the launcher): ${twiceSurfaces.join(", ")}`);

  const chunks = [WIDGET_FILE, PANEL_FILE, SURFACES_FILE].map(sizes);
  for (const chunk of chunks) {
    log(`widget/dist/${chunk.name}: ${chunk.rawBytes} bytes raw, ${chunk.gzipBytes} gzipped (budget < ${GZIP_BUDGET_BYTES}), ${chunk.brotliBytes} brotli`);
  }
  const posthog = sizes(ANALYTICS_FILE);
  log(`widget/dist/${posthog.name}: ${posthog.rawBytes} bytes raw, ${posthog.gzipBytes} gzipped (outside the budget: loaded only with PostHog on and consent), ${posthog.brotliBytes} brotli`);
  for (const chunk of chunks) {
    if (chunk.gzipBytes >= GZIP_BUDGET_BYTES) {
      throw new Error(`widget chunk ${chunk.name} is ${chunk.gzipBytes} bytes gzipped, over the ${GZIP_BUDGET_BYTES}-byte budget`);
    }
  }
  const [first] = chunks;
  if (first.gzipBytes > SHOPIFY_WARNING_BYTES) log(`note: ${first.name} is above the ${SHOPIFY_WARNING_BYTES} compressed bytes Shopify may warn about`);
  // Only a build within budget reaches the extension: a failed one leaves the last good assets.
  const copied = copyToExtension();
  log(`${copied.length} scripts copied to ${EXTENSION_ASSETS.slice(ROOT.length + 1)}/: ${copied.join(", ")}`);
  return { file: first.file, rawBytes: first.rawBytes, gzipBytes: first.gzipBytes, brotliBytes: first.brotliBytes, chunks, analytics: posthog };
}

/** Every script of widget/dist into the extension's assets/, replacing what an earlier build left there. */
function copyToExtension() {
  mkdirSync(EXTENSION_ASSETS, { recursive: true });
  for (const name of readdirSync(EXTENSION_ASSETS)) if (name.endsWith(".js")) rmSync(resolve(EXTENSION_ASSETS, name));
  const scripts = readdirSync(DIST).filter((name) => name.endsWith(".js"));
  for (const name of scripts) copyFileSync(resolve(DIST, name), resolve(EXTENSION_ASSETS, name));
  return scripts;
}

function sizes(file) {
  const bytes = readFileSync(file);
  return {
    file,
    name: basename(file),
    rawBytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    brotliBytes: brotliCompressSync(bytes).length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await buildWidget();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
