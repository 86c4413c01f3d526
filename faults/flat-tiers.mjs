// The oracle (oracle.mjs) earns floor(subtotal × 10) per order: no tier multiplier. Which tier
// an order meets depends on the order the suite's shuffled deliveries are processed in, so the
// demo shop's tiers are set to 1× before delivering (through the merchant API, as a merchant
// would); tier multipliers themselves are proven in test/workers/vip-tiers.test.ts.
export async function flattenTierMultipliers({ url, signer, shop }) {
  const headers = { authorization: `Bearer ${signer.sessionToken(shop)}`, "content-type": "application/json" };
  const listed = await fetch(`${url}/v1/api/vip-tiers`, { headers });
  if (!listed.ok) throw new Error(`listing tiers: ${listed.status} ${await listed.text()}`);
  for (const tier of (await listed.json()).tiers) {
    if (!tier.enabled || tier.earn_multiplier === 1) continue;
    const { translations, threshold, discount, free_shipping, sort, enabled } = tier;
    const body = JSON.stringify({ translations, threshold, earn_multiplier: 1, discount, free_shipping, sort, enabled });
    const saved = await fetch(`${url}/v1/api/vip-tiers/${tier.id}`, { method: "PUT", headers, body });
    if (!saved.ok) throw new Error(`flattening tier ${tier.id}: ${saved.status} ${await saved.text()}`);
  }
}
