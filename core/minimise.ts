// Data minimisation for stored payloads: keeps, from a raw JSON value, only the keys a zod
// schema names, at every depth (a passthrough object keeps its declared keys only). What a
// processor does not read is never written: e.g. an order's addresses, its customer's email
// and phone, a refund line's product properties.
import type { z } from "zod";

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; options?: z.ZodType[] };

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

export function minimiseBySchema(schema: z.ZodType, value: unknown): unknown {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return minimiseBySchema(def.innerType!, value);
    case "pipe":
      return minimiseBySchema(def.in!, value);
    case "array":
      return Array.isArray(value) ? value.map((item) => minimiseBySchema(def.element!, item)) : value;
    case "union": {
      if (!isPlainObject(value)) return value;
      const objects = def.options!.filter((option) => isPlainObject(minimiseBySchema(option, value)));
      return Object.assign({}, ...objects.map((option) => minimiseBySchema(option, value)));
    }
    case "object": {
      if (!isPlainObject(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(def.shape!)) if (Object.hasOwn(value, key)) out[key] = minimiseBySchema(field, value[key]);
      return out;
    }
    default:
      return value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
