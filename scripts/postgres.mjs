// Local PostgreSQL on 127.0.0.1 for `npm run dev`, the tests and the bench, installing Debian's
// packages when the server binaries are missing, and applying postgres/migrations.
//
// Each checkout has a cluster of its own, so two clones on one machine never share or stop
// each other's: its port is LOYALNEST_PG_PORT, else the one recorded in .postgres/port, else a
// hash of the checkout's path into 55000–59999 (recorded when the cluster is created). Its data
// directory is LOYALNEST_PG_DATA, else .postgres/<port> in the checkout, except as root: the
// server then runs as the `postgres` user, who may not be able to enter the checkout (a root
// home or a `mktemp -d` folder is mode 700), so the data lives under
// /var/lib/postgresql/loyalnest/<hash of the checkout>/<port>.
// `startPrivateCluster()` is a throwaway cluster (free port, temp dir) for the tests that stop
// Postgres on purpose.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import postgres from "postgres";
import { freePort } from "./free-port.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const IS_ROOT = userInfo().uid === 0;
const CHECKOUT_ID = createHash("sha256").update(ROOT).digest("hex").slice(0, 12);
const PORT_FILE = join(ROOT, ".postgres", "port");
const PORT_RANGE = { first: 55000, size: 5000 };
const SUPERUSER = "loyalnest";

function checkoutPort() {
  const chosen = process.env.LOYALNEST_PG_PORT || (existsSync(PORT_FILE) ? readFileSync(PORT_FILE, "utf8").trim() : "");
  if (!chosen) return PORT_RANGE.first + (parseInt(CHECKOUT_ID.slice(0, 8), 16) % PORT_RANGE.size);
  const port = Number(chosen);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Error(`Postgres port ${JSON.stringify(chosen)} (LOYALNEST_PG_PORT or ${PORT_FILE}) is not a port number`);
  return port;
}

function checkoutDataDir(port) {
  if (process.env.LOYALNEST_PG_DATA) return resolve(process.env.LOYALNEST_PG_DATA);
  const inCheckout = join(ROOT, ".postgres", String(port));
  // A cluster created in the checkout before clusters moved out of it (as root) is kept.
  if (!IS_ROOT || existsSync(join(inCheckout, "PG_VERSION"))) return inCheckout;
  return join("/var/lib/postgresql/loyalnest", CHECKOUT_ID, String(port));
}

export const PG_PORT = checkoutPort();

