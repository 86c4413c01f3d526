// What every console screen shares: who is signed in (and so which buttons exist), and how a
// refusal is shown.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { ApiFailure } from "../api";
import { useT } from "../i18n";
import { Banner, LoadError } from "../ui";
import type { Me } from "./api";

export const MeContext = createContext<Me | null>(null);

/** Whether the signed-in admin's role has `permission` (the server decides; this only hides buttons). */
export function useCan(permission: string): boolean {
  return useContext(MeContext)?.permissions.includes(permission) ?? false;
}

/** A failed load: a 403 says plainly that the role may not, anything else offers a retry. */
export function Failure({ error, onRetry }: { error: ApiFailure; onRetry: () => void }) {
  const t = useT("console");
  if (error.status === 403) return <Banner tone="critical" title={t("forbidden", { code: error.code })}>{error.message}</Banner>;
  return <LoadError error={error} onRetry={onRetry} />;
}

/** The message beside a field for a 400 naming it (zod's path), else null. */
export function fieldError(error: ApiFailure | null, field: string): string | null {
  return error && error.status === 400 && error.field === field ? error.message : null;
}

/** A write's failure not tied to one field, shown above the form. */
export function FormFailure({ error, fields }: { error: ApiFailure | null; fields: string[] }) {
  const t = useT("console");
  if (!error || (error.status === 400 && error.field && fields.includes(error.field))) return null;
  return (
    <Banner tone="critical" title={error.status === 403 ? t("forbidden", { code: error.code }) : error.code}>
      {error.message}
    </Banner>
  );
}

export const CONSOLE_BASE = "/console";
