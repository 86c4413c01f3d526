// Building blocks of the in-runtime fuzz suite (test/workers/fuzz.test.ts): a seeded PRNG,
// raw-JSON and raw-query builders (so values JSON.stringify cannot write — 1e309, -0, lone
// surrogates, duplicate keys, invalid UTF-8 — can be sent), generators of hostile values,
// state snapshots (D1, Durable Object ledgers, Postgres) and the per-response checks.
import { env } from "cloudflare:test";
import { hmacSha256 } from "../../core/crypto";
import { toBase64 } from "../../core/encoding";
import type { Sql } from "../../postgres/client";
import { accountState, call } from "./app";
import { sessionClaims as claimsFor } from "./shopify";
import { TEST_SECRETS } from "./secrets";

/** A request body: text, or bytes when it must not be valid UTF-8. */
export type Body = string | Uint8Array<ArrayBuffer>;

export const ORIGIN = "https://loyalnest.test";
export const SECRET: string = TEST_SECRETS.SHOPIFY_API_SECRET;
export const API_KEY: string = TEST_SECRETS.SHOPIFY_API_KEY;

// --- Seed and PRNG ------------------------------------------------------------------------

/**
 * The run's seed: FUZZ_SEED if the runtime sees it, else VITE_FUZZ_SEED (Vite forwards only
 * VITE_-prefixed variables into workerd without a config change), else a random one.
 * "random" or empty also picks a random seed; a non-numeric string is hashed.
 */
export function fuzzSeed(): { seed: number; source: string } {
  const meta = ((import.meta as unknown as { env?: Record<string, unknown> }).env ?? {}) as Record<string, unknown>;
  const proc = ((globalThis as { process?: { env?: Record<string, unknown> } }).process?.env ?? {}) as Record<string, unknown>;
  const bound = env as unknown as Record<string, unknown>;
  const candidates: [string, unknown][] = [
    ["FUZZ_SEED", meta.FUZZ_SEED ?? proc.FUZZ_SEED ?? bound.FUZZ_SEED],
    ["VITE_FUZZ_SEED", meta.VITE_FUZZ_SEED ?? proc.VITE_FUZZ_SEED],
  ];
  for (const [source, raw] of candidates) {
    if (typeof raw !== "string" && typeof raw !== "number") continue;
    const text = String(raw).trim();
    if (text === "" || text === "random") continue;
    const n = Number(text);
    return { seed: Number.isSafeInteger(n) ? n >>> 0 : hashString(text), source };
  }
  return { seed: crypto.getRandomValues(new Uint32Array(1))[0]!, source: "random" };
}

export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** sfc32 seeded through splitmix32: small, fast, and the same sequence everywhere. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    let state = seed >>> 0;
    const splitmix = () => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** [0, 1) */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Integer in [min, max], inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(0, items.length - 1)]!;
  }

  /** A child generator: each route or topic draws from its own, so adding one shifts no other. */
  fork(label: string): Rng {
    return new Rng(hashString(`${this.seed}:${label}`));
  }

  /** A numeric id of `length` digits without a leading zero. */
  digits(length: number): string {
    let out = String(this.int(1, 9));
    while (out.length < length) out += String(this.int(0, 9));
    return out;
  }
}

// --- Hostile values -------------------------------------------------------------------------

/** Strings that are valid JS but hostile: lone surrogates, controls, bidi, combining, lookalikes. */
export const UNICODE_SAMPLES: readonly string[] = [
  "\ud800",
  "\udfff",
  "a\ud800b",
  "\udc00\ud800",
  "\ufeff",
  "\u202e\u202dgnp.exe",
  "e\u0301".repeat(300),
  "\u{1F468}\u200d\u{1F469}\u200d\u{1F467}\u200d\u{1F466}",
  "\uffff\ufffe",
  "\u{1D54F}\u{1D550}",
  "\uff47\uff49\uff44",
  "\u0130\u0131\u00df",
  "\u2028\u2029",
  "\u0663\u0664",
  "\uff11\uff12\uff13",
  "\u200b\u200c\u200d",
  "\u0000\u0000",
  "\u{10FFFF}",
  "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357",
];

/** Control characters other than NUL (which has a category of its own). */
export const CONTROL_SAMPLES: readonly string[] = ["\u0001\u0002\u0003", "\u001b[31mred", "\r\nX-Injected: 1", "\u007f", "\b\f\t\v", "\u0085\u009f", "\r", "\u001f"];

