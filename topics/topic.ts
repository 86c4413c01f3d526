// What a subscribed topic is: a payload schema and what applying it does. The webhook route
// (first delivery) and the ingest consumer (inbox re-drives) both run topics through
// topics/index.ts, so a topic behaves the same on either path.
import type { z } from "zod";
import type { Delivery, EffectResult } from "../durable-objects/customer-account-types";

export type TopicOutcome =
  | EffectResult
  | { outcome: "ignored"; reason: string }
  /** Not applicable now: goes to (or stays in) the durable inbox, parked until it can apply. */
  | { outcome: "deferred"; reason: DeferReason; orderGid: string | null };

export type DeferReason = "order_not_seen" | "shop_level_topic" | "shop_not_installed";

export interface TopicContext {
  env: Env;
  shop: string;
  delivery: Delivery;
  /** True when the ingest consumer re-drives an inbox entry. */
  fromInbox: boolean;
  /**
   * When Shopify says the event happened (X-Shopify-Triggered-At), else when it first reached
   * us, which is no earlier: epoch ms.
   */
  triggeredAt: number;
}

export interface Topic<S extends z.ZodTypeAny> {
  schema: S;
  /**
   * What a delivery parked in the inbox keeps (minimised by it, then sealed); absent: `schema`.
   * Must parse with `schema` (it is read back through it).
   */
  parkedSchema?: z.ZodTypeAny;
  /**
   * Loyalty topics wait, parked, while the shop is not installed (a reinstall re-drives them);
   * lifecycle and compliance topics apply whatever the shop's state.
   */
  needsInstalledShop: boolean;
  apply(ctx: TopicContext, payload: z.infer<S>): Promise<TopicOutcome>;
}

export const topic = <S extends z.ZodTypeAny>(t: Topic<S>) => t;
