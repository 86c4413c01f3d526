// What every console screen shares: who is signed in (and so which buttons exist), how a
// refusal is shown, and forms' drafts kept across a sign-in again.
import { createContext } from "preact";
import { useContext, useState } from "preact/hooks";
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

const DRAFT_PREFIX = "loyalnest:console-draft:";

/**
 * A form's values, kept in this tab's sessionStorage as they are typed: when Access expires the
 * console loads itself again (main.tsx), and what the admin had typed is there after the sign-in.
 * `clear(next?)` after a save drops the draft (the form shows `next`, else `initial`). Session storage: the tab's own,
 * gone when it closes, never sent anywhere.
 */
export function useDraft<T extends Record<string, string>>(key: string, initial: T): [T, (update: (values: T) => T) => void, (next?: T) => void] {
  const storageKey = DRAFT_PREFIX + key;
  const [values, setValues] = useState<T>(() => {
    try {
      const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? "null") as Partial<T> | null;
      // Only the fields the form has, and only strings: a draft from an older console is ignored field by field.
      if (!stored || typeof stored !== "object") return initial;
      const kept = Object.fromEntries(Object.keys(initial).filter((field) => typeof stored[field] === "string").map((field) => [field, stored[field]]));
      return { ...initial, ...kept };
    } catch {
      return initial;
    }
  });
  const update = (change: (values: T) => T) =>
    setValues((current) => {
      const next = change(current);
      try {
        sessionStorage.setItem(storageKey, JSON.stringify(next));
      } catch {
        // Storage full or refused: the form still works, only the draft is not kept.
      }
      return next;
    });
  const clear = (next: T = initial) => {
    sessionStorage.removeItem(storageKey);
    setValues(next);
  };
  return [values, update, clear];
}
