// The cron sweeper: re-drives inbox entries left unprocessed (their queue message lost or
// still parked) and dead letters, gives up on inbox entries that never applied, and purges
// what is past its retention. Cron does not fire under `wrangler dev`: the dev script calls
// /cdn-cgi/local/scheduled on a timer.
import { claimDue, giveUpStale, purgeInbox, sendToIngest } from "../d1/inbox";
import { purgeDeadLetters, redriveDeadLetters } from "./dead-letters";
import { reencryptBatch, type ReencryptResult } from "./reencrypt";

const DEAD_LETTER_MIN_AGE_MS = 5 * 60_000;
const REENCRYPT_BATCH = 200;

export interface SweepResult {
  inbox: number;
  deadLetters: number;
  givenUp: number;
  purged: number;
  reencrypted: ReencryptResult;
}

export async function sweep(env: Env, now = Date.now()): Promise<SweepResult> {
  const givenUp = await giveUpStale(env, now);
  const ids = await claimDue(env, 500, now);
  await sendToIngest(env, ids);
  const deadLetters = await redriveDeadLetters(env, DEAD_LETTER_MIN_AGE_MS, 100, now);
  const purged = (await purgeInbox(env, now)) + (await purgeDeadLetters(env, now));
  const reencrypted = await reencryptBatch(env, REENCRYPT_BATCH);
  return { inbox: ids.length, deadLetters, givenUp, purged, reencrypted };
}
