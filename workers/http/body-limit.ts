// Reading a request body with a ceiling that holds while streaming. A chunked body (no
// Content-Length) is counted as it arrives and cut off one byte past the limit; the rest is
// never pulled: the stream is cancelled, so a 20 MB body costs at most ~limit of memory.
// (hono/body-limit counts the same way but leaves the stream open after refusing.)
import type { Bytes } from "../../core/encoding";

/** The body's bytes, or null when it is larger than `maxBytes`. */
export async function readBodyWithin(request: Request, maxBytes: number): Promise<Bytes | null> {
  const body = request.body;
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await body?.cancel("body over limit").catch(() => {});
    return null;
  }
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel("body over limit").catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
