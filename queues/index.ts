import type { LedgerEvent } from "../core/ledger-events";
import { DEAD_LETTER_QUEUES, handleDeadLetters } from "./dead-letters";
import { handleIngest, type IngestMessage } from "./ingest";
import { handleJobs, type JobMessage } from "./jobs";
import { handleLedgerEvents } from "./ledger-events";
import { handleLogs, handleLogsDeadLetters } from "./logs";
import { handleNotifications } from "./notifications";
import type { NotificationsMessage } from "../core/notifications";
import { log } from "../core/log";

/** One Worker consumes every queue; the batch's queue name picks the consumer. */
export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue === "logs-dlq") return handleLogsDeadLetters(batch, env);
  if (batch.queue in DEAD_LETTER_QUEUES) return handleDeadLetters(batch, env);
  switch (batch.queue) {
    case "ingest":
      return handleIngest(batch as MessageBatch<IngestMessage>, env);
    case "ledger-events":
      return handleLedgerEvents(batch as MessageBatch<LedgerEvent>, env);
    case "logs":
      return handleLogs(batch, env);
    case "jobs":
      return handleJobs(batch as MessageBatch<JobMessage>, env);
    case "notifications":
      return handleNotifications(batch as MessageBatch<NotificationsMessage>, env);
    default:
      // A queue bound in wrangler.toml without a consumer here: keep its messages (retry → DLQ → D1).
      log.error(`queue ${batch.queue}: no consumer, retrying towards the dead-letter queue`);
      batch.retryAll({ delaySeconds: 60 });
  }
}
