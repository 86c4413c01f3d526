// The widget's sources copied to a temp dir, for a build that never rewrites widget/dist (nor the
// extension's assets) under someone else's feet: widget/ as the build reads it, and core/, whose
// pure modules the widget imports (core/contrast.ts), beside it as in the checkout.
import { cpSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./stack.mjs";

/** Returns the copy's root; its widget/build.mjs builds into its own widget/dist. */
export function copyWidgetSources(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  for (const entry of ["build.mjs", "src", "tsconfig.json"]) cpSync(join(ROOT, "widget", entry), join(dir, "widget", entry), { recursive: true });
  cpSync(join(ROOT, "core"), join(dir, "core"), { recursive: true });
  return dir;
}
