/** Exponential backoff for queue retries: 2, 4, 8 … seconds, capped at five minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(2 ** Math.max(1, attempts), 300);
}