/** NUL in every position: JSON and URLs carry it, Postgres text cannot hold it. */
export const NUL_SAMPLES: readonly string[] = ["\u0000", "\u0000\u0000\u0000", "x\u0000"];

/** JSON number texts (and numeric-looking strings) at and beyond every edge. */
export const NUMBER_TEXTS: readonly string[] = [
  "1e309",
  "-1e309",
  "-0",
  "-0.0",
  "18446744073709551616",
  "18446744073709551615",
  "9007199254740993",
  "-9007199254740993",
  "123456789012345678901234567890",
  "1e-400",
  "4.9e-324",
  "1.7976931348623157e308",
  "-1",
  "0.1",
  "1.5",
  "2147483648",
  '"NaN"',
  '"Infinity"',
  '"-Infinity"',
  '"1e309"',
  '"-0"',
  '"0x1F"',
  '"18446744073709551616"',
];

/** JSON texts that are not JSON at all in a value position. */
export const INVALID_JSON_VALUES: readonly string[] = ["NaN", "Infinity", "-Infinity", "undefined", "0x10", "01", "+1", ".5", "1.", "'single'", "True", "nul"];

export const MONEY_STRINGS: readonly string[] = [
  "1,000.00",
  "$5.00",
  "-1.00",
  "-0.00",
  "1e3",
  "0x10",
  "\uff11\uff12.\uff10\uff10",
  "\u0663.\u0660\u0660",
  "1.2.3",
  "",
  ".",
  " ",
  ".50",
  "5.",
  "+5",
  "99999999999999.00",
  "1".repeat(400),
  "10.00 USD",
  "10.00\n",
  "10.00\u0000",
  "1_000",
  "NaN",
  "Infinity",
  "1e309",
];

export const DATE_STRINGS: readonly string[] = [
  "not a date",
  "2026-13-45T99:99:99Z",
  "0000-00-00T00:00:00Z",
  "+275760-09-13T00:00:00.001Z",
  "9999999-01-01",
  "2026-02-30",
  "yesterday",
  "1e309",
  "-1",
  "2026-11-20T10:00:00Z\u0000",
  "2026-11-20T10:00:00+99:99",
  "\ud800",
];

export const INJECTION_STRINGS: readonly string[] = [
  "../../../etc/passwd",
  "..\\..\\windows",
  "' OR '1'='1' --",
  "'; DROP TABLE customers; --",
  "%",
  "_",
  "\\",
  "%_\\%",
  "<script>alert(1)</script>",
  "${7*7}",
  "{{7*7}}",
  "__proto__",
  "constructor",
  "gid://shopify/Customer/1",
  "*",
  "\"",
];

export function gidVariants(rng: Rng, type: string): string[] {
  const other = type === "Order" ? "Customer" : "Order";
  return [
    `gid://shopify/${type}/${rng.digits(21)}`,
    `gid://shopify/${type}/-1`,
    `gid://shopify/${type}/`,
    `gid://shopify/${type}/1.5`,
    `gid://shopify/${type}/1e3`,
    `gid://shopify/${type}/../${other}/1`,
    `gid://shopify/${type}/1%00`,
    `gid://shopify/${type}/1\u0000`,
    `gid://shopify/${type}/\uff11\uff12\uff13`,
    `gid://shopify/${type}/\u0661\u0662`,
    `gid://shopify/${other}/${rng.digits(8)}`,
    `gid://shopify/${type.toLowerCase()}/${rng.digits(8)}`,
    `GID://SHOPIFY/${type}/${rng.digits(8)}`,
    `gid://shopify/${type}/${rng.digits(8)}\n`,
    `gid://shopify/${type}/${rng.digits(8)}/extra`,
    ` gid://shopify/${type}/${rng.digits(8)}`,
    rng.digits(10),
    "",
  ];
}

/** A string of 100 KB – 1.5 MB (UTF-16 units), sometimes multi-byte. */
export function hugeString(rng: Rng, min = 100_000, max = 1_500_000): string {
  const length = rng.int(min, max);
  const unit = rng.pick(["a", "\u00e9", "\u{1F600}", "0", " ", "\\", "%", "\u0663"]);
  return unit.repeat(Math.max(1, Math.floor(length / unit.length)));
}

