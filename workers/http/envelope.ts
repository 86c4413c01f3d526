// The one JSON envelope (DESIGN.md): { status, ...fields, error }.
import { z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ErrorSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional().openapi({ description: "The input field a 400 invalid_request is about (its path, e.g. config.purchase)" }),
  })
  .openapi("Error");

export const ErrorEnvelopeSchema = z
  .object({ status: z.literal("error"), error: ErrorSchema })
  .openapi("ErrorEnvelope");

/** An ok envelope schema around `fields`. */
export function okEnvelope<T extends z.ZodRawShape>(fields: T) {
  return z.object({ status: z.literal("ok"), ...fields, error: z.null() });
}

export function ok<T extends Record<string, unknown>>(fields: T) {
  return { status: "ok" as const, ...fields, error: null };
}

/** `field`: the input a bad request is about (the dashboard shows the message next to it). */
export function errorBody(code: string, message: string, field?: string) {
  return { status: "error" as const, error: field ? { code, message, field } : { code, message } };
}

/** Throw from anywhere in a request: the root onError answers with the envelope. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    headers?: Record<string, string>,
    field?: string,
  ) {
    super(status, {
      res: new Response(JSON.stringify(errorBody(code, message, field)), {
        status,
        headers: { "content-type": "application/json; charset=UTF-8", ...headers },
      }),
    });
  }
}

/** A 400 about one input field: `field: message`, with `field` in the envelope for the dashboard. */
export function fieldError(code: string, field: string, message: string): ApiError {
  return new ApiError(400, code, `${field}: ${message}`, undefined, field);
}

export function errorResponses(...statuses: ContentfulStatusCode[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status] ?? "Error", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    ]),
  );
}

const ERROR_DESCRIPTIONS: Partial<Record<number, string>> = {
  400: "Bad input: the code names the problem",
  401: "Missing or invalid credentials",
  403: "Credentials valid but not allowed",
  404: "Not found",
  409: "Conflicts with the current state",
  413: "Body too large",
  422: "Understood but refused: the code says why (nothing was changed)",
  429: "Rate limited; see Retry-After",
  502: "Shopify failed or refused; nothing was spent",
  503: "A dependency is unavailable; retry later",
};
