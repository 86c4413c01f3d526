// CPU time per process of the stack the bench started (Linux /proc): how many CPU-milliseconds
// each request costs in workerd, its proxy, wrangler and the load generator. Less sensitive to
// other work on a shared machine than throughput is.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
export const MAIN_THREAD = "workerd app main thread";
const MACHINE = "machine busy";

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
      if (name === "workerd app") {
        // Its main thread, where every isolate's JavaScript runs in local workerd.
        const main = readStat(`${entry}/task/${entry}`);
        if (main) byLabel[MAIN_THREAD] = (byLabel[MAIN_THREAD] ?? 0) + main.ticks / TICKS_PER_SECOND;
      }
    }
  }
  const self = process.cpuUsage();
  byLabel["bench (autocannon)"] = (self.user + self.system) / 1e6;
  byLabel[MACHINE] = machineBusySeconds();
  return byLabel;
}

/** Busy CPU-seconds of the whole machine since boot (/proc/stat), or null off Linux. */
function machineBusySeconds() {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Share of the machine (0–1 of all cores) that processes other than the stack and the bench
 * used between two snapshots: other sessions' builds and tests on a shared machine.
 */
export function otherLoad(before, after, seconds, cores) {
  if (before[MACHINE] === null || after[MACHINE] === null || seconds <= 0) return null;
  const ours = Object.keys(after)
    .filter((name) => name !== MACHINE && name !== MAIN_THREAD)
    .reduce((sum, name) => sum + after[name] - (before[name] ?? 0), 0);
  const others = after[MACHINE] - before[MACHINE] - ours;
  return Number(Math.min(1, Math.max(0, others / (seconds * cores))).toFixed(3));
}

/** CPU-milliseconds per request, by label, between two snapshots. */
export function cpuPerRequest(before, after, requests) {
  const out = {};
  for (const name of Object.keys(after).filter((n) => n !== MACHINE)) {
    const seconds = after[name] - (before[name] ?? 0);
    out[name] = requests > 0 ? Number(((seconds * 1000) / requests).toFixed(2)) : null;
  }
  return out;
}
