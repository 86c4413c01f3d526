// Load generation: autocannon's programmatic API, plus the exact per-response latencies it
// reports (its own histogram has no p95 and, at a fixed rate, adds coordinated-omission
// estimates; we keep the raw response times and compute percentiles from them).
import autocannon from "autocannon";

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length) - 1; // nearest rank
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/**
 * Runs one autocannon measurement, bounded by `duration` (s) or `amount`.
 * `request` is one autocannon request object; give it `setupRequest` to build each request
 * fresh (new ids, new signatures) and `onResponse` to check bodies.
 * Non-2xx answers (or, with `expectStatus`, any other status), connection errors and timeouts
 * are counted as errors, with sample bodies.
 *
 * With `overallRate`, `streams` > 1 splits the load into that many autocannon instances, each
 * at overallRate / streams with connections / streams connections, started 1 s / streams apart.
 * autocannon paces each connection in 1-second windows that all start together, so one
 * instance at 100 req/s sends synchronized bursts at the top of every second; staggered
 * instances spread the same rate over the second, closer to independent deliveries.
 */
export async function measure({ url, connections, duration, amount, overallRate, streams = 1, request, timeout = 10, expectStatus = null }) {
  const good = (status) => (expectStatus === null ? status >= 200 && status <= 299 : status === expectStatus);
  const latencies = [];
  const statusCounts = {};
  const errorSamples = new Map(); // "status body" -> count
  const userOnResponse = request.onResponse;
  const req = {
    ...request,
    onResponse(status, body, context, headers) {
      if (!good(status)) {
        const key = `${status} ${String(body).slice(0, 200)}`;
        if (errorSamples.size < 10 || errorSamples.has(key)) errorSamples.set(key, (errorSamples.get(key) ?? 0) + 1);
      }
      userOnResponse?.(status, body, context, headers);
    },
  };
  const n = overallRate ? Math.max(1, streams) : 1;
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      if (i > 0) await new Promise((r) => setTimeout(r, (1000 * i) / n));
      const instance = autocannon({
        url,
        connections: Math.max(1, Math.round(connections / n)),
        pipelining: 1,
        timeout,
        ...(amount ? { amount: Math.round(amount / n) } : { duration }),
        ...(overallRate ? { overallRate: Math.round(overallRate / n) } : {}),
        requests: [req],
      });
      instance.on("response", (_client, status, _bytes, ms) => {
        latencies.push(ms);
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      });
      return instance;
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  // Each instance's own running time (autocannon stops on its 1-s sampling tick, so a 10-s
  // run may last up to 11 s); with staggered streams, their mean.
  const active = results.reduce((sum, r) => sum + r.duration, 0) / results.length;
  const errors = results.reduce((sum, r) => sum + r.errors, 0);
  const timeouts = results.reduce((sum, r) => sum + r.timeouts, 0);
  latencies.sort((a, b) => a - b);
  const responses = latencies.length;
  const ok2xx = Object.entries(statusCounts)
    .filter(([status]) => good(Number(status)))
    .reduce((sum, [, c]) => sum + c, 0);
  return {
    connections,
    overallRate: overallRate ?? null,
    streams: n,
    seconds: Number(active.toFixed(2)),
    wallSeconds: Number(elapsed.toFixed(2)),
    responses,
    ok: ok2xx,
    non2xx: responses - ok2xx,
    connErrors: errors - timeouts,
    timeouts,
    // Throughput counts successful answers only.
    rps: Number((ok2xx / active).toFixed(1)),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? null),
    statusCounts,
    errorSamples: [...errorSamples].map(([sample, count]) => ({ count, sample })),
  };
}

const round = (ms) => (ms === null ? null : Number(ms.toFixed(1)));

export function errorCount(m) {
  return m.non2xx + m.connErrors + m.timeouts;
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function pool(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
