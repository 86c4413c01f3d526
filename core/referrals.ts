// Referral rules that every surface shares: the codes advocates hand out.
// (Fraud scoring and identity normalisation join this module: see issue 11.)

/** No 0/O, 1/I/L: a code read aloud or copied by hand stays the same code. */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const REFERRAL_CODE_LENGTH = 8;

/** A new random code (31^8 ≈ 8.5 × 10^11 of them); uniqueness in the shop is D1's. */
export function newReferralCode(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  // Rejection sampling keeps every letter equally likely (256 is not a multiple of 31).
  const limit = 256 - (256 % CODE_ALPHABET.length);
  let code = "";
  while (code.length < REFERRAL_CODE_LENGTH) {
    for (const byte of random(new Uint8Array(REFERRAL_CODE_LENGTH * 2))) {
      if (byte < limit && code.length < REFERRAL_CODE_LENGTH) code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
    }
  }
  return code;
}

/**
 * A code as a friend may have typed or pasted it (" k7qm-4tzp ") in the stored form, or null
 * when it cannot be one of ours.
 */
export function normaliseReferralCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, "");
  if (code.length !== REFERRAL_CODE_LENGTH) return null;
  for (const char of code) if (!CODE_ALPHABET.includes(char)) return null;
  return code;
}
