// What an operator needs to see of deliveries and events that ended without applying: parked
// dead letters (with the reason they were parked) and rejected or long-parked inbox rows. No
// bodies are printed: they may hold personal data.
// Usage: node scripts/ops.mjs parked [--remote] [--persist-to <dir>]
import { d1Execute } from "./d1-query.mjs";

const [command = "parked", ...rest] = process.argv.slice(2);
if (command !== "parked") {
  console.error("usage: node scripts/ops.mjs parked [--remote] [--persist-to <dir>]");
  process.exit(2);
}
const remote = rest.includes("--remote");
const persistTo = rest.includes("--persist-to") ? rest[rest.indexOf("--persist-to") + 1] : null;
const query = (sql) => d1Execute(persistTo, sql, { remote });

const deadLetters = await query(
  `SELECT id, queue, dead_count, attempts, datetime(created_at / 1000, 'unixepoch') AS first_dead, reason
   FROM dead_letters WHERE status = 'parked' ORDER BY created_at DESC LIMIT 200`,
);
const inbox = await query(
  `SELECT id, shop, topic, status, attempts, datetime(received_at / 1000, 'unixepoch') AS received, last_error
   FROM webhook_inbox WHERE status = 'rejected' OR (status = 'parked' AND attempts >= 5) ORDER BY received_at DESC LIMIT 200`,
);
console.log(`parked dead letters: ${deadLetters.length}`);
if (deadLetters.length) console.table(deadLetters);
console.log(`rejected or long-parked inbox deliveries: ${inbox.length}`);
if (inbox.length) console.table(inbox);
