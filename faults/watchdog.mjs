// The fault suite ends with a verdict and a reason, never a hang. Each wait of the run has its
// own timeout, but two failures had none: a fault step that failed (the restart after the
// SIGKILL, say) was only noticed after every delivery, and with the app gone each of thousands
// of deliveries retried for its full give-up time, hours in all; CI's 90 minutes then ran out
// with nothing printed after the Postgres restart. Now a failed step or a stalled delivery stops
// the deliveries at once, and the whole run has a deadline; either way the run fails with what
// it was doing and the tail of wrangler dev's log.

/**
 * Aborts `controller` when no delivery has been acknowledged for `stallMs` (the app stopped
 * answering: longer than any planned outage, since webhooks never wait on Postgres and the
 * restart after the SIGKILL takes ~20 s). Returns a function that stops watching.
 */
export function watchForStall({ stats, stallMs, controller, describe }) {
  const timer = setInterval(() => {
    const quietMs = Date.now() - stats.lastAckAt;
    if (quietMs > stallMs && !controller.signal.aborted) {
      controller.abort(new Error(`no webhook was acknowledged for ${(quietMs / 1000).toFixed(0)} s: the app stopped answering\n${describe()}`));
    }
  }, 1_000);
  return () => clearInterval(timer);
}

/**
 * The whole run's deadline: past it, `onExpired(message)` runs (it must clean up and exit).
 * `phase(name)` names what the run is doing, for the message.
 */
export function runDeadline({ ms, onExpired }) {
  let current = "starting";
  const timer = setTimeout(() => onExpired(`faults: no verdict within ${ms / 1000} s, while ${current}: stopping the run`), ms);
  timer.unref();
  return {
    phase(name) {
      current = name;
      console.log(`[faults] ${name}…`);
    },
    clear: () => clearTimeout(timer),
  };
}
