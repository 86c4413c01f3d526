// What the v1 code wrote, for tests of the legacy path and the re-encryption routine:
// `v1.<iv>.<ct>` with the shop alone as additional data and no key id.
import { dataKeys } from "../../core/crypto";
import { toBase64, utf8 } from "../../core/encoding";

export async function sealV1(masterKey: string, plaintext: string, shop: string): Promise<string> {
  const keys = await dataKeys(masterKey);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const body = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(shop) }, keys.encryption, utf8(plaintext));
  return `v1.${toBase64(iv)}.${toBase64(body)}`;
}
