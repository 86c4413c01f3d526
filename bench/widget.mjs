// The widget bundle budget: the project's own build (widget/build.mjs: type-check, esbuild,
// minify) run on a copy of widget/ in a temp dir, so the bench never rewrites widget/dist
// under someone else's feet. Reports the gzipped size of the first load (widget.js, the script
// the theme loads) as the budget's row, and every chunk the build writes (the panel's script,
// loaded when the shopper reaches for the launcher) beside it; the build fails when any chunk
// breaks the budget.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { ROOT } from "./stack.mjs";
import { copyWidgetSources } from "./widget-copy.mjs";

const WIDGET = join(ROOT, "widget");

export async function measureWidget() {
  if (!existsSync(join(WIDGET, "build.mjs"))) return { error: "no widget/build.mjs yet" };
  const dir = copyWidgetSources("loyalnest-bench-widget-");
  try {
    const build = await import(pathToFileURL(join(dir, "widget", "build.mjs")).href);
    const budgetBytes = build.GZIP_BUDGET_BYTES ?? 15_000;
    let buildError = null;
    try {
      await build.buildWidget({ log: () => {} });
    } catch (error) {
      buildError = String(error?.message ?? error).split("\n")[0]; // over budget, or a type error
    }
    const out = join(dir, "widget", "dist", "widget.js");
    if (!existsSync(out)) return { budgetBytes, error: buildError ?? "the build wrote no widget/dist/widget.js" };
    const bytes = readFileSync(out);
    return {
      budgetBytes,
      rawBytes: bytes.length,
      gzipBytes: gzipSync(bytes, { level: 9 }).length,
      brotliBytes: brotliCompressSync(bytes).length,
      // Every budgeted script the build wrote, widget.js first (also when one was over the budget).
      chunks: readdirSync(join(dir, "widget", "dist"))
        .filter((name) => name.endsWith(".js") && !(build.UNBUDGETED_FILES ?? []).includes(name))
        .sort((a, b) => (a === "widget.js" ? -1 : b === "widget.js" ? 1 : a.localeCompare(b)))
        .map((name) => {
          const chunk = readFileSync(join(dir, "widget", "dist", name));
          return { name, rawBytes: chunk.length, gzipBytes: gzipSync(chunk, { level: 9 }).length, brotliBytes: brotliCompressSync(chunk).length };
        }),
      error: buildError && !/over the .*budget/.test(buildError) ? buildError : null,
    };
  } catch (error) {
    return { error: String(error?.message ?? error).split("\n")[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
