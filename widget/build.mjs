// `npm run build:widget`: widget/src → widget/dist/widget.js, one minified classic script for the
// theme app embed. Type-checks first; fails when the gzipped bundle breaks the budget (DESIGN.md).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
export const WIDGET_FILE = resolve(import.meta.dirname, "dist/widget.js");
export const GZIP_BUDGET_BYTES = 15_000;
// Shopify has been reported to warn about theme app extension scripts above this.
const SHOPIFY_WARNING_BYTES = 10_000;

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

function typecheck() {
  const tsc = resolve(ROOT, "node_modules/typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "--noEmit", "-p", resolve(import.meta.dirname, "tsconfig.json")], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`widget type errors:\n${result.stdout}${result.stderr}`);
}

/** @returns {Promise<{ file: string, rawBytes: number, gzipBytes: number }>} */
export async function buildWidget({ log = console.log } = {}) {
  typecheck();
  await esbuild.build({
    entryPoints: [resolve(import.meta.dirname, "src/main.tsx")],
    outfile: WIDGET_FILE,
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
    plugins: [cssAsText],
    logLevel: "warning",
  });
  const bytes = readFileSync(WIDGET_FILE);
  const rawBytes = bytes.length;
  const gzipBytes = gzipSync(bytes, { level: 9 }).length;
  const brotliBytes = brotliCompressSync(bytes).length;
  log(`widget/dist/widget.js: ${rawBytes} bytes raw, ${gzipBytes} gzipped (budget < ${GZIP_BUDGET_BYTES}), ${brotliBytes} brotli`);
  if (gzipBytes >= GZIP_BUDGET_BYTES) {
    throw new Error(`widget bundle is ${gzipBytes} bytes gzipped, over the ${GZIP_BUDGET_BYTES}-byte budget`);
  }
  if (gzipBytes > SHOPIFY_WARNING_BYTES) log(`note: above the ${SHOPIFY_WARNING_BYTES} compressed bytes Shopify may warn about`);
  return { file: WIDGET_FILE, rawBytes, gzipBytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await buildWidget();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
