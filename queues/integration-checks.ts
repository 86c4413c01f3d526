// check_integration jobs: a real, read-only call to the provider with the shop's current
// credentials (checkProvider: up to 3 tries with backoff inside), its outcome stored on the
// integration, and the merchant told when it fails: once per failure streak (dedupe key
// integration_failing:<provider>:<streak start>), since the status stays on the dashboard and
// a daily repeat of the same failure is noise; a success ends the streak, so the next failure
// is told again.
// A job names a revision: a check of a configuration since replaced, removed or turned off is
// dropped (the save that replaced it asked for its own check).
import { log } from "../core/log";
import type { MessagingProvider } from "../core/integrations";
import { integrationForCheck, recordCheck } from "../d1/integrations";
import { notifyMerchant } from "../d1/merchant-notices";
import { checkProvider } from "../workers/providers";

export type IntegrationCheckOutcome = "ok" | "failing" | "stale";

/** Throws when D1 or the keyring fails (the queue retries); a provider's failure is an outcome. */
export async function runIntegrationCheck(env: Env, shop: string, provider: MessagingProvider, revision: number): Promise<IntegrationCheckOutcome> {
  const current = await integrationForCheck(env, shop, provider);
  if (!current || current.revision !== revision || !current.enabled) {
    log.info(`integrations: check of ${provider} for ${shop} at revision ${revision} dropped: the integration changed`);
    return "stale";
  }
  const result = await checkProvider(env, provider, current.config);
  const { recorded, failingSince } = await recordCheck(env, shop, provider, revision, result);
  if (!recorded) return "stale";
  if (result.ok) return "ok";
  log.warn(`integrations: ${provider} for ${shop} failing after ${result.attempts} tries`, result.error?.code ?? "unknown");
  await notifyMerchant(env, shop, {
    kind: "integration_failing",
    dedupeKey: `integration_failing:${provider}:${failingSince}`,
    details: { provider, code: result.error?.code ?? "unknown", message: result.error?.message ?? "", since: new Date(failingSince!).toISOString() },
  });
  return "failing";
}
