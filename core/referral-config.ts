// A shop's referral program: what each side gets, when a referral completes, how long a pending
// one waits, which share channels the widget offers, the fraud thresholds, and the merchant's
// copy per language. Stored inside the versioned program settings (core/program.ts `referral`),
// so an award remembers the program version that gave it, as every other award does.
import { z } from "zod";
import { AmountSchema } from "./amount";

/**
 * One side's reward: points (a ledger entry with its own idempotency key), or a one-off Shopify
 * discount code issued through the redemption machinery for 0 points.
 */
export const ReferralRewardSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("points"), points: z.number().int().min(1).max(1_000_000) }).strict(),
  z
    .object({
      type: z.literal("discount"),
      /** percentage: "1".."100"; fixed_amount: money off in the shop's currency ("10.00"). */
      discount: z.enum(["percentage", "fixed_amount"]),
      value: AmountSchema,
      /** The smallest order subtotal the code applies to; null: any. */
      min_order_subtotal: AmountSchema.nullable().default(null),
      /** Days the code stays valid after it is issued. */
      code_expiry_days: z.number().int().min(1).max(365).default(30),
    })
    .strict(),
  z.object({ type: z.literal("none") }).strict(),
]);
export type ReferralReward = z.infer<typeof ReferralRewardSchema>;

export const REFERRAL_SHARE_CHANNELS = ["email", "sms", "whatsapp", "facebook", "x", "copy_link"] as const;
export type ReferralShareChannel = (typeof REFERRAL_SHARE_CHANNELS)[number];

/** The merchant's words for the referral offer in one language; a field left out reads the widget's own. */
export const ReferralCopySchema = z
  .object({
    headline: z.string().trim().min(1).max(120).optional(),
    advocate_text: z.string().trim().min(1).max(300).optional(),
    friend_text: z.string().trim().min(1).max(300).optional(),
    /** The message a share prefills; `{{link}}` and `{{code}}` are replaced. */
    share_message: z.string().trim().min(1).max(300).optional(),
  })
  .strict();
export type ReferralCopy = z.infer<typeof ReferralCopySchema>;

export const ReferralConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** When a referral completes: the friend's account is created, or their first paid order. */
    completion: z.enum(["signup", "first_order"]).default("first_order"),
    /** first_order: the qualifying order's subtotal must reach this; null: any paid order. */
    min_order_subtotal: AmountSchema.nullable().default(null),
    advocate_reward: ReferralRewardSchema.default({ type: "points", points: 50 }),
    friend_reward: ReferralRewardSchema.default({ type: "points", points: 50 }),
    /** A pending referral that has not completed this many days after it was bound expires. */
    expiry_days: z.number().int().min(1).max(365).default(30),
    fraud: z
      .object({
        /** A score at or above this holds the referral for the merchant to approve or reject. */
        hold_at: z.number().int().min(1).max(1000).default(50),
        /** A score at or above this rejects it outright (at least hold_at). */
        reject_at: z.number().int().min(1).max(1000).default(100),
        /** More completions than this from one IP or device within the window is suspicious. */
        velocity_limit: z.number().int().min(1).max(1000).default(3),
        velocity_days: z.number().int().min(1).max(90).default(7),
      })
      .strict()
      .refine((f) => f.reject_at >= f.hold_at, { message: "reject_at must be at least hold_at", path: ["reject_at"] })
      .default({ hold_at: 50, reject_at: 100, velocity_limit: 3, velocity_days: 7 }),
    channels: z
      .object(Object.fromEntries(REFERRAL_SHARE_CHANNELS.map((c) => [c, z.boolean()])) as Record<ReferralShareChannel, z.ZodBoolean>)
      .strict()
      .default({ email: true, sms: true, whatsapp: true, facebook: true, x: true, copy_link: true }),
    /** Keyed by language code (en, es, fr, de). */
    translations: z.record(z.string().min(2).max(10), ReferralCopySchema).default({}),
  })
  .strict();
export type ReferralConfig = z.infer<typeof ReferralConfigSchema>;

export const DEFAULT_REFERRAL_CONFIG: ReferralConfig = ReferralConfigSchema.parse({});

export const REFERRAL_STATUSES = ["pending", "completed", "held", "rejected", "expired", "reversed"] as const;
export const ReferralStatusSchema = z.enum(REFERRAL_STATUSES);