/** A percent-encoded string of 100 KB – 1.5 MB as it goes on the URL. */
export function hugeEncoded(rng: Rng, min = 100_000, max = 1_500_000): string {
  const unit = pct(rng.pick(["a", "\u00e9", "\u{1F600}", "0", " ", "%", "\u0663", "\ud800"]));
  return unit.repeat(Math.max(1, Math.floor(rng.int(min, max) / unit.length)));
}

/** JSON text nested 10k–50k levels deep. */
export function deepJson(rng: Rng): string {
  const depth = rng.int(10_000, 50_000);
  switch (rng.int(0, 2)) {
    case 0:
      return "[".repeat(depth) + "]".repeat(depth);
    case 1:
      return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    default:
      return '[{"a":'.repeat(depth) + "null" + "}]".repeat(depth);
  }
}

/** Inserts `sample` into `base` at a random position (or replaces it). */
export function splice(rng: Rng, base: string | null, sample: string): string {
  if (base === null || rng.chance(0.3)) return sample;
  const at = rng.int(0, base.length);
  return base.slice(0, at) + sample + base.slice(at);
}

// --- Raw JSON trees -------------------------------------------------------------------------
// A body is a tree whose leaves are raw JSON text, so mutations may write anything at any path.

export type Node = { raw: string } | { obj: [string, Node][] } | { arr: Node[] };

export const raw = (text: string): Node => ({ raw: text });
export const str = (value: string): Node => ({ raw: JSON.stringify(value) });
export const obj = (fields: Record<string, Node>): Node => ({ obj: Object.entries(fields) });
export const arr = (items: Node[]): Node => ({ arr: items });

export type Path = (string | number)[];
export const REMOVE = Symbol("remove");
export interface Duplicate {
  duplicate: Node;
  first: boolean;
}
export type Replacement = Node | typeof REMOVE | Duplicate;

export function render(node: Node): string {
  if ("raw" in node) return node.raw;
  if ("arr" in node) return `[${node.arr.map(render).join(",")}]`;
  return `{${node.obj.map(([key, value]) => `${JSON.stringify(key)}:${render(value)}`).join(",")}}`;
}

export function at(node: Node, path: Path): Node | undefined {
  let current: Node | undefined = node;
  for (const step of path) {
    if (!current) return undefined;
    if (typeof step === "number") current = "arr" in current ? current.arr[step] : undefined;
    else current = "obj" in current ? current.obj.find(([key]) => key === step)?.[1] : undefined;
  }
  return current;
}

/** The decoded string at a raw leaf, or null when it is not a JSON string. */
export function stringAt(node: Node | undefined): string | null {
  if (!node || !("raw" in node) || !node.raw.startsWith('"')) return null;
  try {
    return JSON.parse(node.raw) as string;
  } catch {
    return null;
  }
}

/** A copy of `node` with the value at `path` replaced, removed or duplicated. */
export function replaceAt(node: Node, path: Path, replacement: Replacement): Node {
  if (path.length === 0) {
    if (replacement === REMOVE || "duplicate" in replacement) return raw("null");
    return replacement;
  }
  const [step, ...rest] = path;
  if (typeof step === "number") {
    const items = "arr" in node ? [...node.arr] : [];
    if (rest.length > 0) {
      items[step] = replaceAt(items[step] ?? obj({}), rest, replacement);
      return arr(items);
    }
    if (replacement === REMOVE) items.splice(step, 1);
    else if ("duplicate" in replacement) items.splice(step, 0, replacement.duplicate);
    else items[step] = replacement;
    return arr(items);
  }
  const fields: [string, Node][] = "obj" in node ? node.obj.map(([k, v]) => [k, v]) : [];
  const index = fields.findIndex(([key]) => key === step);
  if (rest.length > 0) {
    const child = replaceAt(index >= 0 ? fields[index]![1] : obj({}), rest, replacement);
    if (index >= 0) fields[index] = [step!, child];
    else fields.push([step!, child]);
    return { obj: fields };
  }
  if (replacement === REMOVE) {
    if (index >= 0) fields.splice(index, 1);
  } else if ("duplicate" in replacement) {
    const original: [string, Node] = [step!, index >= 0 ? fields[index]![1] : raw("null")];
    const extra: [string, Node] = [step!, replacement.duplicate];
    const pair = replacement.first ? [extra, original] : [original, extra];
    if (index >= 0) fields.splice(index, 1, ...pair);
    else fields.push(...pair);
  } else if (index >= 0) fields[index] = [step!, replacement];
  else fields.push([step!, replacement]);
  return { obj: fields };
}

