// Mutation budgets in this process, with a fake clock: which counters a call draws on, the
// sliding window (a slot frees exactly when its call is an hour old), giving slots back, scopes
// kept apart, and the bound on how many windows are tracked. The same ledger contract is run
// against Redis in test/redis/state.test.ts.
import { describe, expect, it } from "vitest";
import { DEFAULT_BUDGETS } from "../../src/cli/config.js";
import { BUDGET_WINDOW_MS, LocalBudgets, countersFor, freesAt } from "../../src/safety/budget.js";

const HOUR = 3_600_000;
const limits = { perBatch: 2, perCredential: 3 };

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

describe("countersFor", () => {
  it("draws on the batch's counter when the call names a batch, and always on the credential's", () => {
    expect(countersFor(limits, "btch_1")).toEqual([
      { scope: "batch", key: expect.stringMatching(/^budget:batch:[\w-]{22}$/), limit: 2 },
      { scope: "credential", key: "budget:credential", limit: 3 },
    ]);
    expect(countersFor(limits, undefined)).toEqual([{ scope: "credential", key: "budget:credential", limit: 3 }]);
    expect(countersFor(limits, "btch_1")[0]!.key).not.toBe(countersFor(limits, "btch_2")[0]!.key);
    expect(countersFor(limits, "btch_1")[0]!.key).not.toContain("btch_1");
  });

  it("leaves out a budget set to 0, and all of them when both are", () => {
    expect(countersFor({ perBatch: 0, perCredential: 3 }, "btch_1").map((c) => c.scope)).toEqual(["credential"]);
    expect(countersFor({ perBatch: 2, perCredential: 0 }, "btch_1").map((c) => c.scope)).toEqual(["batch"]);
    expect(countersFor({ perBatch: 0, perCredential: 0 }, "btch_1")).toEqual([]);
  });

  it("defaults to 10 per batch and 100 per credential in an hour", () => {
    expect(DEFAULT_BUDGETS).toEqual({ perBatch: 10, perCredential: 100 });
    expect(BUDGET_WINDOW_MS).toBe(HOUR);
  });
});

describe("LocalBudgets", () => {
  it("counts calls up to the limit, then names the full counter with its count and oldest call", async () => {
    const c = clock();
    const ledger = new LocalBudgets(HOUR, c.now);
    const counters = countersFor(limits, "btch_1");
    expect(await ledger.reserve("s", counters, "a")).toBeUndefined();
    c.advance(1_000);
    expect(await ledger.reserve("s", counters, "b")).toBeUndefined();
    const full = await ledger.reserve("s", counters, "c");
    expect(full).toEqual({ counter: counters[0], used: 2, oldest: 1_000_000 });
    expect(freesAt(full!, HOUR)).toBe(1_000_000 + HOUR);
    // The refused call took no slot on the credential either.
    expect((await ledger.usage("s", counters)).map((u) => u.used)).toEqual([2, 2]);
  });

  it("frees a slot exactly when its call is an hour old (sliding, not fixed, window)", async () => {
    const c = clock();
    const ledger = new LocalBudgets(HOUR, c.now);
    const counters = countersFor(limits, "btch_1");
    await ledger.reserve("s", counters, "a");
    c.advance(30 * 60_000);
    await ledger.reserve("s", counters, "b");
    c.advance(30 * 60_000 - 1);
    expect(await ledger.reserve("s", counters, "c")).toMatchObject({ used: 2 });
    c.advance(1);
    expect(await ledger.reserve("s", counters, "c")).toBeUndefined();
    expect(await ledger.reserve("s", counters, "d")).toMatchObject({ used: 2, oldest: 1_000_000 + 30 * 60_000 });
  });

  it("gives a slot back on release, on every counter the call took", async () => {
    const ledger = new LocalBudgets(HOUR, clock().now);
    const counters = countersFor(limits, "btch_1");
    await ledger.reserve("s", counters, "a");
    await ledger.reserve("s", counters, "b");
    await ledger.release("s", counters, "b");
    expect((await ledger.usage("s", counters)).map((u) => u.used)).toEqual([1, 1]);
    expect(await ledger.reserve("s", counters, "c")).toBeUndefined();
    // Giving back what was never taken (another scope, a counter never used) is a no-op.
    await ledger.release("other", countersFor(limits, "btch_never"), "z");
    expect((await ledger.usage("s", counters)).map((u) => u.used)).toEqual([2, 2]);
  });

  it("counts each batch apart, the credential across batches, and each scope apart", async () => {
    const ledger = new LocalBudgets(HOUR, clock().now);
    expect(await ledger.reserve("s", countersFor(limits, "btch_1"), "a")).toBeUndefined();
    expect(await ledger.reserve("s", countersFor(limits, "btch_2"), "b")).toBeUndefined();
    expect(await ledger.reserve("s", countersFor(limits, "btch_3"), "c")).toBeUndefined();
    expect(await ledger.reserve("s", countersFor(limits, "btch_4"), "d")).toMatchObject({ counter: { scope: "credential" }, used: 3 });
    expect(await ledger.reserve("other", countersFor(limits, "btch_1"), "e")).toBeUndefined();
  });

  it("reports an empty counter as unused, with no oldest call", async () => {
    const ledger = new LocalBudgets(HOUR, clock().now);
    expect(await ledger.usage("s", countersFor(limits, "btch_9"))).toEqual([
      { counter: expect.objectContaining({ scope: "batch" }), used: 0, oldest: undefined },
      { counter: expect.objectContaining({ scope: "credential" }), used: 0, oldest: undefined },
    ]);
  });

  it("tracks at most 10,000 windows, dropping those whose calls all left the window first", async () => {
    const c = clock();
    const ledger = new LocalBudgets(HOUR, c.now);
    const windows = () => (ledger as unknown as { windows: Map<string, unknown> }).windows;
    const one = { perBatch: 5, perCredential: 0 };
    await ledger.reserve("s", countersFor(one, "btch_keep"), "k");
    for (let i = 0; i < 10_000; i++) await ledger.reserve(`old${i}`, countersFor(one, "b"), `o${i}`);
    expect(windows().size).toBe(10_000);
    // Exactly an hour old is out of the window (as the count sees it): those windows are dropped.
    c.advance(HOUR);
    await ledger.reserve("s", countersFor(one, "btch_keep"), "k2");
    await ledger.reserve("s", countersFor(one, "btch_new"), "n");
    expect(windows().size).toBe(2);
  });

  it("when over the bound, keeps a window that still holds a call in the window beside one that left it", async () => {
    const c = clock();
    const ledger = new LocalBudgets(HOUR, c.now);
    const one = { perBatch: 5, perCredential: 0 };
    const keep = countersFor(one, "btch_keep");
    await ledger.reserve("s", keep, "k0");
    for (let i = 0; i < 9_999; i++) await ledger.reserve(`old${i}`, countersFor(one, "b"), `o${i}`);
    c.advance(30 * 60_000);
    await ledger.reserve("s", keep, "k1");
    c.advance(31 * 60_000); // k0 has left the window, k1 has not
    await ledger.reserve("s", countersFor(one, "btch_new"), "n"); // the 10,001st window
    expect((await ledger.usage("s", keep)).map((u) => u.used)).toEqual([1]);
  });
});
