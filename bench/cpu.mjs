// CPU time per process of the stack the bench started (Linux /proc): how many CPU-milliseconds
// each request costs in workerd, its proxy, wrangler and the load generator. Less sensitive to
// other work on a shared machine than throughput is.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function readStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pgrp: Number(rest[2]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null;
  }
}

function label(pid, port) {
  let cmd = "";
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {}
  if (cmd.includes("workerd")) return cmd.includes(`entry=127.0.0.1:${port} `) ? "workerd proxy" : "workerd app";
  if (cmd.includes("esbuild")) return "esbuild";
  if (cmd.includes("wrangler")) return "wrangler";
  return "other";
}

/** CPU seconds by label for every process in the process group `pgid`, plus this process. */
export function cpuSnapshot(pgid, port) {
  const byLabel = {};
  if (pgid && process.platform === "linux") {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readStat(entry);
      if (!stat || stat.pgrp !== pgid) continue;
      const name = label(entry, port);
      byLabel[name] = (byLabel[name] ?? 0) + stat.ticks / TICKS_PER_SECOND;
    }
  }
  const self = process.cpuUsage();
  byLabel["bench (autocannon)"] = (self.user + self.system) / 1e6;
  return byLabel;
}

/** CPU-milliseconds per request, by label, between two snapshots. */
export function cpuPerRequest(before, after, requests) {
  const out = {};
  for (const name of Object.keys(after)) {
    const seconds = after[name] - (before[name] ?? 0);
    out[name] = requests > 0 ? Number(((seconds * 1000) / requests).toFixed(2)) : null;
  }
  return out;
}