/** Field-value categories: every target gets every category once, with random details. */
export type FieldCategory =
  | "wrong type"
  | "null"
  | "array vs object"
  | "huge string"
  | "deep nesting"
  | "unicode"
  | "control chars"
  | "NUL byte"
  | "number edge"
  | "money"
  | "id edge"
  | "date/format"
  | "missing"
  | "duplicate key"
  | "invalid json value";

export const FIELD_CATEGORIES: readonly FieldCategory[] = [
  "wrong type",
  "null",
  "array vs object",
  "huge string",
  "deep nesting",
  "unicode",
  "control chars",
  "NUL byte",
  "number edge",
  "money",
  "id edge",
  "date/format",
  "missing",
  "duplicate key",
  "invalid json value",
];

const WRONG_TYPES = ["123", "true", "false", "{}", "[]", '"x"', "0", '{"admin_graphql_api_id":"gid://shopify/Order/1"}', '[""]', '"gid://shopify/Customer/1"'];

/** One replacement for the value at a target, in the given category. */
export function fieldMutation(rng: Rng, category: FieldCategory, old: Node | undefined, gidType: string): { label: string; replacement: Replacement } {
  const oldText = stringAt(old);
  switch (category) {
    case "wrong type": {
      const value = rng.pick(WRONG_TYPES.filter((w) => !old || !("raw" in old) || old.raw !== w));
      return { label: `wrong type ${value}`, replacement: raw(value) };
    }
    case "null":
      return { label: "null", replacement: raw("null") };
    case "array vs object": {
      const base = old ?? raw('"x"');
      return rng.chance(0.5)
        ? { label: "wrapped in an array", replacement: arr([base]) }
        : { label: "wrapped in an object", replacement: obj({ value: base }) };
    }
    case "huge string": {
      const value = hugeString(rng);
      return { label: `huge string (${value.length} units)`, replacement: str(rng.chance(0.5) && oldText ? oldText + value : value) };
    }
    case "deep nesting": {
      const value = deepJson(rng);
      return { label: `deep nesting (${value.length} chars)`, replacement: raw(value) };
    }
    case "unicode": {
      const sample = rng.pick(UNICODE_SAMPLES);
      return { label: `unicode ${JSON.stringify(sample).slice(0, 40)}`, replacement: str(splice(rng, oldText, sample)) };
    }
    case "control chars": {
      const sample = rng.pick(CONTROL_SAMPLES);
      return { label: `control chars ${JSON.stringify(sample)}`, replacement: str(splice(rng, oldText, sample)) };
    }
    case "NUL byte": {
      const sample = rng.pick(NUL_SAMPLES);
      return { label: `NUL ${JSON.stringify(sample)}`, replacement: str(splice(rng, oldText, sample)) };
    }
    case "number edge": {
      const value = rng.pick(NUMBER_TEXTS);
      return { label: `number ${value}`, replacement: raw(value) };
    }
    case "money": {
      const value = rng.pick(MONEY_STRINGS);
      return rng.chance(0.8)
        ? { label: `money ${JSON.stringify(value).slice(0, 40)}`, replacement: str(value) }
        : { label: `money as number ${value.slice(0, 20)}`, replacement: raw(/^[\d.e+-]+$/.test(value) && value !== "" ? value : "-5.5") };
    }
    case "id edge": {
      const choices = [...gidVariants(rng, gidType).map((g) => JSON.stringify(g)), "18446744073709551616", "9007199254740993", "-1", "1.5", "1e3", '"-1"', `"${rng.digits(25)}"`];
      const value = rng.pick(choices);
      return { label: `id ${value.slice(0, 60)}`, replacement: raw(value) };
    }
    case "date/format": {
      const value = rng.pick([...DATE_STRINGS, ...INJECTION_STRINGS, "not-an-email", "a@b@c", "@", "x".repeat(300) + "@example.com"]);
      return { label: `format ${JSON.stringify(value).slice(0, 40)}`, replacement: str(value) };
    }
    case "missing":
      return { label: "missing", replacement: REMOVE };
    case "duplicate key": {
      const value = rng.pick(["123", "null", '"x"', "[]", "{}", '"gid://shopify/Order/1"']);
      const first = rng.chance(0.5);
      return { label: `duplicate key (${first ? "invalid first" : "invalid last"}: ${value})`, replacement: { duplicate: raw(value), first } };
    }
    case "invalid json value": {
      const value = rng.pick(INVALID_JSON_VALUES);
      return { label: `invalid JSON value ${value}`, replacement: raw(value) };
    }
  }
}

