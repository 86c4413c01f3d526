// Every shop, for the admin console's merchant list: search by domain (contains; an exact
// domain is the shop's id), with its plan and this month's usage (net paid orders).
import { usageMonth } from "../core/plans";

export interface MerchantListRow {
  shop: string;
  status: "installed" | "uninstalled";
  plan: string;
  installed_at: string;
  uninstalled_at: string | null;
  usage: { month: string; orders: number; limit: number | null };
}

function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

export async function listMerchants(
  env: Pick<Env, "DB">,
  options: { search?: string; page: number; perPage: number },
  now = Date.now(),
): Promise<{ merchants: MerchantListRow[]; total: number }> {
  const month = usageMonth(now);
  const search = options.search?.trim().toLowerCase() ?? "";
  const where = search === "" ? "1 = 1" : `s.domain LIKE ?2 ESCAPE '\\'`;
  const params: unknown[] = [month];
  if (search !== "") params.push(likePattern(search));
  const [rows, count] = await env.DB.batch<Record<string, unknown>>([
    env.DB.prepare(
      `SELECT s.domain, s.status, s.plan, s.installed_at, s.uninstalled_at, COALESCE(u.net_orders, 0) AS orders, p.monthly_order_limit AS lim
       FROM shops s
       LEFT JOIN plan_usage u ON u.shop = s.domain AND u.month = ?1
       LEFT JOIN plans p ON p.id = s.plan
       WHERE ${where}
       ORDER BY s.domain
       LIMIT ${options.perPage} OFFSET ${(options.page - 1) * options.perPage}`,
    ).bind(...params),
    env.DB.prepare(`SELECT count(*) AS n FROM shops s WHERE ${where.replace("?2", "?1")}`).bind(...params.slice(1)),
  ]);
  return {
    merchants: rows!.results.map((r) => ({
      shop: r.domain as string,
      status: r.status as MerchantListRow["status"],
      plan: r.plan as string,
      installed_at: new Date(r.installed_at as number).toISOString(),
      uninstalled_at: r.uninstalled_at === null ? null : new Date(r.uninstalled_at as number).toISOString(),
      usage: { month, orders: r.orders as number, limit: (r.lim as number | null) ?? null },
    })),
    total: (count!.results[0]?.n as number) ?? 0,
  };
}

/** How many shops are installed and uninstalled. */
export async function merchantCounts(env: Pick<Env, "DB">): Promise<{ installed: number; uninstalled: number }> {
  const rows = await env.DB.prepare(`SELECT status, count(*) AS n FROM shops GROUP BY status`).all<{ status: string; n: number }>();
  const by = Object.fromEntries(rows.results.map((r) => [r.status, r.n]));
  return { installed: by.installed ?? 0, uninstalled: by.uninstalled ?? 0 };
}
