// The restart between reserve and commit, made certain rather than left to chance: just before
// wrangler dev is SIGKILLed, Shopify holds its answers to the next $5-off creates (every other
// one created first, as when Shopify commits and the answer is lost), redemptions are sent into
// them, and the kill comes while their objects wait on Shopify. After the restart each must end
// issued (its code exists at Shopify) or failed and released (it does not).
const CREATE = "discountCodeBasicCreate";
// The app abandons an attempt after 3 s (REDEEM_ATTEMPT_TIMEOUT_MS) and tries again: the kill
// must come before that, while the first attempt is still held.
const KILL_WITHIN_MS = 2_500;
const HOLD_MS = 30_000;

/** @returns {Promise<{ sent: number, held: { code: string, at: number }[], killedAt: number }>} */
export async function crashWithRedemptionsInFlight({ app, weather, faults, spending, shop, count = 6 }) {
  await weather.pause();
  for (let i = 0; i < count; i++) {
    await faults.queue({ mode: "timeout", times: 1, holdMs: HOLD_MS, createThenFail: i % 2 === 0, operation: CREATE });
  }
  const since = Date.now();
  const sent = spending.redeemDuringCrash(count);
  const heldCreates = () => app.emulator.requests.filter((r) => r.shop === shop && r.at >= since && r.operation === CREATE && r.status === null);
  while (heldCreates().length < count && Date.now() - since < KILL_WITHIN_MS) await new Promise((resolve) => setTimeout(resolve, 20));
  const held = heldCreates().map((r) => ({ code: r.body?.variables?.basicCodeDiscount?.code, at: r.at }));
  const killedAt = Date.now();
  await app.crashAndRestart();
  await faults.clear();
  weather.resume();
  return { sent, held, killedAt };
}
