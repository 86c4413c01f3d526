// A CSV export's file at rest: every R2 part is one sealed frame, written as the job cuts the
// part (queues/exports.ts) and opened one at a time as the download streams (workers/
// export-download.ts), so neither side ever holds more than a part.
//
// Frame: "LNX1" | kid (8 hex digits, ASCII) | flag (1 byte: 0 more, 1 final) | length (u32 big
// endian: ciphertext and tag) | iv (12 bytes) | AES-256-GCM ciphertext and tag.
// The additional data is the frame's header up to the iv and exportPartContext(shop, export,
// part number), where the part number is the frame's place in the file: a part moved to another
// place, another export or another shop does not open. The final flag is authenticated too, so
// a file cut short at a part boundary, or with anything after its final part, is refused.
//
// Keys: the keyring's current key seals; any key the ring still holds opens (the kid names it).
// A file sealed under a key later moved to ENCRYPTION_KEYS_PREVIOUS keeps opening; once that
// key is dropped it does not, so a key stays listed for EXPORT_RETENTION_DAYS after a rotation
// (files are deleted by then; they are never re-sealed).
import { exportPartContext, type DataKeys, type Keyring } from "./crypto";
import { utf8 } from "./encoding";

const MAGIC = utf8("LNX1");
/** magic, kid, flag, length: what the additional data binds besides the context. */
const BOUND_HEADER_BYTES = 4 + 8 + 1 + 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = BOUND_HEADER_BYTES + IV_BYTES;
/** What sealing adds to each part. */
export const SEAL_OVERHEAD_BYTES = HEADER_BYTES + TAG_BYTES;
/** A length field above this is refused before anything is allocated for it. */
const MAX_SEALED_PART_BYTES = 64 * 1024 * 1024;

export type SealedExportProblem = "truncated" | "tampered" | "unknown_key";

/** The file is not the one the job wrote: cut short, altered, reordered, or under a key no longer held. */
export class SealedExportError extends Error {
  constructor(
    readonly problem: SealedExportProblem,
    message: string,
  ) {
    super(message);
    this.name = "SealedExportError";
  }
}

export interface PartPlace {
  shop: string;
  exportId: string;
  /** 1-based, as R2 numbers multipart parts. */
  partNumber: number;
  /** The file's last part. */
  final: boolean;
}

function additionalData(bound: Uint8Array<ArrayBuffer>, place: PartPlace): Uint8Array<ArrayBuffer> {
  const context = utf8(`\n${exportPartContext(place.shop, place.exportId, place.partNumber)}`);
  const data = new Uint8Array(bound.length + context.length);
  data.set(bound, 0);
  data.set(context, bound.length);
  return data;
}

/** One part, sealed under the current key: SEAL_OVERHEAD_BYTES longer than `plaintext`. */
export async function sealPart(keys: DataKeys, place: PartPlace, plaintext: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const sealed = new Uint8Array(SEAL_OVERHEAD_BYTES + plaintext.length);
  sealed.set(MAGIC, 0);
  sealed.set(utf8(keys.kid), 4);
  sealed[12] = place.final ? 1 : 0;
  new DataView(sealed.buffer).setUint32(13, plaintext.length + TAG_BYTES);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  sealed.set(iv, BOUND_HEADER_BYTES);
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(sealed.subarray(0, BOUND_HEADER_BYTES), place) }, keys.encryption, plaintext);
  sealed.set(new Uint8Array(ciphertext), HEADER_BYTES);
  return sealed;
}

/** Exact reads over a byte stream. */
class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private offset = 0;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** `n` bytes; null when the stream ended before the first of them; throws when it ends inside. */
  async read(n: number): Promise<Uint8Array<ArrayBuffer> | null> {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.offset === this.chunk.length) {
        const { done, value } = await this.reader.read();
        if (done) {
          if (filled === 0) return null;
          throw new SealedExportError("truncated", "the export's file ends inside a part");
        }
        this.chunk = value;
        this.offset = 0;
        continue;
      }
      const take = Math.min(n - filled, this.chunk.length - this.offset);
      out.set(this.chunk.subarray(this.offset, this.offset + take), filled);
      filled += take;
      this.offset += take;
    }
    return out;
  }

  cancel(reason?: unknown): Promise<void> {
    return this.reader.cancel(reason);
  }
}

/**
 * The plaintext of each part of a sealed export file, in order, read from `body` a part at a
 * time. Throws SealedExportError at the first part that does not open in its place, and when
 * the file ends without its final part or goes on after it.
 */
export async function* openSealedParts(ring: Keyring, shop: string, exportId: string, body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array<ArrayBuffer>, void, undefined> {
  const bytes = new ByteReader(body.getReader());
  const decoder = new TextDecoder();
  let ended = false;
  try {
    for (let partNumber = 1; ; partNumber++) {
      const header = await bytes.read(HEADER_BYTES);
      if (header === null) {
        if (!ended) throw new SealedExportError("truncated", `the export's file ends after part ${partNumber - 1}, before its final part`);
        return;
      }
      if (ended) throw new SealedExportError("tampered", `the export's file goes on after its final part (part ${partNumber})`);
      if (header.subarray(0, 4).some((b, i) => b !== MAGIC[i]) || header[12]! > 1) throw new SealedExportError("tampered", `part ${partNumber} of the export's file is not a sealed part`);
      const kid = decoder.decode(header.subarray(4, 12));
      const length = new DataView(header.buffer, header.byteOffset).getUint32(13);
      if (length < TAG_BYTES || length > MAX_SEALED_PART_BYTES) throw new SealedExportError("tampered", `part ${partNumber} of the export's file has an impossible length`);
      const keys = [ring.current, ...ring.previous].find((k) => k.kid === kid);
      if (!keys) throw new SealedExportError("unknown_key", `part ${partNumber} is sealed under key ${kid}, which this deployment no longer holds (ENCRYPTION_KEYS_PREVIOUS)`);
      const ciphertext = await bytes.read(length);
      if (ciphertext === null) throw new SealedExportError("truncated", `the export's file ends inside part ${partNumber}`);
      const final = header[12] === 1;
      let plaintext: ArrayBuffer;
      try {
        plaintext = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: header.subarray(BOUND_HEADER_BYTES, HEADER_BYTES), additionalData: additionalData(header.subarray(0, BOUND_HEADER_BYTES), { shop, exportId, partNumber, final }) },
          keys.encryption,
          ciphertext,
        );
      } catch {
        throw new SealedExportError("tampered", `part ${partNumber} of the export's file does not open in its place: altered, moved from another place or export, or another file's`);
      }
      ended = final;
      yield new Uint8Array(plaintext);
    }
  } finally {
    // Stopped early (an error, or the reader went away): let R2's body go.
    if (!ended) await bytes.cancel().catch(() => {});
  }
}
