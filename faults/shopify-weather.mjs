// Shopify failing now and then while the run redeems: every few seconds a spell on the shop's
// discount calls: calm; a burst of a few queued faults; or a stretch of one fault on every call
// for some seconds. Each fault is a 5xx, THROTTLED, a user error or a timeout, the 5xx and the
// timeout also after the discount was created (the answer lost). The spells are dealt from a
// deck holding each kind once, shuffled by the seed, so even a short run meets every kind.
// Through the emulator's control endpoints (scripts/shopify-emulator.mjs, `/__emulator/faults`).
import { createRandom } from "./random.mjs";

const SPELL_EVERY_MS = { min: 2_000, max: 5_000 };
const STRETCH_MS = { min: 3_000, max: 7_000 };
// Longer than the app's 3-s attempt timeout: the attempt is abandoned before the emulator drops it.
const TIMEOUT_HOLD_MS = 4_000;
const CREATE_OPERATIONS = ["discountCodeBasicCreate", "discountCodeFreeShippingCreate"];
const LOOKUP = "codeDiscountNodeByCode";
const FAULTS = [
  { mode: "http_500", createThenFail: false },
  { mode: "http_500", createThenFail: true },
  { mode: "throttled" },
  { mode: "user_error" },
  { mode: "timeout", createThenFail: false, holdMs: TIMEOUT_HOLD_MS },
  { mode: "timeout", createThenFail: true, holdMs: TIMEOUT_HOLD_MS },
];
const DECK = [
  ...FAULTS.map((fault) => ({ kind: "burst", fault })),
  ...FAULTS.map((fault) => ({ kind: "stretch", fault })),
  ...Array.from({ length: 6 }, () => ({ kind: "calm" })),
];

export function createEmulatorFaults({ emulatorUrl, shop }) {
  const at = `${emulatorUrl}/__emulator/faults?shop=${encodeURIComponent(shop)}`;
  return {
    async queue(fault) {
      const response = await fetch(at, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fault) });
      if (!response.ok) throw new Error(`emulator refused the fault ${JSON.stringify(fault)}: ${response.status} ${await response.text()}`);
    },
    async clear() {
      const response = await fetch(at, { method: "DELETE" });
      if (!response.ok) throw new Error(`emulator: clearing faults answered ${response.status}`);
    },
  };
}

/** Starts the spells; `pause()` clears what is queued and holds off until `resume()`; `stop()` clears and ends. */
export function startShopifyWeather({ faults, seed }) {
  const random = createRandom(seed ^ 0x5ea7);
  const figures = { spells: { calm: 0, burst: 0, stretch: 0 }, queued: {} };
  let paused = false;
  let stopped = false;
  let wake = null;
  const nap = (ms) => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  const count = (fault) => {
    const name = `${fault.mode}${fault.createThenFail ? "+created" : ""}${fault.times === 0 ? " (stretch)" : ""}`;
    figures.queued[name] = (figures.queued[name] ?? 0) + 1;
  };

  let deck = [];
  async function spell() {
    if (deck.length === 0) deck = random.shuffle([...DECK]);
    const { kind, fault } = deck.pop();
    figures.spells[kind]++;
    if (kind === "burst") {
      // The fault first, then one or two of any kind, each met by the next matching calls.
      const queued = [{ ...fault, times: random.int(1, 3), operation: randomOperation(random) }];
      if (random.chance(0.5)) queued.push({ ...random.pick(FAULTS), times: random.int(1, 3), operation: randomOperation(random) });
      for (const f of queued) {
        count(f);
        await faults.queue(f);
      }
    } else if (kind === "stretch") {
      const stretch = { ...fault, times: 0 };
      count(stretch);
      await faults.queue(stretch);
      await nap(random.int(STRETCH_MS.min, STRETCH_MS.max));
      await faults.clear();
    }
  }

  let current = Promise.resolve();
  const loop = (async () => {
    while (!stopped) {
      await nap(random.int(SPELL_EVERY_MS.min, SPELL_EVERY_MS.max));
      if (stopped || paused) continue;
      current = spell().catch((error) => {
        figures.errors = [...(figures.errors ?? []), String(error)].slice(-5);
      });
      await current;
    }
  })();

  return {
    figures,
    /** Ends the spell under way (a stretch is cut short), clears the queue, holds off until resume(). */
    async pause() {
      paused = true;
      wake?.();
      await current;
      await faults.clear();
    },
    resume() {
      paused = false;
    },
    async stop() {
      stopped = true;
      wake?.();
      await current;
      await loop;
      await faults.clear();
    },
  };
}

/** Any discount call, one kind of create, or the lookup. */
function randomOperation(random) {
  const roll = random.next();
  if (roll < 0.55) return undefined;
  if (roll < 0.85) return random.pick(CREATE_OPERATIONS);
  return LOOKUP;
}

/** Faults the emulator actually applied to the shop's requests, by mode (its request log). */
export function faultsMet(requests, shop) {
  const met = {};
  for (const r of requests) if (r.shop === shop && r.fault) met[r.fault] = (met[r.fault] ?? 0) + 1;
  return met;
}
