// Every subscribed topic (shopify.app.toml names each one's handler here): parse, then apply.
import type { z } from "zod";
import { isInstalled } from "../d1/shops";
import { billingTopics } from "./billing";
import { CUSTOMER_REDACTED } from "../durable-objects/customer-account-types";
import { complianceTopics } from "./compliance";
import { customerTopics } from "./customers";
import { orderTopics } from "./orders";
import { shopTopics } from "./shop";
import type { Topic, TopicContext, TopicOutcome } from "./topic";

export type { DeferReason, TopicContext, TopicOutcome } from "./topic";

export const TOPICS = { ...orderTopics, ...customerTopics, ...shopTopics, ...billingTopics, ...complianceTopics };

export type TopicName = keyof typeof TOPICS;

export function isTopic(name: string): name is TopicName {
  return Object.hasOwn(TOPICS, name);
}

export type Parsed = { ok: true; payload: unknown } | { ok: false; message: string };

export function parsePayload(name: TopicName, payload: unknown): Parsed {
  const result = TOPICS[name].schema.safeParse(payload);
  if (result.success) return { ok: true, payload: result.data };
  const issue = result.error.issues[0];
  return { ok: false, message: `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}` };
}

export async function applyTopic(name: TopicName, ctx: TopicContext, payload: unknown): Promise<TopicOutcome> {
  const handler = TOPICS[name] as Topic<z.ZodTypeAny>;
  if (handler.needsInstalledShop && !(await isInstalled(ctx.env, ctx.shop))) {
    return { outcome: "deferred", reason: "shop_not_installed", orderGid: null };
  }
  try {
    return await handler.apply(ctx, payload);
  } catch (error) {
    // The customer was redacted (GDPR): a delivery sent before that is acknowledged and dropped.
    if (String(error).includes(CUSTOMER_REDACTED)) return { outcome: "ignored", reason: CUSTOMER_REDACTED };
    throw error;
  }
}
