// Browser tests drive Debian's Chromium (CONVENTIONS.md); installs it with apt-get when missing,
// which needs root. Test tools' own browser downloads do not work on these machines.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";

export const CHROMIUM = "/usr/bin/chromium";

export function ensureChromium({ log = (message) => process.stderr.write(`[chromium] ${message}\n`) } = {}) {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (userInfo().uid !== 0) {
    throw new Error(`${CHROMIUM} not found: install Debian's Chromium with \`sudo apt-get install -y chromium\``);
  }
  log("installing Chromium from Debian's packages (apt-get)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "chromium"], { stdio: "inherit", env });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(ensureChromium());
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