// --- Raw query strings ----------------------------------------------------------------------

/** Percent-encodes UTF-16 as WTF-8, so lone surrogates go out as the bytes ED A0 80 etc. */
export function pct(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    let code = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code < 0x80) {
      out += /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(code)) ? String.fromCharCode(code) : hexByte(code);
    } else if (code < 0x800) out += hexByte(0xc0 | (code >> 6)) + hexByte(0x80 | (code & 63));
    else if (code < 0x10000) out += hexByte(0xe0 | (code >> 12)) + hexByte(0x80 | ((code >> 6) & 63)) + hexByte(0x80 | (code & 63));
    else
      out +=
        hexByte(0xf0 | (code >> 18)) + hexByte(0x80 | ((code >> 12) & 63)) + hexByte(0x80 | ((code >> 6) & 63)) + hexByte(0x80 | (code & 63));
  }
  return out;
}

function hexByte(byte: number): string {
  return "%" + byte.toString(16).toUpperCase().padStart(2, "0");
}

/** A query as ordered raw pairs: [encoded key, encoded value or null for a bare key]. */
export type Query = [string, string | null][];

export function renderQuery(query: Query): string {
  return query.map(([key, value]) => (value === null ? key : `${key}=${value}`)).join("&");
}

export type QueryCategory =
  | "wrong type"
  | "empty"
  | "huge"
  | "deep nesting"
  | "unicode"
  | "control chars"
  | "NUL byte"
  | "number edge"
  | "bad percent-encoding"
  | "duplicate"
  | "array syntax"
  | "missing"
  | "extra params"
  | "injection";

export const QUERY_CATEGORIES: readonly QueryCategory[] = [
  "wrong type",
  "empty",
  "huge",
  "deep nesting",
  "unicode",
  "control chars",
  "NUL byte",
  "number edge",
  "bad percent-encoding",
  "duplicate",
  "array syntax",
  "missing",
  "extra params",
  "injection",
];

const QUERY_NUMBERS = ["1e309", "-0", "18446744073709551616", "NaN", "Infinity", "-Infinity", "9007199254740993", "1e-400", "0x10", "1.5", "-1", "%201", "1%20", "%2B1", "0", "00001", "1_000", "1e3", "0b11", "%EF%BC%91"];

