// Each admin role can do what core/admin-roles.ts's table says and nothing else, route by
// route: a permitted request does its work (2xx), a refused one is 403 permission_denied and
// changes nothing. The last active superadmin can be neither removed, deactivated nor demoted.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_PERMISSIONS, ADMIN_ROLES, can, type AdminPermission, type AdminRole } from "../../core/admin-roles";
import { getAdmin, type AdminUser } from "../../d1/admin-users";
import { call, eventually, install, json, merchantApi } from "../helpers/app";
import { adminApi, makeAdmin } from "../helpers/access";
import { freshConfig } from "../helpers/provider-standins";
import { customerBody, uniqueShop, webhookRequest } from "../helpers/shopify";

const shop = uniqueShop("admin-roles");
const customerId = "9400001";
const admins = {} as Record<AdminRole, AdminUser>;

beforeAll(async () => {
  await install(shop);
  for (const role of ADMIN_ROLES) admins[role] = await makeAdmin(role);
  await call(await webhookRequest("customers/create", shop, customerBody({ id: customerId, email: "roles@example.com" })));
  await eventually(() => merchantApi(shop, "GET", `/customers/${customerId}`).then((r) => r.status), (s) => s === 200);
  const sendgrid = await freshConfig("sendgrid");
  expect((await merchantApi(shop, "PUT", "/integrations/sendgrid", sendgrid)).status).toBe(200);
});

interface RouteCase {
  permission: AdminPermission;
  /** A request a permitted role completes; fresh per call (ids, keys). */
  request: () => Promise<[string, string, unknown?, Record<string, string>?]>;
  ok: number;
}

let seq = 0;
const unique = () => `${Date.now().toString(36)}${(seq += 1)}`;

const CASES: RouteCase[] = [
  { permission: "overview.read", ok: 200, request: async () => ["GET", "/overview?period=7d"] },
  { permission: "merchants.read", ok: 200, request: async () => ["GET", "/merchants?search=admin-roles"] },
  { permission: "merchants.read", ok: 200, request: async () => ["GET", `/merchants/${shop}`] },
  { permission: "merchants.read", ok: 200, request: async () => ["GET", "/plans"] },
  { permission: "logs.read", ok: 200, request: async () => ["GET", `/logs?shop=${shop}`] },
  { permission: "logs.read", ok: 200, request: async () => ["GET", "/logs?type=api&surface=admin"] },
  { permission: "integrations.read", ok: 200, request: async () => ["GET", "/integrations/health"] },
  { permission: "integrations.recheck", ok: 200, request: async () => ["POST", `/integrations/${shop}/sendgrid/check`] },
  {
    permission: "points.adjust",
    ok: 200,
    request: async () => ["POST", "/points/adjust", { shop, customer_id: customerId, points: 5, reason: "role check" }, { "idempotency-key": crypto.randomUUID() }],
  },
  { permission: "plans.change", ok: 200, request: async () => ["PUT", "/plans", { shop, plan: seq % 2 ? "growth" : "pro", reason: "role check" }] },
  { permission: "users.read", ok: 200, request: async () => ["GET", "/users"] },
  { permission: "users.write", ok: 201, request: async () => ["POST", "/users", { username: `new-${unique()}`, email: `new-${unique()}@staff.test`, role: "analytics" }] },
  { permission: "users.write", ok: 200, request: async () => ["PUT", `/users/${(await makeAdmin("analytics", "target")).id}`, { role: "support" }] },
  { permission: "users.write", ok: 200, request: async () => ["DELETE", `/users/${(await makeAdmin("analytics", "target")).id}`] },
];

