// Seeds the demo shop into the local D1 that `wrangler dev` uses: installed, default program
// and rewards, an offline access token the Shopify emulator accepts, and the Plus plan
// (unlimited orders: the bench and the fault suite send thousands of orders a run, which must
// never meet a limit). Idempotent.
// Usage: tsx scripts/seed.ts [--persist-to <dir>]   (run by `npm run dev`)
// LOYALNEST_SEED_SHOPS (JSON `{ "<shop>": "<offline token>" }`): more shops seeded as the demo
// shop, in the same run (the dashboard's browser tests give each test file a shop of its own).
import { getPlatformProxy } from "wrangler";
import { rewardInput } from "../core/rewards";
import { getReward, updateReward } from "../d1/rewards";
import { installShop } from "../d1/shops";
import { changePlan } from "../d1/plans";
import { createAdmin } from "../d1/admin-users";
import { sealTokens } from "../workers/shopify/tokens";
import { configurationMessage, configurationProblems } from "../workers/http/require-config";

// Node's `process`, typed here: the project's TypeScript types are the Workers runtime's.
const { argv, env: processEnv } = (globalThis as unknown as {
  process: { argv: string[]; env: Record<string, string | undefined> };
}).process;

const DEMO_SHOP = processEnv.LOYALNEST_DEMO_SHOP ?? "demo-shop.myshopify.com";
const DEMO_ACCESS_TOKEN = processEnv.LOYALNEST_DEMO_ACCESS_TOKEN ?? "shpat_loyalnest_demo_offline_token";
/** Unlimited net paid orders a month (d1/migrations/0013_plans_seed.sql). */
const DEMO_PLAN = "plus";
/** The console's dev admin: a superadmin the local Access stand-in signs tokens for (no password: Access is the login). */
const DEV_ADMIN_EMAIL = processEnv.LOYALNEST_DEV_ADMIN_EMAIL ?? "admin@loyalnest.dev";
const SHOPS: [shop: string, accessToken: string][] = [[DEMO_SHOP, DEMO_ACCESS_TOKEN], ...Object.entries(JSON.parse(processEnv.LOYALNEST_SEED_SHOPS ?? "{}") as Record<string, string>)];

function option(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

const persistTo = option("--persist-to");
const { env, dispose } = await getPlatformProxy<Env>({
  configPath: "wrangler.toml",
  // Same layout as `wrangler dev --persist-to <dir>`, which keeps its state in <dir>/v3.
  persist: persistTo ? { path: `${persistTo.replace(/\/+$/, "")}/v3` } : true,
  remoteBindings: false,
});
try {
  const problems = configurationProblems(env);
  if (problems.length) throw new Error(`cannot seed ${DEMO_SHOP}: ${configurationMessage(problems)}`);
  for (const [shop, accessToken] of SHOPS) {
    await installShop(env, {
      domain: shop,
      // A non-expiring offline token: the demo shop never goes through token exchange.
      ...(await sealTokens(env, shop, { accessToken, accessTokenExpiresAt: null, refreshToken: null })),
    });
    await offerDemoFreeProduct(shop);
    // Given, not billed (no subscription): logged in plan_changes as the seed's. A no-op once on it.
    await changePlan(env, shop, DEMO_PLAN, { changedBy: "seed" });
  }
  const admin = await createAdmin(env, { username: "dev-admin", email: DEV_ADMIN_EMAIL, role: "superadmin", createdBy: "seed" });
  // A second run finds it (or a renamed one) there: the email or username is taken.
  const adminNote = admin.ok ? "created" : "kept";
  console.log(`seeded ${SHOPS.map(([shop]) => shop).join(", ")} (installed, default program, ${DEMO_PLAN} plan) and the console's superadmin ${DEV_ADMIN_EMAIL} (${adminNote})`);
} finally {
  await dispose();
}

/**
 * A new shop's free product waits, disabled, for its variant; the demo shop's is chosen, so the
 * demo offers all three default rewards. Only once: a merchant's later edits stay.
 */
async function offerDemoFreeProduct(shop: string): Promise<void> {
  const id = `${shop}:default:3`;
  const reward = await getReward(env, shop, id);
  if (!reward || reward.version > 1) return;
  await updateReward(env, shop, id, { ...rewardInput(reward), enabled: true, value: "25.00", product_variant_gid: "gid://shopify/ProductVariant/1001" }, "seed", {
    expectedVersion: reward.version,
  });
}