function log(message) {
  process.stderr.write(`[postgres] ${message}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
  if (!IS_ROOT) {
    throw new Error("PostgreSQL server binaries not found: install them with `sudo apt-get install -y postgresql postgresql-contrib`");
  }
  log("installing PostgreSQL from Debian's packages (apt-get)…");
  execFileSync("apt-get", ["update"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "postgresql", "postgresql-contrib"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

function serverBinDir() {
  let bin = findBinDir();
  if (!bin) {
    installServer();
    bin = findBinDir();
    if (!bin) throw new Error("PostgreSQL installed but initdb not found");
  }
  return bin;
}

/**
 * PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user. cwd "/":
 * the binaries change to their working directory first, which that user may not be able to enter.
 */
function runAsServerUser(binary, args) {
  const command = IS_ROOT ? "runuser" : binary;
  const argv = IS_ROOT ? ["-u", "postgres", "--", binary, ...args] : args;
  return spawnSync(command, argv, { encoding: "utf8", cwd: "/" });
}

function serverUserIds() {
  const id = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/** Creates `dir` and its missing parents; as root, the ones created belong to `postgres`. */
function makeServerDir(dir, mode) {
  const missing = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
  mkdirSync(dir, { recursive: true, mode });
  if (!IS_ROOT) return;
  const { uid, gid } = serverUserIds();
  for (const d of missing) chownSync(d, uid, gid);
}

/** A mkdir lock beside the data directory: two scripts of one checkout starting at once. */
async function withLock(path, fn) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(path);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000) rmSync(path, { recursive: true, force: true }); // left by a killed process
      else if (Date.now() > deadline) throw new Error(`${path} held for 3 minutes by another start`);
      else await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

/**
 * One cluster: its data directory and port. Everything it starts or stops is addressed by its
 * data directory (`pg_ctl -D`), never by whoever answers on the port.
 * @param {{ port: number, dataDir: string, onCreate?: () => void }} options
 */
export function postgresCluster({ port, dataDir, onCreate = () => {} }) {
  const databaseUrl = (database) =>
    // Loopback only, trust auth; the password is there because Hyperdrive insists on one.
    `postgres://${SUPERUSER}:${SUPERUSER}@127.0.0.1:${port}/${database}`;

  const isRunning = (bin) => existsSync(join(dataDir, "PG_VERSION")) && runAsServerUser(join(bin, "pg_ctl"), ["-D", dataDir, "status"]).status === 0;
  const portAnswers = (bin) => spawnSync(join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)], { cwd: "/" }).status === 0;

  function create(bin) {
    log(`initialising a cluster in ${dataDir}`);
    makeServerDir(dataDir, 0o700);
    const init = runAsServerUser(join(bin, "initdb"), ["-D", dataDir, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync"]);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    // Loopback only; sized for tests and the bench on a 2-core machine.
    const conf = join(dataDir, "postgresql.auto.conf");
    writeFileSync(
      conf,
      [
        "listen_addresses = '127.0.0.1'",
        `port = ${port}`,
        "unix_socket_directories = ''",
        "max_connections = 300",
        "fsync = on",
        "synchronous_commit = off",
        "shared_buffers = 256MB",
        "",
      ].join("\n"),
    );
    if (IS_ROOT) {
      const { uid, gid } = serverUserIds();
      chownSync(conf, uid, gid);
    }
    onCreate();
  }

  async function ensure() {
    const bin = serverBinDir();
    if (isRunning(bin)) return { bin, dataDir };
    makeServerDir(dirname(dataDir), 0o755);
    return withLock(`${dataDir}.lock`, async () => {
      if (isRunning(bin)) return { bin, dataDir };
      if (portAnswers(bin)) {
        throw new Error(`port ${port} on 127.0.0.1 answers, but not from this cluster (${dataDir}): set LOYALNEST_PG_PORT to a free port`);
      }
      if (!existsSync(join(dataDir, "PG_VERSION"))) create(bin);
      log(`starting ${dataDir} on 127.0.0.1:${port}`);
      const start = runAsServerUser(join(bin, "pg_ctl"), ["-D", dataDir, "-l", join(dataDir, "server.log"), "-w", "-t", "60", "start"]);
      if (start.status !== 0) throw new Error(`pg_ctl start failed: ${start.stderr}${start.stdout}\n(server log: ${join(dataDir, "server.log")})`);
      return { bin, dataDir };
    });
  }

  /** Stops this cluster only, if it runs. */
  async function stop() {
    const bin = findBinDir();
    if (!bin || !isRunning(bin)) return;
    const result = runAsServerUser(join(bin, "pg_ctl"), ["-D", dataDir, "-m", "fast", "-w", "stop"]);
    if (result.status !== 0) throw new Error(`pg_ctl stop failed for ${dataDir}: ${result.stderr}${result.stdout}`);
  }

  /** Creates the database if needed and applies every postgres/migrations/*.sql once. */
  async function prepareDatabase(database) {
    await ensure();
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

  return { port, dataDir, databaseUrl, ensure, stop, prepareDatabase };
}

/** This checkout's cluster (see the top of this file). */
export const checkoutCluster = postgresCluster({
  port: PG_PORT,
  dataDir: checkoutDataDir(PG_PORT),
  onCreate() {
    mkdirSync(dirname(PORT_FILE), { recursive: true });
    if (!existsSync(PORT_FILE)) writeFileSync(PORT_FILE, `${PG_PORT}\n`);
  },
});
export const { databaseUrl, ensure: ensurePostgres, stop: stopPostgres, prepareDatabase } = checkoutCluster;

/**
 * A cluster of the caller's own, on a free port in a new temp directory, started; destroy()
 * stops it and removes the directory. For tests that stop Postgres: they stop only this one.
 */
export async function startPrivateCluster(label = "private") {
  // As root the temp dir goes to /tmp, which the `postgres` user can enter, and is handed to it.
  const dir = mkdtempSync(join(IS_ROOT ? "/tmp" : tmpdir(), `loyalnest-pg-${label}-`));
  if (IS_ROOT) {
    const { uid, gid } = serverUserIds();
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const cluster = postgresCluster({ port: await freePort(), dataDir: join(dir, "data") });
  try {
    await cluster.ensure();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const destroy = async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { ...cluster, destroy };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const command = process.argv[2] ?? "start";
  if (command === "stop") await stopPostgres();
  else if (command === "where") console.log(`${checkoutCluster.dataDir} on 127.0.0.1:${PG_PORT}`);
  else console.log(await prepareDatabase(process.argv[3] ?? "loyalnest"));
}
