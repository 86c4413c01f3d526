// Form values for the program screens: flat keys that are the API's own field paths
// ("config.purchase", "translations.en.title"), so an API 400 naming a path lands beside the
// input with that key. Text inputs hold strings; a value that does not parse is sent as typed,
// so the API (the one validator) refuses it with its own message instead of the form guessing.

export type FormValues = Record<string, string | boolean>;

type Json = Record<string, unknown>;

/** Reads `a.b.c` of a nested object (undefined when any step is missing). */
export function getPath(source: unknown, path: string): unknown {
  let at: unknown = source;
  for (const step of path.split(".")) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Json)[step];
  }
  return at;
}

/** Writes `a.b.c` into a nested object, creating the objects on the way. */
export function setPath(target: Json, path: string, value: unknown): void {
  const steps = path.split(".");
  let at = target;
  for (const step of steps.slice(0, -1)) {
    if (at[step] === null || typeof at[step] !== "object") at[step] = {};
    at = at[step] as Json;
  }
  at[steps[steps.length - 1]!] = value;
}

const NUMBER = /^\s*-?\d+(\.\d+)?\s*$/;

/** "12" → 12; anything else (empty, "abc", "1e3") goes as typed for the API to refuse. */
export function toNumber(text: string | boolean): number | string {
  const s = String(text);
  return NUMBER.test(s) ? Number(s) : s;
}

/** Like toNumber, but empty means null (an optional number: "never expires", "no limit"). */
export function toNullableNumber(text: string | boolean): number | string | null {
  return String(text).trim() === "" ? null : toNumber(text);
}

/** Empty means null (an optional amount or id). */
export function toNullableText(text: string | boolean): string | null {
  const s = String(text).trim();
  return s === "" ? null : s;
}

export const fromNumber = (value: unknown): string => (value === null || value === undefined ? "" : String(value));
export const fromText = (value: unknown): string => (typeof value === "string" ? value : value === null || value === undefined ? "" : String(value));

/** The keys whose values differ between two snapshots (what a save would change). */
export function changedKeys(before: FormValues, after: FormValues): string[] {
  return Object.keys({ ...before, ...after }).filter((key) => before[key] !== after[key]);
}

/**
 * The error for an input whose key is `key`, from errors keyed by the API's paths: its own, or
 * one inside it ("translations.en.perks.1" belongs to the perks textarea).
 */
export function errorFor(errors: Record<string, string | undefined> | undefined, key: string): string | undefined {
  if (!errors) return undefined;
  if (errors[key]) return errors[key];
  const inside = Object.keys(errors).find((path) => path.startsWith(`${key}.`) && errors[path]);
  return inside ? errors[inside] : undefined;
}

/**
 * The field an API failure names. The API's 400 `invalid_request` messages start with the zod
 * path ("config.purchase: Too small…"); routes with their own codes (campaigns'
 * `invalid_ends_at`, tiers' `threshold_basis_mismatch`) name it in the code or message.
 */
export function failureField(failure: { code: string; message: string; field?: string | null }, codeFields: Record<string, string> = {}): string | null {
  if (failure.field) return failure.field;
  if (codeFields[failure.code]) return codeFields[failure.code]!;
  const prefix = /^([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*): /i.exec(failure.message);
  return prefix ? prefix[1]! : null;
}

/** The message without its "path: " prefix, for showing beside the field it names. */
export function fieldMessage(message: string, field: string | null): string {
  return field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
}

/** datetime-local's "2026-12-01T10:00" (the merchant's own clock) → an ISO instant in UTC. */
export function localToIso(local: string | boolean): string | null {
  const s = String(local).trim();
  if (s === "") return null;
  const at = new Date(s);
  // Sent as typed when it is not a time: the API says what is wrong with it.
  return Number.isNaN(at.getTime()) ? s : at.toISOString();
}

/** An ISO instant → datetime-local's value in the merchant's own clock. */
export function isoToLocal(iso: string | null | undefined): string {
  if (!iso) return "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** One perk a line; blank lines dropped. */
export const linesToList = (text: string | boolean): string[] =>
  String(text)
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
export const listToLines = (list: unknown): string => (Array.isArray(list) ? list.join("\n") : "");
