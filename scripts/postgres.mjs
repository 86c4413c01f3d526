// Starts (or reuses) a project-local PostgreSQL on 127.0.0.1, installing Debian's packages
// when the server binaries are missing, and applies postgres/migrations. Used by `npm run dev`,
// the test global setup and the bench.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, chownSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { userInfo } from "node:os";
import postgres from "postgres";

const ROOT = resolve(import.meta.dirname, "..");
export const PG_PORT = Number(process.env.LOYALNEST_PG_PORT ?? 54329);
const DATA_DIR = resolve(process.env.LOYALNEST_PG_DATA ?? join(ROOT, ".postgres", String(PG_PORT)));
const SUPERUSER = "loyalnest";

export function databaseUrl(database) {
  // Loopback only, trust auth; the password is there because Hyperdrive insists on one.
  return `postgres://${SUPERUSER}:${SUPERUSER}@127.0.0.1:${PG_PORT}/${database}`;
}

function log(message) {
  process.stderr.write(`[postgres] ${message}\n`);
}

function findBinDir() {
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(base, versions[0], "bin");
  }
  const fromPath = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (fromPath.status === 0 && existsSync(join(fromPath.stdout.trim(), "initdb"))) return fromPath.stdout.trim();
  return null;
}

function installServer() {
  if (userInfo().uid !== 0) {
    throw new Error("PostgreSQL server binaries not found: install them with `sudo apt-get install -y postgresql postgresql-contrib`");
  }
  log("installing PostgreSQL from Debian's packages (apt-get)…");
  execFileSync("apt-get", ["update"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "postgresql", "postgresql-contrib"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user. */
function runAsServerUser(binary, args) {
  const asRoot = userInfo().uid === 0;
  const command = asRoot ? "runuser" : binary;
  const argv = asRoot ? ["-u", "postgres", "--", binary, ...args] : args;
  return spawnSync(command, argv, { encoding: "utf8" });
}

function isReady(bin) {
  return spawnSync(join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(PG_PORT)]).status === 0;
}

export async function ensurePostgres() {
  let bin = findBinDir();
  if (!bin) {
    installServer();
    bin = findBinDir();
    if (!bin) throw new Error("PostgreSQL installed but initdb not found");
  }
  if (!isReady(bin)) {
    if (!existsSync(join(DATA_DIR, "PG_VERSION"))) {
      log(`initialising a cluster in ${DATA_DIR}`);
      mkdirSync(DATA_DIR, { recursive: true });
      if (userInfo().uid === 0) {
        const ids = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
        const gid = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim();
        chownSync(DATA_DIR, Number(ids), Number(gid));
      }
      const init = runAsServerUser(join(bin, "initdb"), ["-D", DATA_DIR, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync"]);
      if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
      // Loopback only; sized for tests and the bench on a 2-core machine.
      writeFileSync(
        join(DATA_DIR, "postgresql.auto.conf"),
        [
          "listen_addresses = '127.0.0.1'",
          `port = ${PG_PORT}`,
          "unix_socket_directories = ''",
          "max_connections = 300",
          "fsync = on",
          "synchronous_commit = off",
          "shared_buffers = 256MB",
          "",
        ].join("\n"),
      );
    }
    log(`starting on 127.0.0.1:${PG_PORT}`);
    const start = runAsServerUser(join(bin, "pg_ctl"), ["-D", DATA_DIR, "-l", join(DATA_DIR, "server.log"), "-w", "-t", "60", "start"]);
    if (start.status !== 0) throw new Error(`pg_ctl start failed: ${start.stderr}${start.stdout}`);
  }
  return { bin, dataDir: DATA_DIR };
}

export async function stopPostgres() {
  const bin = findBinDir();
  if (bin && isReady(bin)) runAsServerUser(join(bin, "pg_ctl"), ["-D", DATA_DIR, "-m", "fast", "-w", "stop"]);
}

/** Creates the database if needed and applies every postgres/migrations/*.sql once. */
export async function prepareDatabase(database) {
  await ensurePostgres();
  const admin = postgres(databaseUrl("postgres"), { max: 1, onnotice: () => {} });
  try {
    const exists = await admin`SELECT 1 FROM pg_database WHERE datname = ${database}`;
    if (exists.length === 0) await admin.unsafe(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  const db = postgres(databaseUrl(database), { max: 1, onnotice: () => {} });
  try {
    await db`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`;
    const dir = join(ROOT, "postgres", "migrations");
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
      const done = await db`SELECT 1 FROM schema_migrations WHERE name = ${name}`;
      if (done.length) continue;
      await db.begin(async (tx) => {
        await tx.unsafe(readFileSync(join(dir, name), "utf8"));
        await tx`INSERT INTO schema_migrations (name) VALUES (${name})`;
      });
      log(`${database}: applied ${name}`);
    }
  } finally {
    await db.end();
  }
  return databaseUrl(database);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const command = process.argv[2] ?? "start";
  if (command === "stop") await stopPostgres();
  else console.log(await prepareDatabase(process.argv[3] ?? "loyalnest"));
}
