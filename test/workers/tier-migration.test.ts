// The customer object's tiers migration on an account that existed before it: redemptions
// rebuilt (0 points allowed) keep every row and index; the tier tables start empty.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CUSTOMER_ACCOUNT_MIGRATIONS } from "../../durable-objects/customer-account-schema";
import type { CustomerAccount } from "../../durable-objects/customer-account";
import { migrateSqlStorage } from "../../durable-objects/sql-migrations";
import { customerAccount } from "../../durable-objects/stubs";
import { uniqueShop } from "../helpers/shopify";

const TIERS_STEP = CUSTOMER_ACCOUNT_MIGRATIONS.findIndex((step) => step.some((s) => s.includes("CREATE TABLE tier_state")));
const OLD_REDEMPTIONS = CUSTOMER_ACCOUNT_MIGRATIONS.flat().find((s) => s.includes("CREATE TABLE redemptions ("))!;

describe("DO migration: tiers", () => {
  it("keeps an older account's redemptions (rebuilt to allow 0 points) and adds empty tier tables", async () => {
    expect(TIERS_STEP).toBeGreaterThan(0);
    const stub = customerAccount(env, uniqueShop("tier-migration"), "1");
    await runInDurableObject(stub, (_account: CustomerAccount, state) => {
      const sql = state.storage.sql;
      // Back to the schema before the tiers step, with one redemption in the old table.
      state.storage.transactionSync(() => {
        for (const table of ["tier_state", "tier_changes", "tier_entry_rewards", "redemptions"]) sql.exec(`DROP TABLE ${table}`);
        sql.exec(OLD_REDEMPTIONS);
        for (const index of CUSTOMER_ACCOUNT_MIGRATIONS.flat().filter((s) => s.startsWith("CREATE INDEX redemptions_"))) {
          if (!sql.exec<{ n: number }>(`SELECT count(*) AS n FROM sqlite_master WHERE sql = ?`, index).one().n) sql.exec(index);
        }
        sql.exec(
          `INSERT INTO redemptions (id, request_key, request_hash, reward_id, reward_version, reward_type, title, points, spec, code_encrypted,
             code_hash, status, reserve_seq, ends_at, return_on_expiry, created_at, updated_at)
           VALUES ('r1', 'k1', 'h', 'rw', 1, 'fixed_amount', 'Five off', 500, '{}', 'enc', 'hash1', 'issued', 1, 99, 1, 5, 6)`,
        );
        expect(() => sql.exec(`UPDATE redemptions SET points = 0`)).toThrow(/CHECK/);
        sql.exec(`UPDATE _schema SET version = ?`, TIERS_STEP);
      });
      const before = sql.exec(`SELECT * FROM redemptions`).toArray();

      migrateSqlStorage(state.storage, CUSTOMER_ACCOUNT_MIGRATIONS.slice(0, TIERS_STEP + 1));

      expect(sql.exec(`SELECT * FROM redemptions`).toArray()).toEqual(before);
      const indexes = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'redemptions' AND name NOT LIKE 'sqlite_%' ORDER BY name`).toArray();
      expect(indexes.map((i) => i.name)).toEqual(["redemptions_issued", "redemptions_order", "redemptions_pending"]);
      sql.exec(`UPDATE redemptions SET points = 0`); // an entry reward's redemption
      expect(sql.exec(`SELECT tier_id, since, below_since, wake_at FROM tier_state`).toArray()).toEqual([{ tier_id: null, since: null, below_since: null, wake_at: null }]);
      expect(sql.exec(`SELECT count(*) AS n FROM tier_changes`).one()).toEqual({ n: 0 });
      expect(sql.exec(`SELECT count(*) AS n FROM tier_entry_rewards`).one()).toEqual({ n: 0 });
    });
  });
});
