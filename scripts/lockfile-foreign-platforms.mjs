// The npm registry reachable from this workplace answers 404 for workerd's macOS and Windows
// builds, so `npm install` leaves them out of package-lock.json and `npm ci` then refuses the
// lock ("Missing: @cloudflare/workerd-darwin-64 from lock file"). This adds the entries npm
// would have written (version, os, cpu, optional; they are never installed on Linux).
// Run after any `npm install` that changes workerd: `node scripts/lockfile-foreign-platforms.mjs`.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

const LOCK = resolve(import.meta.dirname, "..", "package-lock.json");
const PLATFORMS = {
  "@cloudflare/workerd-darwin-64": { os: ["darwin"], cpu: ["x64"] },
  "@cloudflare/workerd-darwin-arm64": { os: ["darwin"], cpu: ["arm64"] },
  "@cloudflare/workerd-linux-arm64": { os: ["linux"], cpu: ["arm64"] },
  "@cloudflare/workerd-windows-64": { os: ["win32"], cpu: ["x64"] },
};

const lock = JSON.parse(readFileSync(LOCK, "utf8"));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  if (!path.endsWith("node_modules/workerd")) continue;
  const base = path.slice(0, -"workerd".length);
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    if (!PLATFORMS[name]) continue;
    // npm resolves a nested package to the nearest node_modules: mirror where linux-64 landed.
    const linux = [`${base}@cloudflare/workerd-linux-64`, "node_modules/@cloudflare/workerd-linux-64"].find(
      (p) => lock.packages[p]?.version === range,
    );
    if (!linux) continue;
    const target = linux.replace("workerd-linux-64", name.split("/")[1]);
    if (lock.packages[target]) continue;
    lock.packages[target] = { version: range, ...PLATFORMS[name], dev: true, license: "Apache-2.0", optional: true, engines: { node: ">=16" } };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
writeFileSync(LOCK, JSON.stringify(lock, null, 2) + "\n");
console.log(`package-lock.json: ${added} foreign-platform workerd entries added`);
