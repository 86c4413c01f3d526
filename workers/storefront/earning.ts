// Earning actions the shopper takes in the widget: giving their birthday, following the shop on a
// network, and reading back what they already did. The awards happen in the customer's object.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { BirthdayInputSchema, birthdayProblem } from "../../core/birthday";
import { offeredNetworks } from "../../core/earn-limits";
import type { SocialNetwork } from "../../core/program";
import { campaignsForEarning } from "../../d1/campaigns";
import { getProgram } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { idempotencyKey } from "../http/idempotency-key";
import { requireCustomer } from "./auth";
import { proxyQuery } from "./proxy-query";

const MonthDaySchema = z.object({ month: z.number().int(), day: z.number().int() }).openapi("MonthDay");
const json = <T extends z.ZodTypeAny>(schema: T) => ({ required: true, content: { "application/json": { schema } } });

export function registerEarningRoutes(storefront: OpenAPIHono<App>): void {
  storefront.openapi(
    createRoute({
      method: "post",
      path: "/customer/birthday",
      summary: "Give the shopper's birthday (once): points on each birthday after today",
      description:
        "Awarded at 00:00 UTC on the birthday, from the first birthday after the day it is given; 29 February falls on 28 February in other years. " +
        "The same month and day again answers 200; a different one 409 birthday_already_set.",
      request: { query: proxyQuery, body: json(BirthdayInputSchema) },
      responses: {
        200: { description: "Stored", content: { "application/json": { schema: okEnvelope({ birthday: MonthDaySchema }) } } },
        ...errorResponses(400, 401, 403, 409, 429),
      },
    }),
    async (c) => {
      const proxy = c.get("proxy");
      const customerId = requireCustomer(proxy);
      const input = c.req.valid("json");
      const problem = birthdayProblem(input, Date.now());
      if (problem) throw new ApiError(400, "invalid_birthday", problem);
      const result = await customerAccount(c.env, proxy.shop, customerId).setBirthday({ shop: proxy.shop, customerId, ...input });
      if (result.outcome === "already_set") {
        throw new ApiError(409, "birthday_already_set", "your birthday is already set; ask the store to change it");
      }
      return c.json(ok({ birthday: result.birthday }), 200);
    },
  );

  storefront.openapi(
    createRoute({
      method: "get",
      path: "/customer/actions",
      summary: "What the shopper already did: their birthday and the networks they followed",
      request: { query: proxyQuery },
      responses: {
        200: {
          description: "The shopper's actions",
          content: { "application/json": { schema: okEnvelope({ birthday: MonthDaySchema.nullable(), social_follows: z.array(z.string()) }) } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const proxy = c.get("proxy");
      const customerId = requireCustomer(proxy);
      const { birthday, social_follows } = await customerAccount(c.env, proxy.shop, customerId).actions();
      return c.json(ok({ birthday, social_follows }), 200);
    },
  );

  storefront.openapi(
    createRoute({
      method: "post",
      path: "/actions/social-follow",
      summary: "The shopper followed the shop on a network: points once per network (per the limit)",
      description:
        "Only networks the shop offers (else 400 network_not_offered). Send an Idempotency-Key (header or idempotency_key query): a retry answers `duplicate`; " +
        "a new request past the limit answers `limit_reached` with 0 points.",
      request: {
        query: proxyQuery.extend({ idempotency_key: z.string().optional() }),
        headers: z.object({ "idempotency-key": z.string().optional() }),
        body: json(z.object({ network: z.string().min(1).max(40) }).strict()),
      },
      responses: {
        200: {
          description: "Applied, a retry of an applied request, or past the limit",
          content: {
            "application/json": {
              schema: okEnvelope({
                outcome: z.enum(["applied", "duplicate", "limit_reached"]),
                points: z.number().int(),
                /** Running bonus-action campaigns' points that came with it. */
                campaign_points: z.number().int(),
                balance: z.number().int(),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 409, 429),
      },
    }),
    async (c) => {
      const proxy = c.get("proxy");
      const customerId = requireCustomer(proxy);
      const requestKey = idempotencyKey(c.req.header("idempotency-key") ?? c.req.valid("query").idempotency_key);
      const { network } = c.req.valid("json");
      const program = await getProgram(c.env, proxy.shop);
      if (!program.enabled) throw new ApiError(409, "program_disabled", "this store's rewards program is off");
      const offered = offeredNetworks(program);
      if (!(offered as string[]).includes(network)) {
        throw new ApiError(400, "network_not_offered", `this store offers points for following on: ${offered.join(", ") || "no network"}`);
      }
      const result = await customerAccount(c.env, proxy.shop, customerId).socialFollow({
        shop: proxy.shop,
        customerId,
        network: network as SocialNetwork,
        requestKey,
        program,
        campaigns: await campaignsForEarning(c.env, proxy.shop),
      });
      // not_offered: the rule changed between the check above and the award.
      if (result.outcome === "not_offered") throw new ApiError(400, "network_not_offered", `${network} is not offered`);
      const campaignPoints = "campaign_points" in result ? (result.campaign_points ?? 0) : 0;
      return c.json(ok({ outcome: result.outcome, points: result.points, campaign_points: campaignPoints, balance: result.balance }), 200);
    },
  );
}