/** The query with the pair for `key` mutated in the given category. */
export function queryMutation(rng: Rng, category: QueryCategory, query: Query, key: string): { label: string; query: Query } {
  const index = query.findIndex(([k]) => k === key);
  const oldValue = index >= 0 ? query[index]![1] : null;
  const set = (value: string | null): Query => {
    const next = query.map((pair) => [...pair] as [string, string | null]);
    if (index >= 0) next[index] = [key, value];
    else next.push([key, value]);
    return next;
  };
  switch (category) {
    case "wrong type": {
      const value = rng.pick(["true", "false", "null", "undefined", "%5B%5D", "%7B%7D", "abc", "NaN", "%22%22"]);
      return { label: `${key}=${value}`, query: set(value) };
    }
    case "empty":
      return rng.chance(0.5) ? { label: `${key}= (empty)`, query: set("") } : { label: `${key} (bare key)`, query: set(null) };
    case "huge": {
      const value = hugeEncoded(rng);
      return { label: `${key}=<${value.length} encoded chars>`, query: set(value) };
    }
    case "deep nesting": {
      if (rng.chance(0.5)) {
        const value = deepJson(rng);
        return { label: `${key}=<JSON ${value.length} chars deep>`, query: set(pct(value)) };
      }
      const depth = rng.int(10_000, 20_000);
      const next = query.filter(([k]) => k !== key);
      next.push([key + "%5Ba%5D".repeat(depth), "1"]);
      return { label: `${key}[a][a]… ${depth} levels`, query: next };
    }
    case "unicode": {
      const sample = rng.pick(UNICODE_SAMPLES);
      return { label: `${key}=${JSON.stringify(sample).slice(0, 30)}`, query: set(pct(splice(rng, oldValue === null ? null : safeDecode(oldValue), sample))) };
    }
    case "control chars": {
      const sample = rng.pick(CONTROL_SAMPLES);
      return { label: `${key}=${JSON.stringify(sample)}`, query: set(pct(splice(rng, oldValue === null ? null : safeDecode(oldValue), sample))) };
    }
    case "NUL byte": {
      const sample = rng.pick(NUL_SAMPLES);
      return { label: `${key}=${JSON.stringify(sample)}`, query: set(pct(splice(rng, oldValue === null ? null : safeDecode(oldValue), sample))) };
    }
    case "number edge": {
      const value = rng.pick(QUERY_NUMBERS);
      return { label: `${key}=${value}`, query: set(value) };
    }
    case "bad percent-encoding": {
      const value = rng.pick(["%", "%G1", "%FF", "%C0%AF", "%E0%80", "%%", "%ED%A0%80", "a%", "%u0041", "%F4%90%80%80"]);
      return { label: `${key}=${value}`, query: set(value) };
    }
    case "duplicate": {
      const second = rng.pick(["1", "2", "", "abc", "%00", "-1", oldValue ?? "x"]);
      const next = set(oldValue ?? "1");
      next.splice(rng.int(0, next.length), 0, [key, second]);
      return { label: `${key} twice (second ${second})`, query: next };
    }
    case "array syntax": {
      const next = query.filter(([k]) => k !== key);
      const form = rng.int(0, 2);
      if (form === 0) next.push([`${key}%5B%5D`, oldValue ?? "1"]);
      else if (form === 1) next.push([`${key}%5B0%5D`, oldValue ?? "1"], [`${key}%5B1%5D`, "2"]);
      else next.push([`${key}%5Ba%5D`, oldValue ?? "1"]);
      return { label: `${key} as array syntax (${form})`, query: next };
    }
    case "missing":
      return { label: `${key} missing`, query: query.filter(([k]) => k !== key) };
    case "extra params": {
      const next = query.map((pair) => [...pair] as [string, string | null]);
      const form = rng.int(0, 3);
      if (form === 0) next.push(["__proto__", "x"], ["constructor%5Bprototype%5D%5Bpolluted%5D", "1"]);
      else if (form === 1) next.push([pct("\u{1F600}\u0000k\ud800"), pct("v")]);
      else if (form === 2) for (let i = 0; i < 10_000; i++) next.push([`p${i}`, String(i)]);
      else next.push(["hasOwnProperty", "1"], ["toString", "1"], ["valueOf", "1"]);
      return { label: `extra params (${["__proto__", "unicode key", "10,000 params", "Object.prototype names"][form]})`, query: next };
    }
    case "injection": {
      const value = rng.pick(INJECTION_STRINGS);
      return { label: `${key}=${JSON.stringify(value)}`, query: set(pct(value)) };
    }
  }
}

/** Hostile values for a path parameter, already encoded for the URL. */
export function pathParamValue(rng: Rng, category: number): { label: string; value: string } {
  const groups: [string, string[]][] = [
    ["traversal", ["..%2F..%2Fadmin", "../customers", "..%2f", "%2e%2e%2f%2e%2e%2f", "..%5C..%5C", "%252e%252e%252f", "."]],
    ["NUL", ["%00", "1%00", "%001", `${rng.digits(6)}%00.json`]],
    ["huge digits", [rng.digits(21), rng.digits(10_000), "9".repeat(100_000)]],
    ["unicode digits", [pct("\u0661\u0662\u0663"), pct("\uff11\uff12\uff13"), pct("\ud800"), "%ED%A0%80"]],
    ["number edge", ["-1", "1e3", "0", "9007199254740993", "18446744073709551616", "1.5", "0x10", "%2B1", "NaN"]],
    ["empty", ["", "%20", "%09"]],
    ["slash", ["%2F", "1%2F2", "1/2"]],
    ["bad percent", ["%", "%FF", "%C0%AF", "%G1"]],
    ["injection", INJECTION_STRINGS.map(pct)],
    ["huge string", [hugeEncoded(rng)]],
    ["wrong type", ["true", "null", "%7B%7D", "%5B%5D", "abc"]],
  ];
  const [label, values] = groups[category % groups.length]!;
  const value = rng.pick(values);
  return { label: `${label}: ${value.slice(0, 40)}${value.length > 40 ? "…" : ""}`, value };
}
export const PATH_CATEGORY_COUNT = 11;

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

// --- Credentials ----------------------------------------------------------------------------

export { base64Url, signJwt as jwt } from "./shopify";

/** Session-token claims for `shop`, marked as the fuzzer's session. */
export function sessionClaims(shop: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return claimsFor(shop, { sid: "session-fuzz", ...overrides });
}

