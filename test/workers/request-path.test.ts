// No provider is called from the request path of a webhook or the storefront: read from the
// code itself. Every module the webhook route and the storefront surface can load (their value
// imports, followed through the whole tree, `import type` left out since it loads nothing) is
// listed, and none may be a provider adapter or the notifications consumer. A change that
// sends an email from a webhook handler, however indirectly, fails here with the import chain.
import { describe, expect, it } from "vitest";

const sources: Record<string, string> = {};
for (const folder of [
  import.meta.glob("../../workers/**/*.ts", { query: "?raw", import: "default", eager: true }),
  import.meta.glob("../../topics/**/*.ts", { query: "?raw", import: "default", eager: true }),
  import.meta.glob("../../core/**/*.ts", { query: "?raw", import: "default", eager: true }),
  import.meta.glob("../../d1/**/*.ts", { query: "?raw", import: "default", eager: true }),
  import.meta.glob("../../durable-objects/**/*.ts", { query: "?raw", import: "default", eager: true }),
  import.meta.glob("../../queues/**/*.ts", { query: "?raw", import: "default", eager: true }),
  import.meta.glob("../../postgres/**/*.ts", { query: "?raw", import: "default", eager: true }),
]) {
  for (const [path, text] of Object.entries(folder)) sources[path.replace(/^\.\.\/\.\.\//, "")] = text;
}

/** The relative modules a file loads at run time (static and dynamic imports, re-exports), as repo paths. */
function runtimeImports(path: string): string[] {
  const text = sources[path]!.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const specifiers: string[] = [];
  const statement = /(?:^|;|\n)\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+["']([^"']+)["']/g;
  for (const m of text.matchAll(statement)) {
    const typeOnly = Boolean(m[2]) || /^\{\s*\}$/.test(m[3]!.trim()) || /^\{(\s*type\s+[^,}]+,?)+\s*\}$/.test(m[3]!.trim());
    if (!typeOnly) specifiers.push(m[4]!);
  }
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+["']([^"']+)["']/g)) specifiers.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) specifiers.push(m[1]!);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => resolve(path, s)).filter((p): p is string => p !== null);
}

function resolve(from: string, specifier: string): string | null {
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  const base = parts.join("/");
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) if (candidate in sources) return candidate;
  return null;
}

/** Every module reachable from `entry`, each with the chain that reaches it. */
function reachable(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const path = queue.shift()!;
    for (const next of runtimeImports(path)) {
      if (chains.has(next)) continue;
      chains.set(next, [...chains.get(path)!, next]);
      queue.push(next);
    }
  }
  return chains;
}

const SENDERS = [/^workers\/providers\/(?!types\.ts$)/, /^queues\/notification(s|-delivery|-analytics|-content)\.ts$/];

describe("the request paths of webhooks and the storefront", () => {
  it("reads the sources it checks", () => {
    // A glob or parser that found nothing would pass everything below.
    expect(Object.keys(sources).length).toBeGreaterThan(100);
    expect(Object.keys(sources)).toContain("workers/providers/index.ts");
    expect(runtimeImports("queues/notification-delivery.ts")).toContain("workers/providers/index.ts");
    expect(reachable("queues/index.ts").has("workers/providers/index.ts")).toBe(true);
  });

  // The customer's object is on both paths (a webhook's effect and a redemption run inside it
  // before the answer), though the surfaces reach it through a stub's type only.
  for (const entry of ["workers/webhooks/index.ts", "workers/storefront/index.ts", "topics/index.ts", "durable-objects/customer-account.ts"]) {
    it(`${entry} loads no provider adapter and no notification sender`, () => {
      const chains = reachable(entry);
      expect(chains.size).toBeGreaterThan(5);
      const offending = [...chains].filter(([path]) => SENDERS.some((pattern) => pattern.test(path))).map(([, chain]) => chain.join(" → "));
      expect(offending).toEqual([]);
    });
  }
});
