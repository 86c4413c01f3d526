// A change to the referral program as the merchant sends it (PUT /v1/api/referrals/config):
// any part of the config, strict at every level, and the config it makes. Pure.
import { z } from "zod";
import { PROGRAM_LANGUAGES } from "./program";
import { ReferralConfigSchema, ReferralCopySchema, type ReferralConfig } from "./referral-config";

/**
 * An object's fields, each optional and without its default: a patch that leaves a field out
 * must not carry the default in (zod 4 fills defaults inside `.partial()`), and unknown fields
 * stay refused. (The config's refinements, such as reject_at ≥ hold_at, are checked on the
 * merged config, where both numbers are known.)
 */
function optionalFields<T extends z.ZodRawShape>(shape: T) {
  return Object.fromEntries(
    Object.entries(shape).map(([name, field]) => [name, ((field instanceof z.ZodDefault ? field.unwrap() : field) as z.ZodType).optional()]),
  ) as unknown as { [K in keyof T]: z.ZodOptional<T[K] extends z.ZodDefault<infer Inner> ? Inner : T[K]> };
}

const { fraud, channels, translations: _translations, ...top } = ReferralConfigSchema.shape;

export const ReferralConfigPatchSchema = z
  .object({
    ...optionalFields(top),
    fraud: z.object(optionalFields(fraud.unwrap().shape)).strict().optional(),
    channels: z.object(optionalFields(channels.unwrap().shape)).strict().optional(),
    /** Per language: the copy replaces that language's copy whole; null removes it. */
    translations: z.partialRecord(z.enum(PROGRAM_LANGUAGES), ReferralCopySchema.nullable()).optional(),
  })
  .strict();
export type ReferralConfigPatch = z.infer<typeof ReferralConfigPatchSchema>;

/** `current` with `patch` merged in; not yet checked as a whole (checkReferralConfig does that). */
export function applyReferralConfigPatch(current: ReferralConfig, patch: ReferralConfigPatch): ReferralConfig {
  const { fraud: fraudPatch, channels: channelsPatch, translations: translationsPatch, ...rest } = patch;
  const translations = { ...current.translations };
  for (const [language, copy] of Object.entries(translationsPatch ?? {})) {
    if (copy === null) delete translations[language];
    else if (copy !== undefined) translations[language] = copy;
  }
  const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return {
    ...current,
    ...defined,
    fraud: { ...current.fraud, ...fraudPatch },
    channels: { ...current.channels, ...channelsPatch },
    translations,
  };
}

/** The merged config, parsed, or the first problem with its field path ("fraud.reject_at"). */
export function checkReferralConfig(config: unknown): { ok: true; config: ReferralConfig } | { ok: false; path: string; message: string } {
  const parsed = ReferralConfigSchema.safeParse(config);
  if (parsed.success) return { ok: true, config: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, path: issue?.path.join(".") ?? "", message: issue?.message ?? "invalid" };
}