export function flipHexBit(rng: Rng, hex: string): string {
  const i = rng.int(0, hex.length - 1);
  const flipped = (parseInt(hex[i]!, 16) ^ (1 << rng.int(0, 3))).toString(16);
  return hex.slice(0, i) + flipped + hex.slice(i + 1);
}

export function flipBase64Bit(rng: Rng, b64: string): string {
  const binary = atob(b64.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const i = rng.int(0, bytes.length - 1);
  bytes[i] = bytes[i]! ^ (1 << rng.int(0, 7));
  return toBase64(bytes);
}

// --- Sending and checking -------------------------------------------------------------------

export interface Sent {
  status: number;
  contentType: string | null;
  text: string;
  ms: number;
}

/** Calls the Worker; null when neither the response nor its body arrived within `timeoutMs`. */
export async function timedCall(request: Request, timeoutMs = 20_000): Promise<Sent | null> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    return await Promise.race([
      (async () => {
        const response = await call(request);
        const text = await response.text();
        return { status: response.status, contentType: response.headers.get("content-type"), text, ms: Date.now() - started };
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What is wrong with a response's envelope, or null (DESIGN.md: one JSON envelope). */
export function envelopeProblem(sent: Sent): string | null {
  if (!sent.contentType?.includes("application/json")) return `content-type ${sent.contentType ?? "(none)"} is not JSON`;
  let body: unknown;
  try {
    body = JSON.parse(sent.text);
  } catch {
    return "body is not JSON";
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return "body is not a JSON object";
  const envelope = body as { status?: unknown; error?: unknown };
  if (sent.status >= 400) {
    if (envelope.status !== "error") return `status field is ${JSON.stringify(envelope.status)}, not "error"`;
    const error = envelope.error as { code?: unknown; message?: unknown } | null | undefined;
    if (!error || typeof error !== "object") return "error is not an object";
    if (typeof error.code !== "string" || error.code === "") return "error.code is not a non-empty string";
    if (typeof error.message !== "string") return "error.message is not a string";
    return null;
  }
  if (sent.status >= 200 && sent.status < 300) {
    if (envelope.status !== "ok") return `status field is ${JSON.stringify(envelope.status)}, not "ok"`;
    if (envelope.error !== null) return "error is not null on success";
  }
  return null;
}

/** True when something wrote through to Object.prototype. */
export function prototypePolluted(): string | null {
  const probe = {} as Record<string, unknown>;
  for (const key of ["polluted", "admin_graphql_api_id", "x", "a", "value", "1"]) {
    if (probe[key] !== undefined) return key;
  }
  return null;
}

// --- State snapshots ------------------------------------------------------------------------

export interface Watch {
  /** Shops whose D1 rows and Postgres rows are counted. */
  shops: string[];
  /** Accounts whose ledgers are read directly from their Durable Object. */
  accounts: { shop: string; customerId: string }[];
}

export type Snapshot = Record<string, unknown>;

export async function snapshot(sql: Sql, watch: Watch): Promise<Snapshot> {
  const shops = JSON.stringify(watch.shops);
  const accounts = [...new Map(watch.accounts.map((a) => [`${a.shop}:${a.customerId}`, a])).values()];
  const [d1, [pg], states] = await Promise.all([
    env.DB.prepare(
      `SELECT
         (SELECT COUNT(*) FROM webhook_inbox) AS inbox_total,
         (SELECT group_concat(s, ',') FROM (SELECT shop || ':' || status || '=' || COUNT(*) AS s FROM webhook_inbox
            WHERE shop IN (SELECT value FROM json_each(?1)) GROUP BY shop, status ORDER BY shop, status)) AS inbox,
         (SELECT COUNT(*) FROM order_index WHERE shop IN (SELECT value FROM json_each(?1))) AS order_index,
         (SELECT COUNT(*) FROM shops) AS shops_total,
         (SELECT group_concat(s, ',') FROM (SELECT domain || '=' || status AS s FROM shops
            WHERE domain IN (SELECT value FROM json_each(?1)) ORDER BY domain)) AS shops,
         (SELECT COUNT(*) FROM dead_letters) AS dead_letters,
         (SELECT COUNT(*) || ' rows, ' || total(version) || ' versions, ' || total(enabled) || ' enabled' FROM rewards
            WHERE shop IN (SELECT value FROM json_each(?1))) AS rewards,
         (SELECT COUNT(*) FROM reward_versions WHERE shop IN (SELECT value FROM json_each(?1))) AS reward_versions`,
    )
      .bind(shops)
      .first<Record<string, unknown>>(),
    sql<{ customers: number; transactions: number; balance: string }[]>`
      SELECT (SELECT count(*) FROM customers WHERE shop IN ${sql(watch.shops)})::int AS customers,
             (SELECT count(*) FROM points_transactions WHERE shop IN ${sql(watch.shops)})::int AS transactions,
             (SELECT coalesce(sum(points_balance), 0) FROM customers WHERE shop IN ${sql(watch.shops)})::text AS balance`,
    Promise.all(accounts.map((a) => accountState(a.shop, a.customerId))),
  ]);
  const out: Snapshot = {};
  for (const [key, value] of Object.entries(d1 ?? {})) out[`d1.${key}`] = value;
  for (const [key, value] of Object.entries(pg ?? {})) out[`pg.${key}`] = value;
  accounts.forEach((account, i) => {
    const state = states[i]!;
    out[`account ${account.customerId}@${account.shop.split(".")[0]}`] = {
      balance: state.balance,
      entries: state.ledger.length,
      last: state.ledger.at(-1)?.idempotency_key ?? null,
    };
  });
  return out;
}

export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changes: string[] = [];
  for (const key of keys) {
    const a = JSON.stringify(before[key]);
    const b = JSON.stringify(after[key]);
    if (a !== b) changes.push(`${key}: ${a} → ${b}`);
  }
  return changes;
}

/** Customer ids (digits of Customer gids) a body names, at most `limit`. */
export function customerIdsIn(body: string | Uint8Array, limit = 4): string[] {
  const text = typeof body === "string" ? body.slice(0, 300_000) : new TextDecoder().decode(body.slice(0, 300_000));
  const ids = new Set<string>();
  for (const match of text.matchAll(/Customer\/(\d{1,20})(?!\d)/g)) {
    ids.add(match[1]!);
    if (ids.size >= limit) break;
  }
  return [...ids];
}

/** A short, printable description of a request for failure reports. */
export function describeRequest(request: { method: string; url: string; headers?: Headers }, body: string | Uint8Array | null): string {
  const url = request.url.length > 220 ? `${request.url.slice(0, 220)}… (${request.url.length} chars)` : request.url;
  let out = `${request.method} ${url}`;
  const auth = request.headers?.get("authorization");
  if (auth) out += ` authorization=${auth.length > 80 ? `${auth.slice(0, 80)}… (${auth.length} chars)` : auth}`;
  if (body !== null) {
    const text = typeof body === "string" ? body : new TextDecoder().decode(body.slice(0, 400));
    const size = typeof body === "string" ? new TextEncoder().encode(body).length : body.length;
    out += ` body(${size} bytes)=${JSON.stringify(text.slice(0, 200))}${text.length > 200 ? "…" : ""}`;
  }
  return out;
}

// --- Diagnosis of accepted deliveries that never reach the projection ---------------------

/**
 * Projects each event still in an account's outbox on its own, inside a transaction that is
 * rolled back, and returns the first error: what keeps the queue consumer failing.
 */
export async function diagnoseOutbox(sql: Sql, shop: string, customerId: string): Promise<string | null> {
  const { runInDurableObject } = await import("cloudflare:test");
  const { customerAccount } = await import("../../durable-objects/stubs");
  const { projectEvents } = await import("../../postgres/projection");
  const bodies = await runInDurableObject(customerAccount(env, shop, customerId), (_instance, state) =>
    state.storage.sql.exec<{ body: string }>(`SELECT body FROM outbox ORDER BY seq`).toArray().map((row) => row.body),
  );
  const rollback = new Error("rollback");
  for (const body of bodies) {
    let failure: string | null = null;
    try {
      await sql.begin(async (tx) => {
        // projectEvents opens its own transaction: inside ours it becomes a savepoint.
        const nested = new Proxy(tx, {
          get: (target, prop, receiver) =>
            prop === "begin" ? (fn: (s: unknown) => Promise<unknown>) => target.savepoint(fn as never) : Reflect.get(target, prop, receiver),
        });
        try {
          await projectEvents(nested as unknown as Sql, [JSON.parse(body)]);
        } catch (error) {
          failure = `${(error as Error).name}: ${(error as Error).message}`;
        }
        throw rollback;
      });
    } catch (error) {
      if (error !== rollback && failure === null) failure = String(error);
    }
    if (failure !== null) return `${failure} — event ${body.slice(0, 300)}`;
  }
  return null;
}
