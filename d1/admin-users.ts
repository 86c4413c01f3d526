// Platform admins in D1 (admin_users): emails sealed and found by their blind index, roles from
// core/admin-roles.ts. The last active superadmin can be neither removed, deactivated nor
// demoted: each write that could do it carries the rule in its own statement (a count of the
// other active superadmins), so two superadmins removing each other at once cannot both win.
import { asc, eq, inArray } from "drizzle-orm";
import type { AdminRole } from "../core/admin-roles";
import { adminEmailBlindIndex, adminEmailContext, decryptText, encryptText, keyring, normalizeEmail, type KeySource } from "../core/crypto";
import { d1 } from "./client";
import { adminUsers } from "./schema";

export interface AdminUser {
  id: string;
  username: string;
  email: string;
  role: AdminRole;
  active: boolean;
  created_by: string;
  created_at: string;
  updated_at: string;
}

type AdminEnv = Pick<Env, "DB"> & KeySource;
type Row = typeof adminUsers.$inferSelect;

async function toAdmin(env: KeySource, row: Row): Promise<AdminUser> {
  const email = await decryptText(await keyring(env), row.emailEncrypted, adminEmailContext(row.id));
  return {
    id: row.id,
    username: row.username,
    email,
    role: row.role,
    active: row.active,
    created_by: row.createdBy,
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

/**
 * The active admin whose email this is (Access proved the email), or null. Looked up under the
 * current key's blind index and every previous key's too: after an ENCRYPTION_KEY rotation the
 * rows written before it still carry the old index, and their admins must still get in.
 */
export async function activeAdminByEmail(env: AdminEnv, email: string): Promise<AdminUser | null> {
  const ring = await keyring(env);
  const indexes = await Promise.all([ring.current, ...ring.previous].map((keys) => adminEmailBlindIndex(keys, email)));
  const row = await d1(env).select().from(adminUsers).where(inArray(adminUsers.emailBlindIndex, indexes)).get();
  if (!row || !row.active) return null;
  return toAdmin(env, row);
}

export async function listAdmins(env: AdminEnv): Promise<AdminUser[]> {
  const rows = await d1(env).select().from(adminUsers).orderBy(asc(adminUsers.username)).all();
  return Promise.all(rows.map((row) => toAdmin(env, row)));
}

export async function getAdmin(env: AdminEnv, id: string): Promise<AdminUser | null> {
  const row = await d1(env).select().from(adminUsers).where(eq(adminUsers.id, id)).get();
  return row ? toAdmin(env, row) : null;
}

export type AdminWriteConflict = "username_taken" | "email_taken";

function conflictOf(error: unknown): AdminWriteConflict | null {
  const text = String((error as Error)?.message ?? error) + String((error as { cause?: unknown })?.cause ?? "");
  if (!text.includes("UNIQUE")) return null;
  if (text.includes("admin_users.username")) return "username_taken";
  if (text.includes("admin_users.email_blind_index")) return "email_taken";
  return null;
}

export async function createAdmin(
  env: AdminEnv,
  input: { username: string; email: string; role: AdminRole; createdBy: string },
  now = Date.now(),
): Promise<{ ok: true; admin: AdminUser } | { ok: false; conflict: AdminWriteConflict }> {
  const id = crypto.randomUUID();
  const ring = await keyring(env);
  const email = normalizeEmail(input.email);
  try {
    await d1(env)
      .insert(adminUsers)
      .values({
        id,
        username: input.username,
        emailEncrypted: await encryptText(ring.current, email, adminEmailContext(id)),
        emailBlindIndex: await adminEmailBlindIndex(ring.current, email),
        role: input.role,
        active: true,
        createdBy: input.createdBy,
        createdAt: now,
        updatedAt: now,
      })
      .run();
  } catch (error) {
    const conflict = conflictOf(error);
    if (conflict) return { ok: false, conflict };
    throw error;
  }
  return { ok: true, admin: (await getAdmin(env, id))! };
}

/** The statement's guard: true unless the row is the last active superadmin and would stop being one. */
const KEEPS_A_SUPERADMIN = `(
  NOT (role = 'superadmin' AND active = 1)
  OR (?2 = 'superadmin' AND ?3 = 1)
  OR (SELECT count(*) FROM admin_users other WHERE other.role = 'superadmin' AND other.active = 1 AND other.id <> ?1) > 0
)`;

export type AdminChangeResult =
  | { ok: true; before: AdminUser; after: AdminUser | null }
  | { ok: false; reason: "not_found" | "last_superadmin" | AdminWriteConflict };

export async function updateAdmin(
  env: AdminEnv,
  id: string,
  patch: { username?: string; email?: string; role?: AdminRole; active?: boolean },
  now = Date.now(),
): Promise<AdminChangeResult> {
  const before = await getAdmin(env, id);
  if (!before) return { ok: false, reason: "not_found" };
  const ring = await keyring(env);
  const email = patch.email === undefined ? null : normalizeEmail(patch.email);
  const role = patch.role ?? before.role;
  const active = patch.active ?? before.active;
  let changed: { id: string }[];
  try {
    const result = await env.DB.prepare(
      `UPDATE admin_users SET role = ?2, active = ?3, username = COALESCE(?4, username),
         email_encrypted = COALESCE(?5, email_encrypted), email_blind_index = COALESCE(?6, email_blind_index), updated_at = ?7
       WHERE id = ?1 AND ${KEEPS_A_SUPERADMIN} RETURNING id`,
    )
      .bind(
        id,
        role,
        active ? 1 : 0,
        patch.username ?? null,
        email === null ? null : await encryptText(ring.current, email, adminEmailContext(id)),
        email === null ? null : await adminEmailBlindIndex(ring.current, email),
        now,
      )
      .all<{ id: string }>();
    changed = result.results;
  } catch (error) {
    const conflict = conflictOf(error);
    if (conflict) return { ok: false, reason: conflict };
    throw error;
  }
  if (changed.length === 0) return { ok: false, reason: (await getAdmin(env, id)) ? "last_superadmin" : "not_found" };
  return { ok: true, before, after: await getAdmin(env, id) };
}

export async function deleteAdmin(env: AdminEnv, id: string): Promise<AdminChangeResult> {
  const before = await getAdmin(env, id);
  if (!before) return { ok: false, reason: "not_found" };
  // Deleting is "stop being a superadmin": the guard is asked about role null.
  const result = await env.DB.prepare(`DELETE FROM admin_users WHERE id = ?1 AND ${KEEPS_A_SUPERADMIN} RETURNING id`)
    .bind(id, null, 0)
    .all<{ id: string }>();
  if (result.results.length === 0) return { ok: false, reason: (await getAdmin(env, id)) ? "last_superadmin" : "not_found" };
  return { ok: true, before, after: null };
}
