// PostHog: batch capture (POST {host}/batch/, the project key in the body) and the flags
// endpoint (POST {host}/flags?v=2) as the credentials check, since capture accepts any
// well-formed key and drops what it cannot place while flags refuses an unknown one.
import type { PosthogEvent } from "./index";
import { callProvider, isRecord, parseJson, providerBase, type CallOptions, type ParsedError } from "./http";
import { ProviderError, type PosthogConfig } from "./types";

const CHECK_DISTINCT_ID = "$loyalnest_connectivity_check";

function origin(env: Env, config: PosthogConfig): string {
  let url: URL;
  try {
    url = new URL(config.host);
  } catch {
    throw new ProviderError("posthog", "permanent", "invalid_config", "the PostHog host is not a URL");
  }
  return providerBase(env, url.origin);
}

export function batchBody(config: PosthogConfig, events: PosthogEvent[]): Record<string, unknown> {
  return {
    api_key: config.project_api_key,
    batch: events.map((event) => ({
      event: event.event,
      distinct_id: event.distinct_id,
      uuid: event.uuid,
      timestamp: event.timestamp,
      properties: { ...event.properties, $lib: "loyalnest-worker" },
    })),
  };
}

export async function capture(env: Env, config: PosthogConfig, events: PosthogEvent[], options: CallOptions = {}): Promise<void> {
  if (events.length === 0) return;
  await callProvider({
    provider: "posthog",
    url: `${origin(env, config)}/batch/`,
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(batchBody(config, events)),
    secrets: [],
    parseError,
    timeoutMs: options.timeoutMs,
  });
}

export async function check(env: Env, config: PosthogConfig, options: CallOptions = {}): Promise<void> {
  await callProvider({
    provider: "posthog",
    url: `${origin(env, config)}/flags/?v=2`,
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ api_key: config.project_api_key, distinct_id: CHECK_DISTINCT_ID }),
    secrets: [],
    parseError,
    timeoutMs: options.timeoutMs,
  });
}

/** `{ type, code, detail, attr }`. */
function parseError(_status: number, text: string): ParsedError {
  const body = parseJson(text);
  if (!isRecord(body)) return { message: null };
  const detail = typeof body.detail === "string" ? body.detail : null;
  const attr = typeof body.attr === "string" ? `${body.attr}: ` : "";
  return { message: detail ? `${attr}${detail}` : null };
}
