// Where a referral came from, as the velocity check compares it: the shopper's IP address and
// the widget's device id, each replaced by a keyed hash bound to the shop (the blind-index key,
// labelled per part as core/referral-identity.ts labels its parts). Neither is stored in the clear.
import type { DataKeys } from "./crypto";
import { toHex, utf8 } from "./encoding";
import type { ReferralSource } from "../durable-objects/customer-account-types";

export async function sourceFingerprints(keys: DataKeys, shop: string, source: { ip: string | null; device: string | null }): Promise<ReferralSource> {
  const mac = async (part: "ip" | "device", value: string | null) =>
    value === null || value.trim() === "" ? null : toHex(await crypto.subtle.sign("HMAC", keys.blindIndex, utf8(`referral-${part}\n${shop}\n${value.trim().toLowerCase()}`)));
  const [ip, device] = await Promise.all([mac("ip", source.ip), mac("device", source.device)]);
  return { ip, device };
}
