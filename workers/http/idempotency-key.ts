// The Idempotency-Key header of a request that spends or changes points: the same key, the same
// effect. Without one the request is its own effect (a fresh key), as the API contract allows.
import { ApiError } from "./envelope";

const KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

export function idempotencyKey(header: string | undefined): string {
  if (header === undefined) return `auto:${crypto.randomUUID()}`;
  if (!KEY.test(header)) {
    throw new ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 8–128 letters, digits or . _ : - (a UUID is ideal)");
  }
  return `key:${header}`;
}
