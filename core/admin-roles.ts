// The admin console's roles and the one table of what each may do. Every /admin route names
// the permission it needs (workers/admin); nothing else decides. The README shows this table.
//
// | permission            | superadmin | support | analytics |
// |-----------------------|:----------:|:-------:|:---------:|
// | overview.read         |     ✓      |    ✓    |     ✓     |
// | merchants.read        |     ✓      |    ✓    |     ✓     |
// | logs.read             |     ✓      |    ✓    |     ✓     |
// | integrations.read     |     ✓      |    ✓    |     ✓     |
// | integrations.recheck  |     ✓      |    ✓    |           |
// | points.adjust         |     ✓      |    ✓    |           |
// | plans.change          |     ✓      |         |           |
// | users.read            |     ✓      |         |           |
// | users.write           |     ✓      |         |           |

export const ADMIN_ROLES = ["superadmin", "support", "analytics"] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export const ADMIN_PERMISSIONS = [
  "overview.read",
  "merchants.read",
  "logs.read",
  "integrations.read",
  "integrations.recheck",
  "points.adjust",
  "plans.change",
  "users.read",
  "users.write",
] as const;
export type AdminPermission = (typeof ADMIN_PERMISSIONS)[number];

const READ: AdminPermission[] = ["overview.read", "merchants.read", "logs.read", "integrations.read"];

export const ROLE_PERMISSIONS: Record<AdminRole, ReadonlySet<AdminPermission>> = {
  superadmin: new Set(ADMIN_PERMISSIONS),
  support: new Set([...READ, "integrations.recheck", "points.adjust"]),
  analytics: new Set(READ),
};

export function can(role: AdminRole, permission: AdminPermission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export function isAdminRole(value: string): value is AdminRole {
  return (ADMIN_ROLES as readonly string[]).includes(value);
}

/** The audit log's shop for actions on the platform itself (admin users): no shop domain looks like it. */
export const PLATFORM_SCOPE = "(platform)";
