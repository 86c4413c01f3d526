// Admin users (superadmin only): list, add, change a role, (de)activate, remove. The server refuses
// to remove, deactivate or demote the last active superadmin (409 last_superadmin): the refusal is
// shown above the list as it came.
import { useState } from "preact/hooks";
import type { ApiFailure } from "../api";
import { asFailure, useResource } from "../hooks";
import { useT } from "../i18n";
import { Badge, Banner, Button, Card, DataTable, FormLayout, Layout, Page, Select, SkeletonPage, Stack, TextField } from "../ui";
import { adminApi } from "./api";
import { Failure, fieldError, FormFailure, useCan, useDraft } from "./shared";

interface AdminUser {
  id: string;
  username: string;
  email: string;
  role: "superadmin" | "support" | "analytics";
  active: boolean;
}

const ROLES = ["superadmin", "support", "analytics"] as const;

export function Users() {
  const t = useT("console");
  const mayWrite = useCan("users.write");
  const users = useResource(() => adminApi.get<{ users: AdminUser[] }>("/users"));
  const [rowError, setRowError] = useState<ApiFailure | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const roleOptions = ROLES.map((r) => ({ label: t(`role_${r}`), value: r }));

  async function act(run: () => Promise<unknown>, message: string) {
    setRowError(null);
    setNotice(null);
    try {
      await run();
      setNotice(message);
      await users.reload();
    } catch (e) {
      setRowError(asFailure(e));
    }
  }

  if (users.error) return <Page title={t("users_title")}><Failure error={users.error} onRetry={users.reload} /></Page>;
  if (!users.data) return <SkeletonPage title={t("users_title")} />;
  return (
    <Page title={t("users_title")}>
      <Layout>
        {notice && <Banner tone="success">{notice}</Banner>}
        {rowError && (
          <Banner tone="critical" title={rowError.code}>
            {rowError.message}
          </Banner>
        )}
        <Card>
          <DataTable
            headings={[t("username"), t("email"), t("role"), t("active"), ""]}
            rows={users.data.users.map((u) => [
              u.username,
              u.email,
              mayWrite ? <RoleSelect user={u} options={roleOptions} onSave={(role) => act(() => adminApi.send("PUT", `/users/${u.id}`, { role }), t("user_saved"))} /> : t(`role_${u.role}`),
              <Badge tone={u.active ? "success" : "attention"}>{u.active ? t("active") : "—"}</Badge>,
              mayWrite && (
                <Stack direction="row" gap="200">
                  <Button onClick={() => act(() => adminApi.send("PUT", `/users/${u.id}`, { active: !u.active }), t("user_saved"))} ariaLabel={`${u.active ? t("deactivate") : t("activate")} ${u.username}`}>
                    {u.active ? t("deactivate") : t("activate")}
                  </Button>
                  <Button variant="critical" onClick={() => act(() => adminApi.send("DELETE", `/users/${u.id}`), t("user_removed"))} ariaLabel={`${t("remove")} ${u.username}`}>
                    {t("remove")}
                  </Button>
                </Stack>
              ),
            ])}
          />
        </Card>
        {mayWrite && <AddUser options={roleOptions} onAdded={users.reload} />}
      </Layout>
    </Page>
  );
}

function RoleSelect({ user, options, onSave }: { user: AdminUser; options: { label: string; value: string }[]; onSave: (role: string) => void }) {
  const t = useT("console");
  const [role, setRole] = useState<string>(user.role);
  return (
    <Stack direction="row" gap="200" align="end">
      <Select label={`${t("role")} ${user.username}`} value={role} onChange={setRole} options={options} />
      <Button onClick={() => onSave(role)} disabled={role === user.role} ariaLabel={`${t("save_role")} ${user.username}`}>
        {t("save_role")}
      </Button>
    </Stack>
  );
}

function AddUser({ options, onAdded }: { options: { label: string; value: string }[]; onAdded: () => Promise<void> }) {
  const t = useT("console");
  const [values, setValues, clearValues] = useDraft("add-user", { username: "", email: "", role: "support" });
  const [error, setError] = useState<ApiFailure | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const set = (field: keyof typeof values) => (value: string) => setValues((v) => ({ ...v, [field]: value }));
  async function submit() {
    setError(null);
    setDone(null);
    try {
      await adminApi.send("POST", "/users", values);
      setDone(t("user_added", { username: values.username }));
      clearValues();
      await onAdded();
    } catch (e) {
      setError(asFailure(e));
    }
  }
  const fields = ["username", "email", "role"];
  return (
    <Card title={t("add_user")}>
      <Stack>
        {done && <Banner tone="success">{done}</Banner>}
        <FormFailure error={error} fields={fields} />
        <FormLayout onSubmit={submit}>
          <TextField label={t("username")} value={values.username} onChange={set("username")} error={fieldError(error, "username")} />
          <TextField label={t("email")} type="email" value={values.email} onChange={set("email")} error={fieldError(error, "email")} />
          <Select label={t("role")} value={values.role} onChange={set("role")} options={options} error={fieldError(error, "role")} />
          <Button type="submit" variant="primary">
            {t("add_user")}
          </Button>
        </FormLayout>
      </Stack>
    </Card>
  );
}
