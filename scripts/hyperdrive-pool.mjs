// A connection pool in front of the local PostgreSQL, standing in for Hyperdrive's pool.
//
// In production the Worker's connection to Hyperdrive is cheap: Hyperdrive keeps warm
// connections to the database and hands one out, so a request does not pay for Postgres
// starting a backend. `wrangler dev`'s Hyperdrive connects the Worker straight to the database,
// a new backend per request, and on this kind of machine (a small VM where a fork costs ~7 ms)
// a backend start costs 24–31 ms (pgbench -C: "average connection time = 24.5 ms"; from Node,
// connect + one statement 31 ms against 0.3 ms for the statement on an open connection). The
// bench (bench/stack.mjs) measures the merchant's reporting paths through this pool, as
// production reaches Postgres, and prints a bare-query floor beside them.
//
// PgBouncer from Debian's packages (installed with apt-get when missing, as PostgreSQL is), in
// session mode: a Worker request's client connection keeps one server connection for its
// life, so postgres.js's named prepared statements stay valid, and `DISCARD ALL` clears them
// before the server connection serves the next client. (Transaction mode would need PgBouncer
// ≥ 1.21 for prepared statements; Debian 12 has 1.18.)
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.mjs";

const PGBOUNCER = "/usr/sbin/pgbouncer";

function ensurePgbouncer(log) {
  if (existsSync(PGBOUNCER)) return;
  if (process.getuid?.() !== 0) {
    throw new Error("PgBouncer not found (the bench's stand-in for Hyperdrive's pool): install it with `sudo apt-get install -y pgbouncer`");
  }
  log("installing PgBouncer from Debian's packages (apt-get)…");
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "pgbouncer"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (!existsSync(PGBOUNCER)) throw new Error(`apt-get installed pgbouncer but ${PGBOUNCER} is missing`);
}

/** Resolves once `port` accepts a PostgreSQL startup through the pool, or throws after `ms`. */
async function waitForPool(url, ms) {
  const { default: postgres } = await import("postgres");
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`SELECT 1`;
      return;
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  }
  throw new Error(`the pool did not answer within ${ms} ms: ${last}`);
}

/**
 * Starts PgBouncer on a free loopback port in front of `pgUrl`'s server and answers the URL
 * to reach `pgUrl`'s database through it, and stop().
 */
export async function startHyperdrivePool({ pgUrl, log = (m) => process.stderr.write(`[pool] ${m}\n`) }) {
  ensurePgbouncer(log);
  const target = new URL(pgUrl);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "loyalnest-pool-"));
  const user = decodeURIComponent(target.username);
  writeFileSync(join(dir, "users.txt"), `"${user}" "${decodeURIComponent(target.password)}"\n`);
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${target.hostname} port=${target.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      // The local cluster trusts loopback (scripts/postgres.mjs); PgBouncer passes the user on.
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = session",
      "server_reset_query = DISCARD ALL",
      // Server connections kept warm per database and user; clients beyond them wait their turn.
      "default_pool_size = 20",
      "max_client_conn = 1000",
      "ignore_startup_parameters = extra_float_digits",
      `logfile = ${join(dir, "pgbouncer.log")}`,
      "log_connections = 0",
      "log_disconnections = 0",
      "",
    ].join("\n"),
  );
  // PgBouncer refuses to run as root: as root it runs as the postgres user, who owns the cluster.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    for (const file of ["", "users.txt", "pgbouncer.ini"]) chownSync(join(dir, file), uid, gid);
    chmodSync(dir, 0o700);
  }
  const child = spawn(PGBOUNCER, [...(asRoot ? ["-u", "postgres"] : []), join(dir, "pgbouncer.ini")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
  const url = `postgres://${target.username}:${target.password}@127.0.0.1:${port}${target.pathname}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitForPool(url, 15_000),
      exited.then((code) => {
        throw new Error(`pgbouncer exited (${code}) at start: ${stderr.trim() || "see its log"}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  log(`PgBouncer (session pool, as Hyperdrive pools) on 127.0.0.1:${port} in front of ${target.host}, run by ${asRoot ? "postgres" : userInfo().username}`);
  return { url, stop };
}
