// One postgres.js client per request or batch, through Hyperdrive (DESIGN.md: never on the
// storefront hot path). Settings per Cloudflare's guidance for postgres.js with Hyperdrive.
import postgres from "postgres";

export type Sql = postgres.Sql;

export function connectReporting(env: Pick<Env, "HYPERDRIVE">): Sql {
  return postgres(env.HYPERDRIVE.connectionString, {
    max: 5,
    fetch_types: false,
    prepare: true,
    connect_timeout: 5,
    idle_timeout: 5,
    onnotice: () => {},
  });
}

/** Runs `work` with a fresh client and closes it afterwards, in the background when possible. */
export async function withReporting<T>(
  env: Pick<Env, "HYPERDRIVE">,
  ctx: { waitUntil(p: Promise<unknown>): void } | null,
  work: (sql: Sql) => Promise<T>,
): Promise<T> {
  const sql = connectReporting(env);
  try {
    return await work(sql);
  } finally {
    const closing = sql.end({ timeout: 1 }).catch(() => {});
    if (ctx) ctx.waitUntil(closing);
    else await closing;
  }
}
