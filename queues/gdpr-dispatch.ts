// Hands a recorded GDPR request to the jobs queue. Never throws: the gdpr_requests row is the
// durable copy, and the sweeper re-sends a request still open after OPEN_REDRIVE_MS.
import type { JobMessage } from "./jobs";

export async function queueGdprRequest(env: Pick<Env, "JOBS">, shop: string, requestId: string): Promise<void> {
  try {
    await env.JOBS.send({ type: "gdpr_request", shop, requestId } satisfies JobMessage, { contentType: "json" });
  } catch (error) {
    console.warn(`gdpr: could not queue request ${requestId}; the sweeper will`, String(error));
  }
}