describe("the permission table, route by route", () => {
  it("names every permission at least once here (a new permission needs its route case)", () => {
    expect(new Set(CASES.map((c) => c.permission))).toEqual(new Set(ADMIN_PERMISSIONS));
  });

  const matrix = ADMIN_ROLES.flatMap((role) => CASES.map((c) => [role, c.permission, c] as const));
  it.each(matrix)("%s → %s", async (role, permission, routeCase) => {
    const [method, path, body, headers] = await routeCase.request();
    const response = await adminApi(admins[role], method, path, body, headers);
    const answer = await json(response);
    if (can(role, permission)) {
      expect(response.status, `${method} ${path}: ${JSON.stringify(answer)}`).toBe(routeCase.ok);
      expect(answer.status).toBe("ok");
    } else {
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(answer.error).toMatchObject({ code: "permission_denied" });
      expect(answer.error.message).toContain(role);
    }
  });

  it("a refused write changes nothing: support cannot demote, analytics cannot adjust", async () => {
    const target = await makeAdmin("support", "kept");
    expect((await adminApi(admins.support, "PUT", `/users/${target.id}`, { role: "superadmin" })).status).toBe(403);
    expect((await getAdmin(env, target.id))?.role).toBe("support");
    const before = await json(await merchantApi(shop, "GET", `/customers/${customerId}`));
    expect((await adminApi(admins.analytics, "POST", "/points/adjust", { shop, customer_id: customerId, points: 999, reason: "no" })).status).toBe(403);
    const after = await json(await merchantApi(shop, "GET", `/customers/${customerId}`));
    expect(after.customer?.points_balance ?? after.points_balance).toBe(before.customer?.points_balance ?? before.points_balance);
  });

  it("GET /admin/me lists exactly the role's permissions", async () => {
    for (const role of ADMIN_ROLES) {
      const me = await json(await adminApi(admins[role], "GET", "/me"));
      expect(new Set(me.permissions)).toEqual(new Set(ADMIN_PERMISSIONS.filter((p) => can(role, p))));
    }
  });
});

describe("the last superadmin", () => {
  it("cannot be removed, deactivated or demoted; once another superadmin exists it can", async () => {
    // This file's D1 only: start from one active superadmin.
    await env.DB.prepare(`DELETE FROM admin_users`).run();
    const only = await makeAdmin("superadmin", "only");
    for (const [method, body] of [
      ["DELETE", undefined],
      ["PUT", { role: "support" }],
      ["PUT", { role: "analytics" }],
      ["PUT", { active: false }],
    ] as const) {
      const response = await adminApi(only, method, `/users/${only.id}`, body);
      expect(response.status, `${method} ${JSON.stringify(body)}`).toBe(409);
      expect(await json(response)).toMatchObject({ error: { code: "last_superadmin" } });
    }
    expect(await getAdmin(env, only.id)).toMatchObject({ role: "superadmin", active: true });
    // Changing other things about it is fine.
    expect((await adminApi(only, "PUT", `/users/${only.id}`, { username: `renamed-${unique()}` })).status).toBe(200);

    // An inactive superadmin does not count as another one.
    const dormant = await makeAdmin("superadmin", "dormant");
    expect((await adminApi(only, "PUT", `/users/${dormant.id}`, { active: false })).status).toBe(200);
    expect((await adminApi(only, "DELETE", `/users/${only.id}`)).status).toBe(409);

    const second = await json(await adminApi(only, "POST", "/users", { username: `second-${unique()}`, email: `second-${unique()}@staff.test`, role: "superadmin" }));
    expect(second.user.role).toBe("superadmin");
    const demoted = await adminApi(only, "PUT", `/users/${only.id}`, { role: "support" });
    expect(demoted.status).toBe(200);
    // Now the second is the last one: the first (a support now) cannot touch users at all,
    // and the second cannot leave.
    expect((await adminApi(only, "DELETE", `/users/${second.user.id}`)).status).toBe(403);
    const secondAdmin = (await getAdmin(env, second.user.id))!;
    expect(await json(await adminApi(secondAdmin, "DELETE", `/users/${second.user.id}`))).toMatchObject({ error: { code: "last_superadmin" } });
    // Two superadmins removing each other at once: one removal wins, one superadmin stays.
    const third = await makeAdmin("superadmin", "third");
    const [a, b] = await Promise.all([
      adminApi(secondAdmin, "DELETE", `/users/${third.id}`),
      adminApi(third, "DELETE", `/users/${secondAdmin.id}`),
    ]);
    const statuses = [a.status, b.status].sort();
    const left = await env.DB.prepare(`SELECT count(*) AS n FROM admin_users WHERE role = 'superadmin' AND active = 1`).first<{ n: number }>();
    expect(left?.n).toBe(1);
    // The loser is refused either as the last superadmin or as no longer an admin (its row went first).
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
  });
});
